
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The login in two processes, for agents and remote sessions (contract section 7): --start prints the
 * address and exits, nothing listens; --finish completes with the address the browser ended on. Each
 * step is a run of its own with no terminal and standard input closed, sharing only the files (in this
 * JVM; WholeProcessTest runs both steps as processes).
 */
class TwoStepLoginTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final String CODE = Contract.CODE;

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopDashboard() { dash.close(); }

    Tool tool() { return new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data().toString()).against(dash); }

    Path data() { return tmp.resolve("data"); }

    Path pending() { return data().resolve(".login-pending.json"); }

    /** Runs --start and returns the Authorize address it printed. */
    String start(Tool tool, String... more) {
        List<String> args = new ArrayList<>(List.of("login", "--start"));
        args.addAll(List.of(more));
        Result r = tool.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        Matcher m = Contract.AUTHORIZE.matcher(r.out());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }

    @Test
    void startThenFinishStoresAndConnectsWithTheLoginsLines() throws Exception {
        Tool tool = tool();
        Result started = tool.run("login", "--start");
        assertEquals(0, started.exit(), started.toString());
        String url = Contract.AUTHORIZE.matcher(started.out()).results().findFirst().orElseThrow().group(1);
        assertTrue(started.out().contains("login --finish"), "says what to do next: " + started);
        Browser.assertRefused(Browser.callbackPort(url)); // nothing listens after --start
        assertTrue(Files.isRegularFile(pending()));
        if (!Harness.WINDOWS) assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pending())));
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));

        String address = Browser.approve(url);
        Result r = tool.run("login", "--finish", address);

        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(KEY),
                "Plugin config: " + data().resolve("auth.local.json")));
        expected.addAll(Contract.connectBlock("plugin config", KEY, dash.url()));
        assertEquals(expected, r.outLines());
        Contract.assertStoredAlone(data().resolve("auth.local.json"), KEY);
        assertFalse(Files.exists(pending()), "single-use: gone");
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size(), "the code is exchanged exactly once");
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        started.assertNoSecrets(KEY, CODE);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }

    @Test
    void finishReadsTheAddressFromStandardInput() throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool));
        Result r = tool.runWithInput(address + "\n", "login", "--finish", "-");
        assertEquals(0, r.exit(), r.toString());
        Contract.assertStoredAlone(data().resolve("auth.local.json"), KEY);
        r.assertNoSecrets(KEY, CODE);
    }

    @Test
    void anAddressWithAnotherStateIsRefusedAndThePendingLoginKept() throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool));
        String wrong = address.replaceAll("state=[^&]+", "state=" + FakeDashboard.WRONG_STATE);

        Result refused = tool.run("login", "--finish", wrong);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("Clone Loop login callback state mismatch.") && refused.err().contains("pending one is kept"),
                refused.toString());
        assertTrue(Files.exists(pending()), "kept for the right address");
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));

        Result incomplete = tool.run("login", "--finish", address.substring(0, address.indexOf('?')));
        assertEquals(1, incomplete.exit());
        assertTrue(incomplete.err().contains("The address is incomplete"), incomplete.toString());

        Result right = tool.run("login", "--finish", address);
        assertEquals(0, right.exit(), right.toString());
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
        refused.assertNoSecrets(CODE);
    }

    /** A folder that cannot take the key yet fails --finish before the code is sent, and keeps the pending login for a second try. */
    @Test
    void aFolderThatCannotTakeTheKeyYetKeepsThePendingLogin() throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool));
        Path inTheWay = Files.createDirectories(data().resolve("auth.local.json"));

        Result refused = tool.run("login", "--finish", address);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(refused.err().contains("is not a regular file"), refused.toString());
        assertTrue(Files.exists(pending()), "kept: the folder can be put right");
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));

        Files.delete(inTheWay);
        Result r = tool.run("login", "--finish", address);
        assertEquals(0, r.exit(), r.toString());
        Contract.assertStoredAlone(data().resolve("auth.local.json"), KEY);
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
        refused.assertNoSecrets(CODE);
        r.assertNoSecrets(KEY, CODE);
    }

    @Test
    void aNewerStartReplacesTheOlderOne() throws Exception {
        Tool tool = tool();
        String older = Browser.approve(start(tool));
        String newer = Browser.approve(start(tool));

        Result stale = tool.run("login", "--finish", older);
        assertEquals(1, stale.exit(), stale.toString());
        assertTrue(stale.err().contains("another login"), stale.toString());

        assertEquals(0, tool.run("login", "--finish", newer).exit());
    }

    @Test
    void aFinishedLoginCannotBeUsedTwice() throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool));
        assertEquals(0, tool.run("login", "--finish", address).exit());

        Result twice = tool.run("login", "--finish", address);
        assertEquals(1, twice.exit(), twice.toString());
        assertTrue(twice.err().contains("No login is pending") && twice.err().contains("login --start"), twice.toString());
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size(), "the code was sent once");
        twice.assertNoSecrets(CODE);
    }

    /** The expiry is judged by the run's clock: the --finish here runs a minute after a --start that gave it 30 s. */
    @Test
    void anExpiredLoginSaysToStartAgain() throws Exception {
        Result started = tool().run("login", "--start", "--timeout", "30s", "--json");
        com.google.gson.JsonObject json = com.google.gson.JsonParser.parseString(started.out()).getAsJsonObject();
        Instant expires = Instant.parse(json.get("expires_at").getAsString());
        String address = Browser.approve(json.get("authorize_url").getAsString());
        Tool aMinuteLater = tool().configure(e -> e.withClock(Clock.fixed(expires.plusSeconds(30), ZoneOffset.UTC)));

        Result r = aMinuteLater.run("login", "--finish", address);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("expired") && r.err().contains("login --start"), r.toString());
        assertFalse(Files.exists(pending()));
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
    }

    /** A pending login this tool did not write (a hand edit, a copy from elsewhere) says to start again, whatever is wrong in it. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"expires_at\": \"tomorrow\"", "\"redirect_uri\": \"not a uri\"", "\"redirect_uri\": \"http://evil.example:80/callback\"",
            "\"state\": \"\""})
    void aPendingLoginThisToolDidNotWriteSaysToStartAgain(String field) throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool));
        com.google.gson.JsonObject pending = com.google.gson.JsonParser.parseString(Files.readString(pending())).getAsJsonObject();
        com.google.gson.JsonObject changed = com.google.gson.JsonParser.parseString("{" + field + "}").getAsJsonObject();
        changed.keySet().forEach(k -> pending.add(k, changed.get(k)));
        Files.writeString(pending(), pending.toString());

        Result r = tool.run("login", "--finish", address);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("is not a pending login this tool wrote") && r.err().contains("login --start"), r.toString());
        assertFalse(r.all().contains("Unexpected") || r.all().contains("Exception"), r.toString());
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
        r.assertNoSecrets(CODE);
    }

    @Test
    void startWithNoConnectIsRememberedByFinish() throws Exception {
        Tool tool = tool();
        String address = Browser.approve(start(tool, "--no-connect"));

        Result r = tool.run("login", "--finish", address);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(KEY),
                "Plugin config: " + data().resolve("auth.local.json")), r.outLines());
        assertEquals(List.of(), dash.calls(FakeDashboard.MCP_PATH), "--no-connect at --start: no connect at --finish");
        r.assertNoSecrets(KEY, CODE);
    }

    @Test
    void theDashboardsErrorEndsThePendingLogin() throws Exception {
        dash.approval("deny");
        Tool tool = tool();
        String address = Browser.approve(start(tool));

        Result r = tool.run("login", "--finish", address);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("access_denied") && r.err().contains("The user denied access"), r.toString());
        assertFalse(Files.exists(pending()), "this login is over");
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));
    }

    @Test
    void bothStepsRefuseEachOthersOptions() {
        Result both = tool().run("login", "--start", "--finish", "x");
        assertEquals(2, both.exit(), both.toString());
        Result finishWithPort = tool().run("login", "--finish", "x", "--port", "8000");
        assertEquals(2, finishWithPort.exit(), finishWithPort.toString());
        Result openWithoutStart = tool().run("login", "--open");
        assertEquals(2, openWithoutStart.exit(), openWithoutStart.toString());
    }

    @Test @org.junit.jupiter.api.condition.DisabledOnOs(org.junit.jupiter.api.condition.OS.WINDOWS) // the browser here is touch
    void startOpensNoBrowserUnlessAsked() throws Exception {
        Path opened = tmp.resolve("opened");
        Tool tool = tool().with("BROWSER", "touch " + opened);
        start(tool);
        assertFalse(Files.exists(opened), "no browser without --open");
        Result asked = tool.run("login", "--start", "--open");
        assertEquals(0, asked.exit(), asked.toString());
        assertTrue(Harness.eventually(() -> Files.exists(opened), Duration.ofSeconds(10)), "the browser was started: " + asked);
        assertTrue(Pattern.compile("Authorize: ").matcher(asked.out()).find());
    }
}
