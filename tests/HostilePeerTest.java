
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peers that echo secrets, send junk or hold connections open (contract sections 4, 5, 7, 8): no key or
 * code is printed or served, strict JSON only, and the receiver is never held by idle clients.
 *
 * <p>The echoed codes and keys are new in every run ({@link Harness#unique}), in the shapes of the
 * fixtures' (a code of the default's shape and a five-character one, a key): as long as login.java keeps
 * the secrets it hides for the whole JVM, no other run can have registered them, so the tool must have.
 */
class HostilePeerTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final String CODE = Contract.CODE;
    static final String ESC = "\u001b";

    @TempDir Path tmp;
    FakeDashboard dash;
    final List<Running> started = new ArrayList<>();

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopEverything() {
        started.forEach(Running::stop);
        dash.close();
    }

    Tool tool() { return new Tool(tmp).against(dash).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()); }

    // ---- secrets echoed back ----

    @ParameterizedTest(name = "{0} {1} code {2}")
    @CsvSource({"'',long", "--verbose,long", "--json,long", "'',short", "--verbose,short", "--json,short"})
    void anExchangeErrorThatEchoesTheCodeNeverShowsIt(String flag, String length) throws Exception {
        String code = length.equals("short") ? Harness.unique("").substring(7) : Harness.unique("code_echoed_");
        dash.exchange("exchange-error-echoes-code").code(code);
        List<String> args = new ArrayList<>(List.of("login", "--no-open"));
        if (!flag.isEmpty()) args.add(flag);
        Running run = tool().start(args.toArray(String[]::new)).closeInput();
        started.add(run);
        boolean json = flag.equals("--json");
        String url = (json ? run.awaitErr(Contract.AUTHORIZE, Browser.WAIT) : run.awaitOut(Contract.AUTHORIZE, Browser.WAIT)).group(1);

        HttpResponse<String> page = Browser.browse(url);
        Result r = run.waitFor(Running.RUN_LIMIT);
        if (json) assertTrue(com.google.gson.JsonParser.parseString(r.out()).getAsJsonObject().has("error"), r.toString());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("invalid or expired code"), "the server's reason is still told: " + r);
        assertTrue(page.body().contains("invalid or expired code"), page.body());
        assertFalse(page.body().contains(code), "code in the page: " + page.body());
        r.assertNoSecrets(code);
        if (flag.isEmpty()) r.assertNoStackTrace();
        assertFalse(Pattern.compile("(?<![A-Za-z0-9])" + Pattern.quote(code) + "(?![A-Za-z0-9])").matcher(r.all()).find(), r.toString());
        assertFalse(Files.exists(tmp.resolve("data/auth.local.json")));
    }

    @ParameterizedTest(name = "{0} against {1} {2}")
    @CsvSource({
            "connect, mcp-initialize-401-echoes-key, ''", "connect, mcp-initialize-401-echoes-key, --verbose",
            "connect, mcp-initialize-rpc-error-echoes-key, --verbose", "connect, mcp-start-session-rpc-error-echoes-key, ''",
            "set --connect, mcp-initialize-401-echoes-key, --verbose", "import-env --connect, mcp-start-session-rpc-error-echoes-key, --verbose",
    })
    void anMcpErrorThatEchoesTheKeyNeverShowsIt(String command, String fixture, String flag) throws IOException {
        String stored = Harness.unique("clone_live_echoed_");
        if (fixture.startsWith("mcp-initialize")) dash.initialize(fixture);
        else dash.startSession(fixture);
        Tool tool = tool();
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/auth.local.json"), "{\"clone_api_token\": \"" + stored + "\"}\n");
        if (command.startsWith("import-env")) tool.with("CLONE_API_TOKEN", stored);
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        if (command.startsWith("set")) args.add(1, "-");
        if (!flag.isEmpty()) args.add(0, flag);

        Result r = tool.runWithInput(stored + "\n", args.toArray(String[]::new));

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone MCP") || r.err().contains("start_session"), r.toString());
        assertTrue(r.err().contains(Contract.mask(stored)), "the key shows masked where it was echoed: " + r);
        r.assertNoSecrets(stored);
        if (flag.equals("--verbose")) assertTrue(r.err().contains("\tat "), "a stack trace, redacted too: " + r);
    }

    @Test
    void escapeSequencesInAKeyNeverReachTheTerminal() throws IOException {
        Result fromEnv = tool().with("CLONE_API_TOKEN", ESC + "[2J" + ESC + "]0;pwned" + (char) 7 + "clone_env_key_escape_1").run("status");
        assertEquals(0, fromEnv.exit(), fromEnv.toString());
        assertFalse(fromEnv.all().contains(ESC) || fromEnv.all().contains("\u0007"), fromEnv.toString());
        assertEquals("Source: environment", fromEnv.outLines().get(0));

        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/auth.local.json"), "{\"clone_api_token\": \"clone_\\u001b]0;x\\u0007\\u001b[2Jkey_escape_2\"}\n");
        Result stored = tool().run("status");
        assertEquals(0, stored.exit(), stored.toString());
        assertEquals("Source: plugin config", stored.outLines().get(0), stored.toString());
        assertFalse(stored.all().contains(ESC) || stored.all().contains("\u0007"), stored.toString());
    }

    // ---- strict answers ----

    @ParameterizedTest(name = "{0}")
    @CsvSource({"exchange-key-not-a-string", "exchange-key-number", "exchange-lenient-json"})
    void anExchangeAnswerWithoutAJsonStringKeyStoresNothing(String fixture) throws Exception {
        dash.exchange(fixture);
        Running run = tool().start("login", "--no-open").closeInput();
        started.add(run);
        Browser.browse(run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1));
        Result r = run.waitFor(Running.RUN_LIMIT);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone Loop login exchange did not return an API key."), r.toString());
        assertFalse(Files.exists(tmp.resolve("data/auth.local.json")), "nothing stored");
        r.assertNoSecrets("clone_lenient_fixture_key_7Hq2", CODE);
    }

    /**
     * A key as long as the 1 MiB an answer may hold: refused as no Clone API key, at once (redacting it
     * once took time quadratic in its length: hours for this one), the page telling the same, nothing stored.
     */
    @Test
    void aKeyLongerThan4KiBFromTheExchangeIsRefusedAndNothingStored() throws Exception {
        String key = "clone_" + Harness.unique("huge_") + "k".repeat(1_000_000);
        dash.exchange("exchange-issued-key").issuedKey(key);
        Running run = tool().start("login", "--no-open").closeInput();
        started.add(run);
        HttpResponse<String> page = Browser.browse(run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1));
        Result r = run.waitFor(Running.RUN_LIMIT);

        assertEquals(1, r.exit(), r.toString());
        String refusal = "The key the dashboard returned is longer than 4 KiB, so it is not a Clone API key; it was not stored.";
        assertTrue(r.err().contains(refusal), r.toString());
        assertTrue(page.statusCode() >= 400 && page.body().contains(refusal), page.body());
        assertFalse(Files.exists(tmp.resolve("data/auth.local.json")), "nothing stored");
        assertFalse(page.body().contains(key.substring(0, 40)), "the key is not in the page");
        r.assertNoSecrets(key.substring(0, 40), CODE).assertNoStackTrace();
    }

    /**
     * Any local process may send the receiver odd requests (HEAD, other methods and paths): each gets its
     * answer, the login goes on, and nothing of the JDK's own logging reaches the terminal. A process: the
     * JDK logs to the process's standard error.
     */
    @Test
    void oddRequestsLeaveNoJdkLogLineOnTheTerminal() throws Exception {
        Running run = tool().process().start("login", "--no-open").closeInput();
        started.add(run);
        String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);
        int port = Browser.callbackPort(url);
        String host = "127.0.0.1:" + port;
        assertEquals(405, Browser.rawRequest(port, "HEAD", "/callback", host));
        assertEquals(404, Browser.rawRequest(port, "HEAD", "/", host));
        assertEquals(405, Browser.rawRequest(port, "OPTIONS", "/callback", host));
        assertEquals(400, Browser.rawRequest(port, "HEAD", "/callback", "elsewhere.test"));

        Browser.browse(url);
        Result r = run.waitFor(Running.RUN_LIMIT);

        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.err().contains("WARNING") || r.err().contains("sendResponseHeaders") || r.err().contains("com.sun.net.httpserver")
                || Pattern.compile("(?m)^[A-Z][a-z]{2} \\d{1,2}, \\d{4}").matcher(r.err()).find(), "a JDK log line:\n" + r);
        r.assertNoSecrets(KEY, CODE);
    }

    // ---- idle and slow clients ----

    /**
     * More idle and slow connections than the receiver has workers: each holds one until the server's read
     * deadline drops it, so the browser's callback still gets its page, and the login completes. Without
     * the deadline the callback would wait behind them for good. In this JVM, as the tool's own settings are.
     */
    @Test
    void idleAndSlowConnectionsNeverHoldTheReceiver() throws Exception {
        Running run = tool().start("login", "--no-open").closeInput();
        started.add(run);
        String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);
        int port = Browser.callbackPort(url);
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < login.Receiver.WORKERS; i++) idle.add(open(port, "G"));  // one byte, then nothing
            for (int i = 0; i < 16; i++) idle.add(open(port, "GET /callback?state=x HTTP/1.1\r\nHost: 127.0.0.1:" + port)); // headers never end

            HttpResponse<String> page = Browser.browse(url, Duration.ofSeconds(15));
            Result r = run.waitFor(Running.RUN_LIMIT);
            assertEquals(200, page.statusCode(), page.body());
            assertEquals(0, r.exit(), r.toString());
            assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
            r.assertNoSecrets(KEY, CODE);
        } finally {
            for (Socket s : idle) s.close();
        }
    }

    private static Socket open(int port, String start) throws IOException {
        Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port);
        OutputStream out = s.getOutputStream();
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }
}
