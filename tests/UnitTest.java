
package clone.login;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact-value tests of the pure parts: no sockets, no sleeps, no subprocesses. */
class UnitTest {

    // ---- masking (contract section 4) ----

    @ParameterizedTest(name = "mask({0}) = {1}")
    @CsvSource(delimiter = '|', emptyValue = "", value = {
            "'' | ''",
            "'   ' | ''",
            "x | x...x",
            "ab | ab...ab",
            "abc | ab...bc",
            "abcd | ab...cd",
            "abcdefghij | ab...ij",
            "abcdefghijk | abcdefgh...hijk",
            "'  clone_yc-reviewer-public-demo-2026  ' | clone_yc...2026",
            "clone_live_fixture_8fJ3kQ2mN7pR4tV9 | clone_li...4tV9",
    })
    void masksLikeTheNodeOriginal(String token, String masked) {
        assertEquals(masked, login.Mask.mask(token));
    }

    @Test
    void masksTheDemoKeyExactly() {
        assertEquals("clone_yc...2026", login.Mask.mask(login.DEMO_TOKEN));
        assertEquals("", login.Mask.mask(null));
    }

    // ---- redaction (contract sections 4 and 8) ----

    @Test
    void redactsEveryFormOfASecretAndShortOnesOnlyWhereTheyStandAlone() {
        login.Secrets secrets = new login.Secrets();
        String key = "clone_redact\"key\\Q2w9/x+y";
        secrets.add(key);
        secrets.add("c0d3");
        String masked = "clone_re.../x+y";
        assertEquals(String.join(" ", masked, masked, masked, masked), secrets.redact(String.join(" ", key,
                "clone_redact\\\"key\\\\Q2w9/x+y", "clone_redact%22key%5CQ2w9%2Fx%2By", "clone_redact&quot;key\\Q2w9/x+y")));
        assertEquals("code [redacted], (\"[redacted]\") xc0d3 c0d3y c0d3.x ~c0d3", secrets.redact("code c0d3, (\"c0d3\") xc0d3 c0d3y c0d3.x ~c0d3"));
    }

    /**
     * A secret may be as long as the 1 MiB an answer holds, and a server chooses both it and the text that
     * quotes it: redaction must take time linear in both (this input took minutes when each secret was a
     * compiled pattern; it has no timing assertion: the suite's time limit is the guard).
     */
    @Test
    void redactsAHugeSecretInAHugeText() {
        login.Secrets secrets = new login.Secrets();
        String secret = "a".repeat(200_000) + "b";
        secrets.add(secret);
        String text = "a".repeat(1_000_000) + secret + "a";
        assertEquals("a".repeat(1_000_000) + login.Mask.mask(secret) + "a", secrets.redact(text));
    }

    // ---- agent id (contract section 2) ----

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "'' | claude-code",
            "CLONE_LOOP_AGENT_ID=my-agent | my-agent",
            "CLONE_LOOP_AGENT_ID=  my-agent  | my-agent",
            "CLONE_LOOP_AGENT_ID=   ,PLUGIN_DATA=/d | codex",
            "CLONE_LOOP_AGENT_ID=x,CLAUDE_PLUGIN_DATA=/d | x",
            "CLAUDE_PLUGIN_DATA=/d | claude-code",
            "CLAUDE_PLUGIN_ROOT=/r | claude-code",
            "CLAUDE_PLUGIN_ROOT=/r,CODEX_HOME=/c | claude-code",
            "PLUGIN_DATA=/d | codex",
            "PLUGIN_DATA=/d,CLAUDE_PLUGIN_DATA=/e | claude-code",
            "PLUGIN_ROOT=/r | codex",
            "PLUGIN_ROOT=/r,CLAUDE_PLUGIN_ROOT=/s | claude-code",
            "CODEX_HOME=/c | codex",
            "CODEX_SESSION_ID=s1 | codex",
            "CODEX_THREAD_ID=t1 | codex",
            "PLUGIN_DATA= | claude-code",
    })
    void detectsTheAgent(String assignments, String expected) {
        assertEquals(expected, login.Agent.id(env(assignments)));
    }

    private static Map<String, String> env(String assignments) {
        Map<String, String> env = new HashMap<>();
        for (String pair : assignments.split(",")) {
            if (pair.isBlank()) continue;
            String[] kv = pair.split("=", 2);
            env.put(kv[0].trim(), kv.length > 1 ? kv[1] : "");
        }
        return env;
    }

    // ---- durations (--timeout) ----

    @ParameterizedTest(name = "{0} -> {1}s")
    @CsvSource({"90s,90", "5m,300", "2m30s,150", "45,45", "1h,3600", "1h2m3s,3723", "' 10s ',10", "2M,120"})
    void parsesDurations(String text, long seconds) {
        assertEquals(Optional.of(Duration.ofSeconds(seconds)), login.Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0", "0s", "-5", "5x", "m", "1.5m", "5 m", "s30", "99999999999999999999"})
    void refusesMalformedDurations(String text) {
        assertEquals(Optional.empty(), login.Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"300,5m", "150,2m30s", "59,59s", "3600,1h", "3661,1h1m1s"})
    void formatsDurations(long seconds, String text) {
        assertEquals(text, login.Durations.format(Duration.ofSeconds(seconds)));
    }

    // ---- keys (contract section 8) ----

    @ParameterizedTest
    @ValueSource(strings = {"clone_abc", "a", "!~", "clone_live_fixture_8fJ3kQ2mN7pR4tV9"})
    void acceptsPrintableAsciiKeys(String key) {
        assertTrue(login.Keys.isValid(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "clone abc", "clone\tabc", "clone\nabc", "clone\u0000", "cl\u00f6ne", "clone\u001b[0m", "\u00a0x"})
    void refusesOtherKeys(String key) {
        assertFalse(login.Keys.isValid(key));
    }

    @Test
    void aKeyIsAtMostFourKibibytes() {
        assertTrue(login.Keys.isValid("k".repeat(4096)));
        assertFalse(login.Keys.isValid("k".repeat(4097)));
        assertEquals(Optional.of("The key is longer than 4 KiB, so it is not a Clone API key"), login.Keys.problem("k".repeat(4097), "The key"));
    }

    @Test
    void stateIsThirtyTwoRandomBytesInBase64Url() {
        String a = login.Keys.newState(new SecureRandom());
        String b = login.Keys.newState(new SecureRandom());
        assertTrue(a.matches("[A-Za-z0-9_-]{43}"), a);
        assertFalse(a.equals(b));
    }

    @Test
    void comparesStateExactly() {
        assertTrue(login.Keys.constantTimeEquals("abc", "abc"));
        assertFalse(login.Keys.constantTimeEquals("abc", "abd"));
        assertFalse(login.Keys.constantTimeEquals("abc", "abcd"));
        assertFalse(login.Keys.constantTimeEquals("", "abc"));
    }

    // ---- URLs (contract sections 2, 5 and 8) ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', emptyValue = "", value = {
            "'' | https://clone.is",
            "'   ' | https://clone.is",
            "https://dash.example.com/// | https://dash.example.com",
            "http://127.0.0.1:8787/ | http://127.0.0.1:8787",
            "https://x.example/base/ | https://x.example/base",
    })
    void normalisesTheDashboardBase(String value, String expected) {
        assertEquals(expected, login.Urls.baseUrl(value, "https://clone.is"));
    }

    @ParameterizedTest
    @CsvSource({"https://clone.is, https://clone.is", "https://api.clone.is/mcp, https://api.clone.is/mcp",
            "http://127.0.0.1:8787, http://127.0.0.1:8787", "http://127.9.8.7/x, http://127.9.8.7/x", "http://localhost:3000, http://localhost:3000",
            "http://[::1]:9000/mcp, http://[::1]:9000/mcp", "HTTPS://CLONE.IS, https://clone.is", "HTTP://LocalHost:1/A?b=C#frag, http://localhost:1/A?b=C"})
    void allowsHttpsAndLoopbackHttpInOneNormalForm(String url, String normal) {
        login.Endpoint endpoint = login.Endpoint.of(url, "CLONE_DASHBOARD_URL");
        assertEquals(normal, endpoint.url());
        assertEquals(normal, endpoint.uri().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://clone.is", "http://10.0.0.1", "http://128.0.0.1", "http://127.0.0.1.example.com",
            "http://localhost.example.com", "ftp://clone.is", "clone.is", "https://", "http://127.0.0.256", "not a url", "https://[bad"})
    void refusesEverythingElse(String url) {
        login.CliException e = assertThrows(login.CliException.class, () -> login.Endpoint.of(url, "CLONE_MCP_URL"));
        assertEquals(1, e.exitCode);
        assertTrue(e.getMessage().contains("CLONE_MCP_URL") && e.getMessage().contains("https"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://mia-Q7:s3cret@clone.is", "http://mia-Q7@127.0.0.1:1", "https://mia-Q7:s3cret@[bad"})
    void refusesUserInformationWithoutEchoingIt(String url) {
        login.CliException e = assertThrows(login.CliException.class, () -> login.Endpoint.of(url, "CLONE_DASHBOARD_URL"));
        assertEquals(1, e.exitCode);
        assertTrue(e.getMessage().startsWith("CLONE_DASHBOARD_URL "), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret") || e.getMessage().contains("mia-Q7"), e.getMessage());
    }

    @Test
    void buildsTheAuthorizeUrl() {
        assertEquals("https://clone.is/clone-loop/connect?redirect_uri=http%3A%2F%2F127.0.0.1%3A4321%2Fcallback"
                        + "&state=s_t-a&agent_id=claude+code",
                login.Urls.authorizeUrl(login.Endpoint.of("https://clone.is", "CLONE_DASHBOARD_URL"), "http://127.0.0.1:4321/callback", "s_t-a", "claude code"));
    }

    @ParameterizedTest
    @CsvSource({"sess_fixture 42/a,sess_fixture%2042%2Fa", "a!b'c(d)e~f*g,a!b'c(d)e~f*g", "\u00e9,%C3%A9", "a+b&c=d,a%2Bb%26c%3Dd"})
    void encodesLikeEncodeUriComponent(String value, String expected) {
        assertEquals(expected, login.Urls.encodeComponent(value));
    }

    @Test
    void decodesTheQuery() {
        assertEquals(Map.of("code", "a b+c", "state", "x/y", "flag", ""), login.Urls.parseQuery("code=a+b%2Bc&state=x%2Fy&flag"));
        assertEquals(Map.of("code", "first"), login.Urls.parseQuery("code=first&code=second"));
        assertEquals(Map.of(), login.Urls.parseQuery(null));
    }

    // ---- the one judge of a callback address (contract section 7): the receiver, a paste and --finish ----

    static final login.Judge JUDGE = new login.Judge("s1", 5555, new login.Secrets());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "http://127.0.0.1:5555/callback?code=c1&state=s1                  | CODE",
            "http://localhost:5555/callback?code=c1&state=s1#fragment         | CODE",
            "'http://127.0.0.1:5555/callback?code=c1&state=s1'                | CODE",
            "http://127.0.0.1:5555/callback?error=access_denied&state=s1      | DENIED",
            "http://127.0.0.1:5555/callback?state=s1&code=%20                 | NO_CODE",
            "http://127.0.0.1:5555/callback?code=c1&state=s2                  | MISMATCH",
            "http://127.0.0.1:5555/callback?code=c1                           | MISMATCH",
            "http://127.0.0.1:5555/callback                                   | INCOMPLETE",
            "http://127.0.0.1:5555/callback?flag                              | INCOMPLETE",
            "http://127.0.0.1:6666/callback?code=c1&state=s1                  | ANOTHER_HOST",
            "http://evil.example:5555/callback?code=c1&state=s1               | ANOTHER_HOST",
            "http://127.0.0.1:5555/other?code=c1&state=s1                     | ANOTHER_PATH",
            "https://127.0.0.1:5555/callback?code=c1&state=s1                 | NOT_AN_ADDRESS",
            "?code=c1&state=s1                                                | NOT_AN_ADDRESS",
            "code=c1&state=s1                                                 | NOT_AN_ADDRESS",
            "hello                                                            | NOT_AN_ADDRESS"})
    void judgesAnAddressByTheReceiversRules(String address, login.Judgement.Verdict verdict) {
        login.Judgement judged = JUDGE.address(address);
        assertEquals(verdict, judged.verdict(), String.valueOf(judged.reason()));
        assertEquals(verdict == login.Judgement.Verdict.CODE, judged.callback() != null);
        assertEquals(verdict != login.Judgement.Verdict.CODE, judged.reason() != null && !judged.reason().isBlank(), "a refusal says why");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "http://127.0.0.1:5555/callback?code=c1&state=s1", "http://localhost:5555/callback?error=x&state=s1",
            "http://127.0.0.1:5555/callback?code=c1&state=s2", "http://127.0.0.1:5555/callback", "http://127.0.0.1:6666/callback?code=c1",
            "http://127.0.0.1:5555/favicon.ico"})
    void anAddressAndTheRequestItMakesGetOneVerdict(String address) {
        URI uri = URI.create(address);
        assertEquals(JUDGE.address(address), JUDGE.request(uri.getRawAuthority(), uri.getRawPath(), uri.getRawQuery()));
    }

    @Test
    void aValidCallbackCarriesTheCodeAndRegistersItAsASecret() {
        login.Secrets secrets = new login.Secrets();
        login.Judgement judged = new login.Judge("s1", 5555, secrets).query(Map.of("code", "code_abcdefgh_1234", "state", "s1"));
        assertEquals(new login.Callback("code_abcdefgh_1234", "s1"), judged.callback());
        assertNull(judged.reason());
        assertEquals("code_abc...1234 was sent", secrets.redact("code_abcdefgh_1234 was sent"));
    }

    @Test
    void aWrongOrMissingStateIsAMismatch() {
        for (Map<String, String> q : List.of(Map.of("code", "c1", "state", "s2"), Map.of("code", "c1"), Map.of("error", "access_denied", "state", "nope"))) {
            login.Judgement judged = JUDGE.query(q);
            assertEquals(login.Judgement.Verdict.MISMATCH, judged.verdict());
            assertEquals("Clone Loop login callback state mismatch.", judged.reason());
            assertNull(judged.callback());
        }
    }

    @Test
    void anErrorNamesItselfAndItsDescription() {
        login.Judgement judged = JUDGE.query(Map.of("error", "access_denied", "error_description", "The user said no\u001b[31m", "state", "s1"));
        assertEquals("Clone login was not authorized: access_denied (The user said no).", judged.reason());
    }

    @Test
    void noCodeIsItsOwnFailure() {
        login.Judgement judged = JUDGE.query(Map.of("state", "s1", "code", " "));
        assertEquals(login.Judgement.Verdict.NO_CODE, judged.verdict());
        assertTrue(judged.reason().contains("without an authorization code"), judged.reason());
    }

    // ---- proxies (contract section 2) ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', emptyValue = "", value = {
            "clone.is | clone.is | true",
            "api.clone.is | clone.is | true",
            "api.clone.is | .clone.is | true",
            "notclone.is | clone.is | false",
            "clone.is | example.com, clone.is | true",
            "clone.is | * | true",
            "clone.is | '' | false",
    })
    void bypassesProxiesLikeCurl(String host, String noProxy, boolean bypassed) {
        assertEquals(bypassed, login.Proxies.bypassed(host, noProxy));
    }

    @Test
    void choosesTheProxyByScheme() {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://user:pw@proxy.example:3128", "http_proxy", "proxy2.example:8080",
                "NO_PROXY", "internal.example");
        var https = login.Proxies.forUri(java.net.URI.create("https://clone.is/x"), env).orElseThrow();
        assertEquals(List.of("proxy.example", 3128, "user", "pw"), List.of(https.getHost(), https.getPort(), https.getUsername(), https.getPassword()));
        var http = login.Proxies.forUri(java.net.URI.create("http://clone.example/x"), env).orElseThrow();
        assertEquals(List.of("proxy2.example", 8080), List.of(http.getHost(), http.getPort()));
        assertTrue(login.Proxies.forUri(java.net.URI.create("https://internal.example/x"), env).isEmpty());
        assertTrue(login.Proxies.forUri(java.net.URI.create("http://127.0.0.1:9/x"), env).isEmpty(), "loopback goes direct");
        assertTrue(login.Proxies.forUri(java.net.URI.create("https://clone.is"), Map.of()).isEmpty());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "HTTPS_PROXY | http://user:s3cret-pw@proxy.example:99999 | port is out of range",
            "HTTPS_PROXY | socks5://user:s3cret-pw@proxy.example:1080 | only http:// proxies",
            "https_proxy | https://user:s3cret-pw@proxy.example:3128 | only http:// proxies",
            "HTTPS_PROXY | http://user:s3cret-pw@proxy example:3128 | not a URL",
            "HTTPS_PROXY | http://user:s3cret-pw@:3128 | no valid host",
            "HTTPS_PROXY | http://user:s3cret-pw@proxy.example:abc | no valid host",
    })
    void refusesUnusableProxiesWithoutEchoingThem(String variable, String value, String why) {
        login.CliException e = assertThrows(login.CliException.class,
                () -> login.Proxies.forUri(java.net.URI.create("https://clone.is/x"), Map.of(variable, value)));
        assertEquals(1, e.exitCode);
        assertTrue(e.getMessage().startsWith(variable + " is not a usable proxy ("), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "the password is never echoed: " + e.getMessage());
        assertFalse(e.getMessage().contains("proxy.example"), "nor the value: " + e.getMessage());
    }

    @Test
    void decodesProxyCredentials() {
        var proxy = login.Proxies.forUri(java.net.URI.create("https://clone.is"),
                Map.of("https_proxy", "http://me%40corp:p%3Ass@proxy.example")).orElseThrow();
        assertEquals(List.of("proxy.example", 1080, "me@corp", "p:ss"),
                List.of(proxy.getHost(), proxy.getPort(), proxy.getUsername(), proxy.getPassword()));
    }

    // ---- BROWSER (contract section 7) ----

    @Test
    void splitsBrowserLikeAShell() {
        Map<String, List<String>> cases = new java.util.LinkedHashMap<>();
        cases.put("firefox", List.of("firefox"));
        cases.put("  curl -sL -o /dev/null ", List.of("curl", "-sL", "-o", "/dev/null"));
        cases.put("open -a 'Google Chrome'", List.of("open", "-a", "Google Chrome"));
        cases.put("\"/opt/my browser/run\" --new-tab", List.of("/opt/my browser/run", "--new-tab"));
        cases.put("sh -c 'printf %s \"$1\"' x", List.of("sh", "-c", "printf %s \"$1\"", "x"));
        cases.put("a\\ b \"c\\\"d\" ''", List.of("a b", "c\"d", ""));
        cases.forEach((line, words) -> assertEquals(words, login.ShellWords.split(line), line));
    }

    @Test
    void addsTheUrlAsTheLastArgument(@TempDir Path dir) {
        login.Env e = env(dir, Map.of("BROWSER", "curl -sL -o /dev/null"));
        assertEquals(Optional.of(List.of("curl", "-sL", "-o", "/dev/null", "https://x.test/a?b=c")),
                login.Browsers.command(e, "https://x.test/a?b=c"));
        assertEquals(List.of(), login.ShellWords.split("   "));
    }

    // ---- the contract's limits (section 8) ----

    @Test
    void theToolWaitsWhatTheContractSays() {
        assertEquals(new login.Env.Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofMillis(1500)),
                login.Env.Limits.CONTRACT);
        assertEquals(login.Env.Limits.CONTRACT, login.Env.system().limits(), "the script's own runs wait the contract's times");
    }

    // ---- shadowing (contract section 6) ----

    @Test
    void theUnsetAdviceNamesTheShellInUse(@TempDir Path dir) {
        java.util.function.BiFunction<String, String, String> advice = (os, shell) -> login.Shadowing.unsetAdvice(
                login.Env.of(Map.of("SHELL", shell), dir).withOs(os));
        assertEquals("run: unset CLONE_API_TOKEN", advice.apply("Linux", "/bin/bash"));
        assertEquals("run: unset CLONE_API_TOKEN", advice.apply("Mac OS X", "/bin/zsh"));
        assertEquals("run: set -e CLONE_API_TOKEN", advice.apply("Linux", "/usr/bin/fish"));
        assertEquals("run: unsetenv CLONE_API_TOKEN", advice.apply("FreeBSD", "/bin/tcsh"));
        assertEquals("run: unset CLONE_API_TOKEN", advice.apply("Linux", ""));
        assertTrue(advice.apply("Windows 11", "").contains("Remove-Item Env:CLONE_API_TOKEN"));
        assertFalse(advice.apply("Linux", "/bin/bash").contains("PowerShell"));
    }

    // ---- MCP answers (contract section 5) ----

    @Test
    void readsJsonAndServerSentEvents() {
        assertEquals("1", login.Mcp.response("{\"id\":1,\"result\":{}}", 1).orElseThrow().get("id").getAsString());
        String sse = "event: message\ndata: ping\n\nevent: message\ndata: {\"id\":2,\ndata: \"result\":true}\n\n";
        assertEquals("2", login.Mcp.response(sse, 2).orElseThrow().get("id").getAsString());
        assertEquals("3", login.Mcp.response("data:{\"id\":3,\"error\":{}}\r\n\r\n", 3).orElseThrow().get("id").getAsString());
        assertTrue(login.Mcp.response("data: nope\n\n", 1).isEmpty());
    }

    @Test
    void findsTheAnswerToItsOwnRequestAmongEvents() {
        String sse = ": comment\n\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n"
                + "data: {\"id\":7,\"result\":{\"n\":7}}\n\ndata: {\"id\":2,\"result\":{\"n\":2}}\n\ndata: {\"id\":2,\"result\":{\"n\":0}}\n\n";
        assertEquals(2, login.Mcp.response(sse, 2).orElseThrow().getAsJsonObject("result").get("n").getAsInt());
        assertTrue(login.Mcp.response(sse, 1).isEmpty());
        assertTrue(login.Mcp.answering("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"id\":2}", 2).isEmpty(), "a request is no answer");
    }

    @Test
    void findsTheSessionId() {
        assertEquals("s 1", login.Mcp.sessionId(toolResult("{\\\"session_id\\\":\\\"s 1\\\"}", false)));
        assertEquals("s2", login.Mcp.sessionId(toolResult("{\\\"sessionId\\\":\\\"s2\\\"}", false)));
        assertEquals("start_session returned an error: nope",
                assertThrows(login.CliException.class, () -> login.Mcp.sessionId(toolResult("nope", true))).getMessage());
        assertTrue(assertThrows(login.CliException.class, () -> login.Mcp.sessionId(toolResult("{}", false)))
                .getMessage().contains("session id"));
        assertTrue(assertThrows(login.CliException.class, () -> login.Mcp.sessionId(toolResult("plain words", false)))
                .getMessage().contains("non-JSON"));
    }

    private static login.Mcp.Answer toolResult(String text, boolean isError) {
        JsonObject payload = login.Json.strictObject("{\"result\":{\"isError\":" + isError + ",\"content\":[{\"type\":\"text\",\"text\":\""
                + text + "\"}]}}").orElseThrow();
        return login.Json.as(payload, login.Mcp.Answer.class).orElseThrow();
    }

    // ---- text from servers (contract section 8) ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'plain' | 'plain'",
            "'red\u001b[31mtext\u001b[0m' | 'redtext'",
            "'bell\u0007 and nul\u0000' | 'bell and nul'",
            "'title\u001b]0;owned\u0007done' | 'titledone'",
            "'two\nlines\r' | 'two lines '",
            "'rtl\u202Eevil' | 'rtlevil'",
    })
    void stripsControlCharacters(String raw, String clean) {
        assertEquals(clean, login.Text.clean(raw, false));
    }

    @Test
    void escapesHtml() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;", login.Text.escapeHtml("<script>alert(\"x\")</script> & '"));
    }

    // ---- the config file format (contract section 3) ----

    @Test
    void writesTheExactFileFormat(@TempDir Path dir) throws Exception {
        login.Env env = env(dir, Map.of("CLAUDE_PLUGIN_DATA", dir.resolve("data").toString()));
        login.KeyStore store = login.KeyStore.of(env);
        store.write("clone_exact_key_123456", env.clock(), quietUi());
        assertEquals("{\n  \"clone_api_token\": \"clone_exact_key_123456\",\n  \"updated_at\": \"2026-05-29T08:57:40Z\"\n}\n",
                Files.readString(dir.resolve("data/auth.local.json")));
        assertEquals(List.of("auth.local.json"), list(dir.resolve("data")));
    }

    @Test
    void keepsOtherFieldsInPlace(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Checkout.placeConfig("config-extra-fields.json", data);
        login.Env env = env(dir, Map.of("PLUGIN_DATA", data.toString()));
        login.KeyStore.of(env).write("clone_new_key_abcdef", env.clock(), quietUi());
        assertEquals("{\n  \"clone_api_token\": \"clone_new_key_abcdef\",\n  \"updated_at\": \"2026-05-29T08:57:40Z\",\n"
                + "  \"loop_defaults\": {\n    \"max_turns\": 12,\n    \"auto_answer\": true\n  },\n  \"note\": \"kept by every write\"\n}\n",
                Files.readString(data.resolve("auth.local.json")));
    }

    @Test
    void resolvesInPriorityOrder(@TempDir Path dir) {
        Path data = dir.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        login.Env stored = env(dir, Map.of("CLAUDE_PLUGIN_DATA", data.toString()));
        assertEquals(login.ResolvedKey.of("clone_stored_fixture_key_5k8Lq2Wz", "plugin config"),
                login.KeyState.read(stored, login.KeyStore.of(stored)).effective());
        login.Env both = env(dir, Map.of("CLAUDE_PLUGIN_DATA", data.toString(), "CLONE_API_TOKEN", "  clone_env_key_999999  "));
        assertEquals(new login.ResolvedKey("clone_env_key_999999", "environment", "clone_en...9999", false),
                login.KeyState.read(both, login.KeyStore.of(both)).effective());
        login.Env none = env(dir, Map.of("CLAUDE_PLUGIN_DATA", dir.resolve("empty").toString(), "CLONE_API_TOKEN", "   "));
        assertEquals(new login.ResolvedKey(login.DEMO_TOKEN, "demo fallback", "clone_yc...2026", true),
                login.KeyState.read(none, login.KeyStore.of(none)).effective());
    }

    /** status shows one reading of the key files: what it says cannot change, nor fail, when a clear runs while it prints. */
    @Test
    void statusShowsOneReadingOfTheKeyFiles(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        login.Env env = env(dir, Map.of("CLAUDE_PLUGIN_DATA", data.toString(), "CLONE_API_TOKEN", "clone_env_key_shadowing_1"));
        login.KeyState state = login.KeyState.read(env, login.KeyStore.of(env));
        Files.delete(data.resolve("auth.local.json")); // a clear, between the reading and the printing

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        login.Status.show(login.Ui.of(env, new PrintWriter(out), new PrintWriter(err), false, false), state);

        assertEquals(List.of("Source: environment", "Token: clone_en...ng_1", "Plugin config: " + data.resolve("auth.local.json")),
                out.toString().lines().toList());
        assertTrue(err.toString().contains("takes precedence over the stored key (clone_st...Lq2Wz)".replace("Lq2Wz", "q2Wz")), err.toString());
        assertTrue(state.shadowed());
    }

    @Test
    void listsTheReadCandidates(@TempDir Path dir) {
        login.Env fallback = env(dir, Map.of());
        Path data = dir.resolve("home/.claude/plugins/data");
        assertEquals(List.of(data.resolve("clone-labs-clone-loop/auth.local.json"), data.resolve("clone-loop-clone-loop/auth.local.json"),
                        data.resolve("clone-loop-clone-labs/auth.local.json"), data.resolve("clone-clone-loop/auth.local.json"),
                        data.resolve("clone-clone-labs/auth.local.json")),
                login.KeyStore.of(fallback).candidates());
        login.Env injected = env(dir, Map.of("PLUGIN_DATA", "/p", "CLAUDE_PLUGIN_DATA", "/c"));
        assertEquals(List.of(Path.of("/p", "auth.local.json")), login.KeyStore.of(injected).candidates());
        login.Env blankCodex = env(dir, Map.of("PLUGIN_DATA", "  ", "CLAUDE_PLUGIN_DATA", "/c"));
        assertEquals(List.of(Path.of("/c", "auth.local.json")), login.KeyStore.of(blankCodex).candidates());
    }

    // ---- in-process command tree: help, version and usage errors ----

    @Test
    void printsTheVersion(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        int code = login.newCommandLine(env(dir, Map.of()), new PrintWriter(out), new PrintWriter(new StringWriter())).execute("--version");
        assertEquals(0, code);
        assertEquals("clone-login " + login.VERSION, out.toString().trim());
    }

    static final List<String> COMMANDS = List.of("status", "login", "import-env", "set", "connect", "clear", "help", "generate-completion");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"status,-h", "login,--help", "import-env,-h", "set,--help", "set,-h", "connect,--help", "clear,-h", "help,--help",
            "generate-completion,-h"})
    void everyCommandHasHelp(String command, String option, @TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = login.newCommandLine(env(dir, Map.of()), new PrintWriter(out), new PrintWriter(err)).execute(command, option);
        assertEquals(0, code, err.toString());
        assertTrue(out.toString().contains("Usage: clone-login " + command + " ["), out.toString());
        assertTrue(out.toString().contains("-h, --help") && out.toString().contains("-V, --version"), out.toString());
        assertEquals("", err.toString());
        assertFalse(Files.exists(dir.resolve("home")), "help writes nothing");
    }

    @Test
    void everyCommandPrintsTheToolsVersion(@TempDir Path dir) {
        for (String command : COMMANDS) {
            for (String option : List.of("-V", "--version")) {
                StringWriter out = new StringWriter();
                int code = login.newCommandLine(env(dir, Map.of()), new PrintWriter(out), new PrintWriter(new StringWriter()))
                        .execute(command, option);
                assertEquals(0, code, command + " " + option);
                assertEquals("clone-login " + login.VERSION + "\n", out.toString().replace("\r\n", "\n"), command + " " + option);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"24h", "86400", "1440m"})
    void acceptsTimeoutsUpToADay(String value) {
        assertEquals(Duration.ofHours(24), new login.DurationConverter().convert(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775807", "86401", "25h", "99999999999999999999s"})
    void refusesTimeoutsBeyondADay(String value) {
        assertThrows(picocli.CommandLine.TypeConversionException.class, () -> new login.DurationConverter().convert(value));
    }

    private static login.Env env(Path dir, Map<String, String> vars) {
        return login.Env.of(vars, dir.resolve("home")).withClock(Clock.fixed(Instant.parse("2026-05-29T08:57:40.789Z"), ZoneOffset.UTC));
    }

    private static login.Ui quietUi() {
        PrintWriter sink = new PrintWriter(new StringWriter());
        return login.Ui.of(login.Env.of(Map.of(), Path.of(".")), sink, sink, false, false);
    }

    private static List<String> list(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
