
package clone.login;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Black-box tests of {@code login}: the script's command tree against the fake dashboard, with an HTTP
 * client in the role of the browser (it follows the dashboard's 302 to the tool's loopback callback).
 * Ctrl-C and another user's port need a process; WholeProcessTest runs a whole login as one too.
 */
class LoginFlowTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final String CODE = Contract.CODE;
    static final String ENV_KEY = "clone_env_shadow_key_0000";
    static final String STATE_MISMATCH = Contract.STATE_MISMATCH;
    static final Pattern AUTHORIZE = Contract.AUTHORIZE;
    static final Duration WAIT = Browser.WAIT;

    @TempDir Path tmp;
    FakeDashboard dash;
    /** Every login this test started: one that a failed assertion left waiting is stopped afterwards. */
    final List<Running> started = new ArrayList<>();

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopEverything() {
        started.forEach(Running::stop);
        dash.close();
    }

    // ---- the happy path ------------------------------------------------------------------------

    @Test void fullLoginStoresTheKeyAndConnects() throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool);
        Matcher shape = Pattern.compile(Pattern.quote(dash.url()) + "/clone-loop/connect\\?redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A"
                + "(\\d+)%2Fcallback&state=([A-Za-z0-9_-]{43})&agent_id=claude-code").matcher(login.url);
        assertTrue(shape.matches(), "authorize URL: " + login.url);
        assertEquals(login.port, Integer.parseInt(shape.group(1)));

        HttpResponse<String> page = Browser.browse(login.url);
        // the browser is answered only once the code is exchanged and the key is on disk
        Path config = tool.defaultFolder().resolve("auth.local.json");
        assertTrue(Files.isRegularFile(config), "answered before the key was written");
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
        Result r = login.run.waitFor(WAIT);

        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("Clone Loop is connected"), page.body());
        assertTrue(page.body().contains("<a href=\"" + Contract.dashboardLink(dash.url()) + "\">"), "links the session it started: " + page.body());
        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Authorize: " + login.url, "Waiting for Clone browser authorization...",
                "Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(KEY), "Plugin config: " + config));
        expected.addAll(Contract.connectBlock("plugin config", KEY, dash.url()));
        assertEquals(expected, r.outLines(), r.toString());
        Contract.assertStoredAlone(config, KEY);
        Contract.assertExchangedOnce(dash, CODE, login.state());
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        assertPageHasNoSecrets(page);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    /**
     * Over https, as the real dashboard is: the dashboard sees the login's reachability check, the approval
     * and the login's own three requests, nothing else.
     */
    @Test void anHttpsDashboardSeesOnlyTheLoginsOwnRequests() throws Exception {
        try (FakeDashboard https = FakeDashboard.startHttps(Checkout.fixtures())) {
            Tool tool = new Tool(tmp).against(https).withJvmOptions(Tls.jvmOptions());
            Running run = tool.start("login", "--no-open").closeInput();
            started.add(run);
            String url = run.awaitOut(AUTHORIZE, WAIT).group(1);
            HttpClient browser = HttpClient.newBuilder().sslContext(Tls.clientContext()).followRedirects(HttpClient.Redirect.ALWAYS).build();
            HttpResponse<String> page = browser.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            Result r = run.waitFor(WAIT);

            assertEquals(0, r.exit(), r.toString());
            assertTrue(page.body().contains("Clone Loop is connected"), page.body());
            assertEquals(List.of("GET " + FakeDashboard.CONNECT_PATH, "POST " + FakeDashboard.EXCHANGE_PATH, "POST " + FakeDashboard.MCP_PATH,
                    "POST " + FakeDashboard.MCP_PATH), https.loginCalls().stream().map(c -> c.method() + " " + c.path()).toList());
            assertEquals(1, https.calls().size() - https.loginCalls().size(), "and one reachability check, whenever it came");
            Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
            r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
        }
    }

    @ParameterizedTest(name = "{0}={1} -> agent {2}")
    @CsvSource({"PLUGIN_DATA, plugin-data, codex", "CLAUDE_PLUGIN_DATA, claude-data, claude-code",
            "CLONE_LOOP_AGENT_ID, my-agent, my-agent", "CODEX_HOME, codex-home, codex"})
    void agentIdFollowsTheEnvironment(String variable, String value, String agent) throws Exception {
        boolean folder = variable.endsWith("PLUGIN_DATA") || variable.equals("CODEX_HOME");
        Tool tool = tool().with(variable, folder ? tmp.resolve(value).toString() : value);
        Login login = startLogin(tool);
        assertEquals(agent, login.query.get("agent_id"), login.url);
        assertTrue(login.url.endsWith("&agent_id=" + agent), login.url);

        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        Path config = variable.endsWith("PLUGIN_DATA") ? tmp.resolve(value).resolve("auth.local.json")
                : tool.defaultFolder().resolve("auth.local.json");
        assertTrue(r.outLines().contains("Plugin config: " + config), r.toString());
        Contract.assertStoredAlone(config, KEY);
        Contract.assertConnectCalls(dash, KEY, agent);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test void jsonPrintsOneObjectAndSendsPeopleLinesToStderr() throws Exception {
        Tool tool = tool();
        Running run = tool.start("login", "--no-open", "--json").closeInput();
        started.add(run);
        String url = run.awaitErr(AUTHORIZE, WAIT).group(1);

        Browser.browse(url);
        Result r = run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.outLines().size(), r.toString());
        JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(Set.of("source", "token", "config_path", "demo", "shadowed", "stored", "connected", "session_id", "dashboard_url"),
                json.keySet());
        assertEquals("plugin config", json.get("source").getAsString());
        assertEquals(Contract.mask(KEY), json.get("token").getAsString());
        assertEquals(tool.defaultFolder().resolve("auth.local.json").toString(), json.get("config_path").getAsString());
        assertFalse(json.get("demo").getAsBoolean());
        assertFalse(json.get("shadowed").getAsBoolean());
        assertEquals(Contract.SESSION, json.get("session_id").getAsString());
        assertEquals(Contract.dashboardLink(dash.url()), json.get("dashboard_url").getAsString());
        List<String> err = r.errLines();
        for (String line : List.of("Authorize: " + url, "Waiting for Clone browser authorization...",
                "Stored Clone API key from Clone OAuth login.", "Connected Clone Loop to Clone Dashboard.")) {
            assertTrue(err.contains(line), "stderr lacks " + line + "\n" + r);
        }
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"exchange-ok", "exchange-expired"})
    void verboseOutputNeverShowsKeyOrCode(String exchange) throws Exception {
        dash.exchange(exchange);
        Login login = startLogin(tool(), "--verbose");

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(exchange.equals("exchange-ok") ? 0 : 1, r.exit(), r.toString());
        assertTrue(r.err().contains("[verbose]"), r.toString());
        assertPageHasNoSecrets(page);
        r.assertNoSecrets(KEY, CODE);
    }

    @Test void noConnectStoresWithoutCallingMcp() throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool, "--no-connect");

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Your Clone API key is stored") && !page.body().contains("is connected"),
                "the page claims no more than happened: " + page.body());
        Path config = tool.defaultFolder().resolve("auth.local.json");
        assertEquals(List.of("Authorize: " + login.url, "Waiting for Clone browser authorization...",
                "Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(KEY), "Plugin config: " + config), r.outLines());
        Contract.assertStoredAlone(config, KEY);
        Contract.assertExchangedOnce(dash, CODE, login.state());
        assertEquals(List.of(), dash.calls(FakeDashboard.MCP_PATH));
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test void plainHttpOnLoopbackNamesIsAccepted() throws Exception {
        String base = "http://localhost:" + dash.port();
        Tool tool = tool().with("CLONE_DASHBOARD_URL", base + "/").with("CLONE_MCP_URL", base + "/mcp");
        Login login = startLogin(tool);
        assertTrue(login.url.startsWith(base + "/clone-loop/connect?"), login.url);

        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        assertEquals("Dashboard: " + Contract.dashboardLink(base), r.outLines().get(r.outLines().size() - 1));
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    // ---- the callback says no ------------------------------------------------------------------

    @Test void stateMismatchFailsWithoutExchanging() throws Exception {
        dash.approval("wrong-state");
        Tool tool = tool();
        Login login = startLogin(tool);

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        assertEquals(400, page.statusCode(), page.body());
        assertTrue(r.err().contains(STATE_MISMATCH), r.toString());
        assertEquals(List.of("Authorize: " + login.url, "Waiting for Clone browser authorization..."), r.outLines());
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
        assertNothingWritten();
        assertPageHasNoSecrets(page);
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    @Test void deniedAuthorizationNamesTheErrorAndItsDescription() throws Exception {
        dash.approval("deny");
        Login login = startLogin(tool());

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("access_denied"), r.toString());
        assertTrue(r.err().contains("The user denied access"), r.toString());
        assertTrue(page.body().contains("access_denied") && page.body().contains("The user denied access"), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
        assertNothingWritten();
        r.assertNoStackTrace();
    }

    @Test void callbackWithoutCodeFails() throws Exception {
        dash.approval("no-code");
        Login login = startLogin(tool());

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        assertEquals(400, page.statusCode(), page.body());
        assertTrue(r.err().contains("without an authorization code"), r.toString());
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
        assertNothingWritten();
        r.assertNoStackTrace();
    }

    // ---- the receiver stands its ground --------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} with Host {2}: {3}")
    @CsvSource({"GET, /favicon.ico, right, 404", "POST, /callback, right, 405", "GET, /callback, foreign, 400"})
    void strayRequestIsRefusedAndTheLoginGoesOn(String method, String path, String hostKind, int status) throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool);
        String host = hostKind.equals("right") ? "127.0.0.1:" + login.port : "evil.example:" + login.port;
        // the foreign-Host request carries the real code and state: a rebinding page must not be able to use them
        String target = path.equals("/callback") ? path + "?code=" + CODE + "&state=" + login.state() : path;

        assertEquals(status, Browser.rawRequest(login.port, method, target, host));
        assertCompletesInTheBrowser(tool, login);
    }

    @Test void burstOfJunkRequestsDoesNotDisturbTheWait() throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool);
        String right = "127.0.0.1:" + login.port;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> answers = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int kind = i % 5;
                answers.add(pool.submit(() -> switch (kind) {
                    case 0 -> new int[] {404, Browser.rawRequest(login.port, "GET", "/", right)};
                    case 1 -> new int[] {404, Browser.rawRequest(login.port, "GET", "/callback/../etc/passwd", right)};
                    case 2 -> new int[] {405, Browser.rawRequest(login.port, "POST", "/callback?state=" + login.state(), right)};
                    case 3 -> new int[] {405, Browser.rawRequest(login.port, "PUT", "/callback", "localhost:" + login.port)};
                    default -> new int[] {400, Browser.rawRequest(login.port, "GET", "/callback?state=" + login.state(), "attacker.test")};
                }));
            }
            for (Future<int[]> answer : answers) {
                int[] got = answer.get();
                assertEquals(got[0], got[1]);
            }
        } finally {
            pool.shutdownNow();
        }

        assertCompletesInTheBrowser(tool, login);
    }

    /** The real callback after whatever came before it: a success page, the key stored, the code used once. */
    void assertCompletesInTheBrowser(Tool tool, Login login) throws Exception {
        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(200, page.statusCode(), page.body());
        assertEquals(0, r.exit(), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertExchangedOnce(dash, CODE, login.state());
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test void timeoutFailsWithRetryHintsAndClosesThePort() throws Exception {
        Login login = startLogin(tool(), "--timeout", "2s");

        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        String err = r.err().toLowerCase(Locale.ROOT);
        assertTrue(err.contains("timed out"), r.toString());
        for (String hint : List.of("--port", "paste", "--start")) assertTrue(err.contains(hint), "no " + hint + " hint\n" + r);
        assertFalse(err.contains("use --no-open"), "--no-open was given already: " + r);
        Browser.assertRefused(login.port);
        assertNothingWritten();
        assertEquals(List.of("HEAD /"), dash.calls().stream().map(c -> c.method() + " " + c.path()).toList(), "only the reachability check");
        r.assertNoStackTrace();
    }

    /** The word other login tools taught: --no-browser is --no-open, and help says so. */
    @Test void noBrowserIsNoOpen() throws IOException {
        Path opened = tmp.resolve("browser-was-started");
        Result r = tool().with("BROWSER", Harness.WINDOWS ? "cmd /c type nul > " + opened : "touch " + opened)
                .run("login", "--no-browser", "--timeout", "1s");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(AUTHORIZE.matcher(r.out()).find() && r.err().contains("Timed out"), r.toString());
        assertFalse(Files.exists(opened), "no browser");
        assertTrue(tool().run("login", "--help").out().contains("--no-open, --no-browser"), "help names it");
    }

    @Test void aTimeoutWithABrowserSuggestsNoOpen() {
        Result r = tool().with("BROWSER", Harness.WINDOWS ? "cmd /c exit 0" : "true").run("login", "--timeout", "1s");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("use --no-open and paste the address"), r.toString());
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void ctrlCWhileWaitingExits130AndClosesThePort() throws Exception {
        Login login = startLogin(tool().withDefaultSigint());
        assertTrue(receivesSigint(login.run), "SIGINT still ignored in the tool's process");

        login.run.interrupt();
        Result r = login.run.waitFor(Duration.ofSeconds(5));

        assertEquals(130, r.exit(), r.toString());
        Browser.assertRefused(login.port);
        assertNothingWritten();
        assertEquals(List.of(), dash.loginCalls());
        r.assertNoStackTrace();
    }

    @Test void busyPortFailsAndNamesIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String port = Integer.toString(taken.getLocalPort());

            Result r = tool().run("login", "--no-open", "--port", port, "--timeout", "10s");

            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains(port), r.toString());
            assertFalse(AUTHORIZE.matcher(r.out()).find(), r.toString());
            assertNothingWritten();
            assertEquals(List.of(), dash.calls());
            r.assertNoStackTrace();
        }
    }

    @Test void portOptionIsHonoured() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Tool tool = tool();
        Login login = startLogin(tool, "--port", Integer.toString(port));
        assertEquals("http://127.0.0.1:" + port + "/callback", login.query.get("redirect_uri"));

        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aPortThatNeedsPrivilegesSaysSoNotThatItIsBusy() throws Exception {
        Result r = tool().asUser("nobody").run("login", "--no-open", "--port", "80", "--timeout", "10s");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("permission denied") && r.err().contains("port 80"), r.toString());
        assertFalse(r.err().contains("already in use"), r.toString());
        assertFalse(AUTHORIZE.matcher(r.out()).find(), r.toString());
        r.assertNoStackTrace();
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void browserMayCarryArgumentsAsInAShell() throws Exception {
        // BROWSER is split into words; the authorize URL is the last one. curl follows the approval to the callback.
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
        Tool tool = tool().with("BROWSER", "/usr/bin/curl -sL -o /dev/null");
        Running run = tool.start("login", "--timeout", "30s").closeInput();
        started.add(run);
        Result r = run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.all().contains("Cannot run program") || r.all().contains("Open this URL in your browser"), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "login | http://proxyuser:s3cret-pw@proxy host:3128",
            "login | socks5://proxyuser:s3cret-pw@proxy.example:1080",
            "connect | http://proxyuser:s3cret-pw@proxy.example:99999",
    })
    void anUnusableProxyFailsBeforeAnythingStarts(String command, String proxy) throws Exception {
        Path opened = tmp.resolve("browser-was-started");
        Tool tool = tool().with("CLONE_DASHBOARD_URL", "https://dashboard.test").with("CLONE_MCP_URL", "https://dashboard.test/mcp")
                .with("HTTPS_PROXY", proxy).with("BROWSER", "touch " + opened).with("CLONE_API_TOKEN", "clone_env_proxy_key_6Tq1");

        Result r = command.equals("login") ? tool.run("login", "--timeout", "30s") : tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("HTTPS_PROXY is not a usable proxy"), r.toString());
        assertFalse(AUTHORIZE.matcher(r.out()).find() || Files.exists(opened), "nothing started: " + r);
        assertFalse(r.all().contains("Unexpected error") || r.all().contains("IllegalArgument"), r.toString());
        r.assertNoSecrets("s3cret-pw", "proxyuser", "clone_env_proxy_key_6Tq1").assertNoStackTrace();
    }

    // ---- paste fallback ------------------------------------------------------------------------

    @Test void pastedRedirectAddressCompletesTheLogin() throws Exception {
        String pastedCode = "code_pasted_Vb62mQ0xTz";
        Tool tool = tool();
        Login login = startLogin(tool, false);

        login.run.input("hello\n");
        login.run.awaitErr(Pattern.compile("(?m)paste the whole http://127\\.0\\.0\\.1:" + login.port + "/callback"), WAIT);
        login.run.input(login.callbackUrl() + "?code=" + pastedCode + "&state=" + login.state() + "\n");
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertExchangedOnce(dash, pastedCode, login.state());
        assertEquals(List.of(), dash.calls(FakeDashboard.CONNECT_PATH));
        assertTrue(r.outLines().contains("Connected Clone Loop to Clone Dashboard."), r.toString());
        Browser.assertRefused(login.port);
        r.assertNoSecrets(KEY, pastedCode).assertNoStackTrace();
    }

    /** The check the tests make that a login's receiver is closed fails while this JVM still listens on the port. */
    @Test void theRefusalCheckCatchesAPortStillOpenHere() throws Exception {
        int port;
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = open.getLocalPort();
            assertThrows(org.opentest4j.AssertionFailedError.class, () -> Browser.assertRefused(port, Duration.ofMillis(500)));
        }
        Browser.assertRefused(port);
    }

    /** Pasting is offered only where a line can come: not with standard input closed or /dev/null (in a process: WholeProcessTest). */
    @Test void pastingIsOfferedOnlyWhenALineCanCome() throws Exception {
        String offer = "paste the address it ends on here and press Enter";
        Result none = tool().withoutInput().run("login", "--no-open", "--timeout", "1s");
        assertEquals(1, none.exit(), none.toString());
        assertFalse(none.err().contains(offer), none.toString());
        assertTrue(none.err().contains("ssh -L"), "the other ways are still said: " + none);

        Result pipe = tool().run("login", "--no-open", "--timeout", "1s");
        assertTrue(pipe.err().contains(offer), pipe.toString());
    }

    /** A paste from another login's tab, incomplete, or at another port is refused and forgiven; this login's own completes it. */
    @Test void aPastedAddressWithTheWrongStateIsForgivenAndTheWaitGoesOn() throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool, false);

        login.run.input(login.callbackUrl() + "?code=" + CODE + "&state=" + FakeDashboard.WRONG_STATE + "\n");
        login.run.awaitErr(Pattern.compile("That address is from another login.*Still waiting"), WAIT);
        login.run.input(login.callbackUrl() + "\n");
        login.run.awaitErr(Pattern.compile("The address is incomplete.*Still waiting"), WAIT);
        // this login's state at another port is not this login's callback: the receiver's rules, the one judge's
        login.run.input("http://127.0.0.1:" + (login.port == 65535 ? 1 : login.port + 1) + "/callback?code=" + CODE + "&state=" + login.state() + "\n");
        login.run.awaitErr(Pattern.compile("That address is not this login's callback \\(http://127\\.0\\.0\\.1:" + login.port + "/callback\\?\\.\\.\\.\\)\\. Still waiting"), WAIT);
        assertTrue(login.run.isAlive(), "still waiting");
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));

        login.run.input(login.callbackUrl() + "?code=" + CODE + "&state=" + login.state() + "\n");
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.err().contains(STATE_MISMATCH), "a paste is not a callback: " + r);
        Contract.assertExchangedOnce(dash, CODE, login.state());
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test void theBareCallbackAddressSaysItIsIncompleteAndTheLoginGoesOn() throws Exception {
        Tool tool = tool();
        Login login = startLogin(tool);

        HttpResponse<String> bare = Browser.HTTP.send(HttpRequest.newBuilder(URI.create(login.callbackUrl())).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bare.statusCode());
        assertTrue(bare.body().contains("still waiting"), bare.body());
        for (String untrue : List.of("failed", "state mismatch", "login again")) assertFalse(bare.body().contains(untrue), "not so: " + bare.body());
        assertTrue(login.run.isAlive(), "not a callback: the wait goes on");

        assertCompletesInTheBrowser(tool, login);
    }

    // ---- transport safety ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"CLONE_DASHBOARD_URL, http://dashboard.example.com", "CLONE_MCP_URL, http://mcp.example.com/mcp"})
    void plainHttpToARemoteHostIsRefusedBeforeAnything(String variable, String url) throws IOException {
        // any request to those hosts would reach the fake through the proxy, so an empty call log means none was made
        Result r = tool().with(variable, url).with("HTTP_PROXY", dash.url()).with("http_proxy", dash.url())
                .run("login", "--no-open", "--timeout", "5s");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("https"), r.toString());
        assertTrue(r.err().contains(variable), r.toString());
        assertFalse(r.all().contains("Authorize:"), r.toString());
        assertEquals(List.of(), dash.calls());
        assertNothingWritten();
        r.assertNoStackTrace();
    }

    /** A user name or password in an endpoint is refused before anything starts, and never printed. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"login, CLONE_DASHBOARD_URL", "login, CLONE_MCP_URL", "connect, CLONE_DASHBOARD_URL", "connect, CLONE_MCP_URL"})
    void credentialsInAnEndpointAreRefusedWithoutBeingPrinted(String command, String variable) throws IOException {
        String user = Harness.unique("user");
        String password = Harness.unique("pass");
        String url = "http://" + user + ":" + password + "@127.0.0.1:" + dash.port() + (variable.equals("CLONE_MCP_URL") ? "/mcp" : "");
        Tool tool = tool().with(variable, url).with("CLONE_API_TOKEN", "clone_env_endpoint_key_4Rt8");

        Result r = command.equals("login") ? tool.run("login", "--no-open", "--timeout", "5s") : tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(variable) && r.err().contains("user name or password"), r.toString());
        assertFalse(r.all().contains("Authorize:"), r.toString());
        assertEquals(List.of(), dash.calls());
        r.assertNoSecrets(user, password).assertNoStackTrace();
    }

    /** An endpoint that is no URL fails before the Authorize line, naming its variable, whether or not the login would connect. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"api.clone.is/mcp", "https://[bad", "HTTPS://"})
    void anMcpUrlThatIsNoUrlFailsBeforeTheLoginStarts(String url) throws IOException {
        Result r = tool().with("CLONE_MCP_URL", url).run("login", "--no-open", "--no-connect", "--timeout", "5s");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("CLONE_MCP_URL ") && r.err().contains("https"), r.toString());
        assertFalse(r.all().contains("Authorize:") || r.all().contains("Unexpected") || r.all().contains("Exception"), r.toString());
        assertEquals(List.of(), dash.calls());
        assertNothingWritten();
    }

    // ---- the dashboard cannot be reached ------------------------------------------------------

    /** A dashboard this machine cannot reach ends the login before the browser opens, with the cause in plain words. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a name that does not resolve | https://no-such-host.invalid | could not resolve host no-such-host.invalid",
            "a refused connection         | CLOSED                       | connection refused by 127.0.0.1:",
            "an untrusted certificate     | HTTPS                        | certificate not trusted: 127.0.0.1"})
    void anUnreachableDashboardEndsTheLoginBeforeTheBrowserOpens(String situation, String dashboard, String cause) throws Exception {
        Path opened = tmp.resolve("browser-was-started");
        try (FakeDashboard https = FakeDashboard.startHttps(Checkout.fixtures())) {
            String url = switch (dashboard) {
                case "CLOSED" -> "http://127.0.0.1:" + closedPort();
                case "HTTPS" -> https.url();
                default -> dashboard;
            };
            // the browser waits for the check as long as it takes here (a second or two in production): a cold TLS
            // handshake beside the other test classes can take longer
            Tool tool = tool().with("CLONE_DASHBOARD_URL", url).with("BROWSER", Harness.WINDOWS ? "cmd /c type nul > " + opened : "touch " + opened)
                    .configure(e -> e.withLimits(login.Env.Limits.CONTRACT.withReachWait(Duration.ofSeconds(30))));

            Result r = tool.run("login", "--timeout", "60s");

            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("Reaching the Clone dashboard failed: " + cause) && r.err().contains("cannot reach the Clone dashboard"),
                    r.toString());
            assertFalse(Files.exists(opened), "no browser was opened: " + r);
            assertFalse(r.out().contains("Waiting for Clone browser authorization"), r.toString());
            Browser.assertRefused(Browser.callbackPort(AUTHORIZE.matcher(r.out()).results().findFirst().orElseThrow().group(1)));
            assertNothingWritten();
            r.assertNoStackTrace();
        }
    }

    /** --start checks the same before it saves anything: an agent learns at once that the login cannot work from here. */
    @Test void startChecksTheDashboardToo() throws IOException {
        Result r = tool().with("CLONE_DASHBOARD_URL", "http://127.0.0.1:" + closedPort()).run("login", "--start");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("connection refused by 127.0.0.1:"), r.toString());
        assertFalse(r.out().contains("Authorize:"), r.toString());
        assertNothingWritten();
        assertFalse(Files.exists(tmp.resolve("home/.claude/plugins/data/clone-labs-clone-loop/.login-pending.json")));
    }

    /**
     * A dashboard that takes the connection and does not answer is no definite failure: the Authorize line
     * comes at once, the browser still opens within a second or two, and the wait goes on.
     */
    @Test void aSlowDashboardDelaysNeitherTheAddressNorTheBrowser() throws Exception {
        Path opened = tmp.resolve("browser-was-started");
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) { // connects, never answers
            Tool tool = tool().with("CLONE_DASHBOARD_URL", "http://127.0.0.1:" + silent.getLocalPort())
                    .with("BROWSER", Harness.WINDOWS ? "cmd /c type nul > " + opened : "touch " + opened);
            Running run = tool.start("login", "--timeout", "60s").closeInput();
            started.add(run);

            run.awaitOut(AUTHORIZE, Duration.ofSeconds(5));
            assertTrue(Harness.eventually(() -> Files.exists(opened), Duration.ofSeconds(5)), "the browser was opened");
            run.awaitOut(Pattern.compile("Waiting for Clone browser authorization"), Duration.ofSeconds(5));
            assertTrue(run.isAlive(), "still waiting");
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    // ---- the exchange fails --------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "exchange-no-key     | Clone Loop login exchange did not return an API key.",
            "exchange-expired    | Authorization code expired. Start the login again.",
            "exchange-bad-gateway| Clone Loop login exchange failed with HTTP 502",
            "exchange-control-chars | Bad code injected"})
    void exchangeFailureIsReportedInTerminalAndPage(String fixture, String message) throws Exception {
        dash.exchange(fixture);
        Login login = startLogin(tool());

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
        assertFalse(r.all().contains("\u001b") || r.all().contains("\u0007"), "control characters printed\n" + r);
        assertEquals(List.of("Authorize: " + login.url, "Waiting for Clone browser authorization..."), r.outLines());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.statusCode() >= 400, "page status " + page.statusCode());
        assertTrue(page.body().contains(message), page.body());
        assertTrue(page.body().split("(?i)again", -1).length <= 2, "no advice given twice: " + page.body());
        assertFalse(page.body().contains("\u001b") || page.body().contains("\u0007"), page.body());
        Contract.assertExchangedOnce(dash, CODE, login.state());
        assertEquals(List.of(), dash.calls(FakeDashboard.MCP_PATH));
        assertNothingWritten();
        assertPageHasNoSecrets(page);
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    // ---- MCP answers ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource({"mcp-initialize-sse, mcp-start-session-sse", "mcp-initialize, mcp-start-session-camel"})
    void mcpAnswerFormsAllConnect(String initialize, String startSession) throws Exception {
        dash.initialize(initialize).startSession(startSession);
        Tool tool = tool();
        Login login = startLogin(tool);

        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(0, r.exit(), r.toString());
        List<String> out = r.outLines();
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()), out.subList(out.size() - 6, out.size()), r.toString());
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', value = {
            "mcp-initialize-http-500    | mcp-start-session            | 1 | Clone MCP initialize failed with HTTP 500: upstream exploded",
            "mcp-initialize-no-session  | mcp-start-session            | 1 | mcp-session-id",
            "mcp-initialize             | mcp-start-session-rpc-error  | 2 | Clone MCP tools/call failed: Unknown tool: start_session",
            "mcp-initialize             | mcp-start-session-tool-error | 2 | start_session returned an error: API key is not allowed to start sessions",
            "mcp-initialize             | mcp-start-session-no-id      | 2 | session id"})
    void mcpFailureFailsTheLoginAfterTheKeyIsStored(String initialize, String startSession, int calls, String message) throws Exception {
        dash.initialize(initialize).startSession(startSession);
        Tool tool = tool();
        Login login = startLogin(tool);

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
        assertTrue(r.err().contains("The key is stored in " + tool.defaultFolder().resolve("auth.local.json")
                + "; run 'clone-login connect' to try connecting again."), "the terminal says the key is stored: " + r);
        assertEquals(502, page.statusCode());
        assertTrue(page.body().contains("Your key is stored, but not connected") && !page.body().contains("is connected"),
                "the page tells the same story: " + page.body());
        assertTrue(r.outLines().contains("Stored Clone API key from Clone OAuth login."), r.toString());
        assertFalse(r.outLines().contains("Connected Clone Loop to Clone Dashboard."), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        assertEquals(calls, dash.calls(FakeDashboard.MCP_PATH).size());
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    // ---- shadowing -----------------------------------------------------------------------------

    @Test void environmentKeyShadowingTheNewKeyIsWarnedAboutAndExits3() throws Exception {
        Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);
        Login login = startLogin(tool);
        // said before the URL is used: the first thing on stderr
        login.run.awaitErr(Pattern.compile("CLONE_API_TOKEN"), WAIT);
        assertEquals(List.of(), dash.loginCalls());

        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);

        assertEquals(3, r.exit(), r.toString());
        assertTrue(r.errLines().get(0).contains("CLONE_API_TOKEN"), r.toString());
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("CLONE_API_TOKEN") && l.contains("precedence")
                && l.contains(Contract.mask(ENV_KEY)) && l.contains(Contract.mask(KEY)) && l.toLowerCase(Locale.ROOT).contains("unset")), r.toString());
        assertFalse(r.err().contains("PowerShell"), "no Windows advice on a POSIX shell: " + r);
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY, CODE, ENV_KEY).assertNoStackTrace();
    }

    // ---- the single-use code is sent only when the key can be stored ---------------------------

    /** Another live process holds the config's lock: the login fails without sending its code, and the page says so. */
    @Test void aLockHeldByAnotherWriterFailsTheLoginBeforeTheCodeIsSent() throws Exception {
        Path folder = Files.createDirectories(new Tool(tmp).defaultFolder());
        try (java.nio.channels.FileChannel lock = java.nio.channels.FileChannel.open(folder.resolve(".auth.local.json.lock"),
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock held = lock.lock()) {
            Tool tool = tool().configure(e -> e.withLimits(login.Env.Limits.CONTRACT.withLockWait(Duration.ofSeconds(1))));
            Login login = startLogin(tool);

            HttpResponse<String> page = Browser.browse(login.url);
            Result r = login.run.waitFor(WAIT);

            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("another process has held") && r.err().contains("The authorization code was not sent"), r.toString());
            assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH), "the code is still unspent");
            assertTrue(page.statusCode() >= 400 && page.body().contains("The authorization code was not sent"), page.body());
            assertFalse(Files.exists(folder.resolve("auth.local.json")));
            r.assertNoSecrets(CODE).assertNoStackTrace();
        }
    }

    // ---- after the login -----------------------------------------------------------------------

    @Test void secondCallbackAfterCompletionFindsNoListener() throws Exception {
        Login login = startLogin(tool());
        Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);
        assertEquals(0, r.exit(), r.toString());

        HttpRequest again = HttpRequest.newBuilder(URI.create(login.callbackUrl() + "?code=" + CODE + "&state=" + login.state()))
                .timeout(Duration.ofSeconds(5)).build();
        assertThrows(IOException.class, () -> Browser.HTTP.send(again, HttpResponse.BodyHandlers.ofString()));
        Contract.assertExchangedOnce(dash, CODE, login.state());
        r.assertNoSecrets(KEY, CODE);
    }

    @Test void listenerIsBoundToLoopbackOnly() throws Exception {
        Login login = startLogin(tool());

        List<InetAddress> others = new ArrayList<>();
        for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                if (!a.isLoopbackAddress()) others.add(a);
            }
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            others.add(InetAddress.getByName("127.0.0.2"));
        }
        others.add(InetAddress.getByName("::1"));
        for (InetAddress a : others) {
            assertThrows(IOException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(a, login.port), 2000);
                }
            }, "reachable on " + a.getHostAddress());
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), login.port), 2000);
        }

        HttpResponse<String> page = Browser.browse(login.url);
        Result r = login.run.waitFor(WAIT);
        assertEquals(200, page.statusCode(), page.body());
        assertEquals(0, r.exit(), r.toString());
        r.assertNoSecrets(KEY, CODE);
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** A running login whose Authorize line has been seen. */
    record Login(Running run, String url, Map<String, String> query, int port) {
        String state() { return query.get("state"); }

        String callbackUrl() { return "http://127.0.0.1:" + port + "/callback"; }
    }

    Tool tool() { return new Tool(tmp).against(dash); }

    Login startLogin(Tool tool, String... args) { return startLogin(tool, true, args); }

    /** Starts {@code login --no-open ...} and waits for its Authorize line; closes stdin unless the test pastes. */
    Login startLogin(Tool tool, boolean closeInput, String... args) {
        List<String> command = new ArrayList<>(List.of("login", "--no-open"));
        command.addAll(List.of(args));
        Running run = tool.start(command.toArray(String[]::new));
        started.add(run);
        if (closeInput) run.closeInput();
        String url = run.awaitOut(AUTHORIZE, WAIT).group(1);
        Map<String, String> query = FakeDashboard.parseQuery(URI.create(url).getRawQuery());
        int port = URI.create(query.get("redirect_uri")).getPort();
        return new Login(run, url, query, port);
    }

    /**
     * A process started with SIGINT ignored (a background job of a shell without job control) keeps it
     * ignored, and the JVM then leaves it so: Ctrl-C could not reach it either. Linux can tell.
     */
    static boolean receivesSigint(Running run) throws IOException {
        Path status = Path.of("/proc", Long.toString(run.process().pid()), "status");
        if (!Files.isReadable(status)) return true;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) == 0;
        }
        return true;
    }

    /** No config file (nor a temporary one) anywhere under this test's folder. */
    void assertNothingWritten() throws IOException {
        try (Stream<Path> files = Files.walk(tmp)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().contains("auth.local.json")).toList();
            assertEquals(List.of(), found, "written");
        }
    }

    static void assertPageHasNoSecrets(HttpResponse<String> page) {
        assertFalse(page.body().contains(KEY), "key in the page");
        assertFalse(page.body().contains(CODE), "code in the page");
    }
}
