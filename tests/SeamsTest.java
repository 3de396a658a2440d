
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The login's failure matrix (contract section 7) through its seams: the flow is handed a scripted browser,
 * code receiver and dashboard, so each case runs in milliseconds with no server, no network and no process. What each
 * seam was asked, in order, is the evidence; the whole-process tests (LoginFlowTest and others) keep the real
 * wiring honest.
 */
@Timeout(30)
class SeamsTest {
    static final String KEY = "clone_live_seams_key_Q7w2Ex9R";
    static final String CODE = "code_seams_4Hs8Kd2L";

    @TempDir Path tmp;
    /** What the seams were asked, in order: "reach", "open <url>", "exchange <code>", "session <key>", "check <key>", "page <status>", "fail", "close". */
    final List<String> asked = new CopyOnWriteArrayList<>();
    final Map<String, String> vars = new HashMap<>();

    // ---- scripted seams ----

    /** The person never comes back: the wait ends only when something else ends it. */
    static final Function<String, Optional<login.Callback>> NEVER = state -> null;

    /** The browser's outcome for this login: given the state the flow made, what the receiver's await returns or throws. */
    Function<String, Optional<login.Callback>> browser = state -> Optional.of(new login.Callback(CODE, state));
    CompletableFuture<Optional<login.CliException>> reach = CompletableFuture.completedFuture(Optional.empty());
    Function<login.Callback, String> exchange = callback -> KEY;
    Function<String, String> session = key -> "sess_seams_1";
    Function<String, login.Check> check = key -> new login.Check(login.Check.Verdict.ACCEPTED, null);
    Runnable onOpen = () -> { };
    login.Pages.Page page;

    final class Receiver implements login.CodeReceiver {
        final CompletableFuture<Optional<login.Callback>> result = new CompletableFuture<>();
        final String state;

        Receiver(String state) { this.state = state; }

        @Override public int port() { return 5555; }

        @Override public Optional<login.Callback> await(Duration timeout) {
            try {
                Optional<login.Callback> came = browser.apply(state);
                if (came != null) result.complete(came);
            } catch (login.CliException e) {
                result.completeExceptionally(e);
            }
            try {
                return result.get(Math.min(timeout.toMillis(), 5000), java.util.concurrent.TimeUnit.MILLISECONDS); // the flow's timeout, at most 5 s here
            } catch (java.util.concurrent.TimeoutException e) {
                return Optional.empty();
            } catch (java.util.concurrent.ExecutionException e) {
                throw (login.CliException) e.getCause();
            } catch (InterruptedException e) {
                throw login.CliException.interrupted();
            }
        }

        @Override public void answer(login.Pages.Page p) {
            page = p;
            asked.add("page " + p.httpStatus());
        }

        @Override public void fail(login.CliException failure) {
            asked.add("fail");
            result.completeExceptionally(failure);
        }

        @Override public void close() { asked.add("close"); }
    }

    final class Dashboard implements login.Dashboard {
        @Override public CompletableFuture<Optional<login.CliException>> reach() {
            asked.add("reach");
            return reach;
        }

        @Override public String exchange(login.Callback callback) {
            asked.add("exchange " + callback.code());
            return exchange.apply(callback);
        }

        @Override public String startSession(String key) {
            asked.add("session " + key);
            return session.apply(key);
        }

        @Override public login.Check check(String key) {
            asked.add("check " + key);
            return check.apply(key);
        }

        @Override public void close() { }
    }

    record Run(int exit, String out, String err) {
        List<String> outLines() { return out.isEmpty() ? List.of() : List.of(out.split("\n")); }

        void assertNoSecrets(String... secrets) {
            for (String s : secrets) assertFalse((out + err).contains(s), "printed a secret: " + this);
        }
    }

    Run run(String... args) {
        login.Seams seams = new login.Seams((env, ui, url) -> {
            asked.add("open " + url.replaceFirst("\\?.*", ""));
            onOpen.run();
        }, (port, state, env, ui) -> new Receiver(state), (env, ui, site) -> new Dashboard());
        Map<String, String> all = new HashMap<>(Map.of("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString(), "CLONE_DASHBOARD_URL", "https://dash.test",
                "CLONE_MCP_URL", "https://mcp.test/mcp", "PATH", System.getenv().getOrDefault("PATH", "")));
        all.putAll(vars);
        login.Env env = login.Env.of(all, tmp.resolve("home")).withLimits(login.Env.Limits.CONTRACT.withReachWait(Duration.ofMillis(200))
                .withLockWait(Duration.ofMillis(300)));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = login.newCommandLine(env, seams, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    Path config() { return tmp.resolve("data/auth.local.json"); }

    String stored() throws Exception { return Files.isRegularFile(config()) ? Checkout.read(config()) : ""; }

    // ---- the matrix ----

    @Test
    void aCallbackIsExchangedStoredAndConnectedAndThePageLinksTheSession() throws Exception {
        Run r = run("login");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("reach", "open https://dash.test/clone-loop/connect", "exchange " + CODE, "session " + KEY, "page 200", "close"), asked);
        assertTrue(stored().contains(KEY), "the key is stored");
        assertTrue(r.outLines().contains("Stored Clone API key from Clone OAuth login."), r.toString());
        assertTrue(page.body().contains("https://dash.test/console?session=sess_seams_1#sources"), page.body());
        r.assertNoSecrets(KEY, CODE);
    }

    @Test
    void anExchangeThatFailsStoresNothingAndThePageSaysWhy() throws Exception {
        exchange = callback -> { throw new login.CliException(1, "The code has expired."); };

        Run r = run("login");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("reach", "open https://dash.test/clone-loop/connect", "exchange " + CODE, "page 502", "close"), asked, "no session");
        assertEquals("", stored());
        assertTrue(page.body().contains("The code has expired."), page.body());
        assertTrue(r.err().contains("The code has expired."), r.toString());
        r.assertNoSecrets(CODE);
    }

    @Test
    void aConnectThatFailsAfterTheKeyIsStoredSaysBothAndHowToRetry() throws Exception {
        session = key -> { throw new login.CliException(1, "Clone MCP initialize failed with HTTP 500: down"); };

        Run r = run("--json", "login");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(stored().contains(KEY));
        assertEquals(502, page.httpStatus());
        assertTrue(page.body().contains("Your key is stored, but not connected"), page.body());
        assertTrue(r.err().contains("The key is stored in " + config() + "; run 'clone-login connect' to try connecting again."), r.toString());
        var o = Contract.oneJsonObject(new Result(r.exit(), r.out(), r.err(), r.out().getBytes()));
        assertTrue(o.get("stored").getAsBoolean());
        assertFalse(o.get("connected").getAsBoolean());
        r.assertNoSecrets(KEY, CODE);
    }

    @Test
    void aDashboardThatCannotBeReachedEndsTheLoginBeforeTheBrowserOpens() throws Exception {
        reach = CompletableFuture.completedFuture(Optional.of(new login.CliException(1, "Reaching the Clone dashboard failed: could not resolve host dash.test.")));

        Run r = run("login");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("reach", "close"), asked, "no browser, no exchange");
        assertTrue(r.err().contains("could not resolve host dash.test"), r.toString());
        assertEquals("", stored());
    }

    @Test
    void anAnswerThatComesAfterTheBrowserOpenedStillEndsTheWait() {
        reach = new CompletableFuture<>(); // no answer within the reach wait: the browser opens
        CompletableFuture<Optional<login.CliException>> late = reach;
        onOpen = () -> late.complete(Optional.of(new login.CliException(1, "Reaching the Clone dashboard failed: connection refused.")));
        browser = NEVER;

        Run r = run("login");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("reach", "open https://dash.test/clone-loop/connect", "fail", "close"), asked);
        assertTrue(r.err().contains("connection refused"), r.toString());
    }

    @Test
    void theTimeoutSaysWhatToDoAndSendsNothing() {
        browser = state -> Optional.empty();

        Run r = run("login", "--timeout", "90s");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("reach", "open https://dash.test/clone-loop/connect", "close"), asked);
        assertTrue(r.err().contains("Timed out after 1m30s waiting for the browser authorization."), r.toString());
    }

    @Test
    void aDeniedLoginExchangesNothing() throws Exception {
        browser = state -> { throw login.CliException.outcome("Clone login was not authorized: access_denied."); };

        Run r = run("login", "--no-open");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("reach", "close"), asked, "--no-open: no browser; denied: no exchange");
        assertTrue(r.err().contains("access_denied"), r.toString());
        assertEquals("", stored());
    }

    @Test
    void aLockHeldElsewhereKeepsTheCodeUnsentAndThePageSaysSo() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/.auth.local.json.lock"), ""); // another writer's, fresh: waited for, then given up

        Run r = run("login");

        assertEquals(1, r.exit(), r.toString());
        assertFalse(asked.stream().anyMatch(a -> a.startsWith("exchange")), "the code is never sent: " + asked);
        assertTrue(page.body().contains("The authorization code was not sent"), page.body());
        assertTrue(r.err().contains("The authorization code was not sent"), r.toString());
    }

    @Test
    void aShadowingVariableIsSaidBeforeAndAfterAndExits3() throws Exception {
        vars.put("CLONE_API_TOKEN", "clone_env_seams_key_77aa");

        Run r = run("login");

        assertEquals(3, r.exit(), r.toString());
        assertTrue(stored().contains(KEY));
        assertTrue(r.err().contains("Warning: CLONE_API_TOKEN is set"), r.toString());
        assertTrue(r.err().contains("takes precedence over the stored key"), r.toString());
        r.assertNoSecrets(KEY, "clone_env_seams_key_77aa");
    }

    @Test
    void noConnectStoresOnlyAndThePageSaysSo() throws Exception {
        Run r = run("login", "--no-connect");

        assertEquals(0, r.exit(), r.toString());
        assertFalse(asked.stream().anyMatch(a -> a.startsWith("session")), asked.toString());
        assertTrue(stored().contains(KEY));
        assertTrue(page.body().contains("not connected to the Clone Dashboard (--no-connect)"), page.body());
    }

    @Test
    void theTwoStepsExchangeOnceWithThePendingLoginsState() throws Exception {
        assertEquals(0, run("login", "--start", "--no-connect", "--port", "5555").exit());
        assertEquals(List.of("reach"), asked, "--start: no receiver, no browser");
        String state = com.google.gson.JsonParser.parseString(Checkout.read(tmp.resolve("data/.login-pending.json"))).getAsJsonObject().get("state").getAsString();
        String address = "http://127.0.0.1:5555/callback?code=" + CODE + "&state=" + state;
        List<login.Callback> sent = new ArrayList<>();
        exchange = callback -> {
            sent.add(callback);
            return KEY;
        };

        Run r = run("login", "--finish", address);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(new login.Callback(CODE, state)), sent);
        assertFalse(asked.stream().anyMatch(a -> a.startsWith("session")), "--start --no-connect is remembered");
        assertFalse(Files.exists(tmp.resolve("data/.login-pending.json")), "spent");
        assertEquals(1, run("login", "--finish", address).exit(), "never twice");
        assertEquals(1, sent.size());
    }

    // ---- status --check and connect ----

    @Test
    void aCheckSaysEachVerdictOnceAndFailsWithoutOne() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(config(), "{\"clone_api_token\": \"" + KEY + "\"}\n");
        for (login.Check.Verdict verdict : login.Check.Verdict.values()) {
            check = key -> new login.Check(verdict, verdict == login.Check.Verdict.ACCEPTED ? null : "HTTP 401: no");
            asked.clear();

            Run r = run("status", "--check");

            assertEquals(verdict == login.Check.Verdict.ACCEPTED ? 0 : 1, r.exit(), r.toString());
            assertEquals(List.of("check " + KEY), asked);
            assertEquals(1, r.outLines().stream().filter(l -> l.startsWith("Check: ")).count(), r.toString());
            assertFalse(r.err().contains("Check: "), "the verdict is said once: " + r);
        }
    }

    @Test
    void aStoredValueThatIsNoKeyIsNeverSent() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(config(), "{\"clone_api_token\": \"clone_with\\u0007bell\"}\n");

        Run r = run("status", "--check");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), asked);
        assertTrue(r.out().contains("is rejected by the Clone MCP endpoint: The key must be printable ASCII"), r.toString());
    }

    @Test
    void theDemoKeyIsNeverConnected() {
        Run r = run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of(), asked);
        assertTrue(r.err().startsWith("Private Clone API key is required."), r.toString());
    }
}
