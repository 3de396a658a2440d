
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the output looks, as a CLI user expects it: colour on a terminal only, the wait said once, --verbose, shell completion. */
class OutputStyleTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final String ESC = "\u001b[";

    /** Runs the command tree in this JVM, on a terminal or not; returns exit code, stdout and stderr. */
    private static String[] inProcess(Path tmp, boolean terminal, Map<String, String> vars, String stdin, String... args) {
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString());
        vars.forEach(tool::with);
        if (terminal) tool.onTerminal();
        Result r = tool.runWithInput(stdin, args);
        return new String[] {Integer.toString(r.exit()), r.out(), r.err()};
    }

    @Test
    void warningsAreColouredOnATerminalOnly(@TempDir Path tmp) {
        Map<String, String> shadowed = Map.of("CLONE_API_TOKEN", "clone_env_colour_key_123");
        String[] tty = inProcess(tmp, true, shadowed, "clone_new_colour_key_456\n", "set", "-");
        assertEquals("3", tty[0]);
        assertTrue(tty[2].contains(ESC + "33mWarning: CLONE_API_TOKEN"), tty[2]);
        assertFalse(tty[1].contains(ESC), "the fixed stdout lines are never coloured");

        String[] pipe = inProcess(tmp.resolve("p"), false, shadowed, "clone_new_colour_key_456\n", "set", "-");
        assertFalse(pipe[2].contains(ESC), pipe[2]);
        assertTrue(pipe[2].startsWith("Warning: CLONE_API_TOKEN"), pipe[2]);
    }

    @Test
    void noColorTurnsColourOff(@TempDir Path tmp) {
        String[] r = inProcess(tmp, true, Map.of("CLONE_API_TOKEN", "clone_env_colour_key_123", "NO_COLOR", "1"),
                "clone_new_colour_key_456\n", "set", "-");
        assertEquals("3", r[0]);
        assertFalse(r[2].contains(ESC), r[2]);
        assertTrue(r[2].contains("Warning: CLONE_API_TOKEN"), r[2]);
        String[] failure = inProcess(tmp, true, Map.of("NO_COLOR", "1"), "", "connect");
        assertEquals("1", failure[0]);
        assertFalse(failure[2].contains(ESC), failure[2]);
    }

    @Test
    void saysTheWaitOnceAsALengthAndAClockTimeAndNeverRedraws(@TempDir Path tmp) {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            saysTheWaitOnce(tmp, dash);
        }
    }

    private void saysTheWaitOnce(Path tmp, FakeDashboard dash) {
        for (boolean terminal : new boolean[] {true, false}) {
            String[] r = inProcess(tmp.resolve(Boolean.toString(terminal)), terminal, Map.of("CLONE_DASHBOARD_URL", dash.url()), "",
                    "login", "--no-open", "--timeout", "2s");
            assertEquals("1", r[0]);
            assertEquals(1, Pattern.compile("Waiting up to 2s, until \\d\\d:\\d\\d:\\d\\d UTC \\(press Ctrl-C to cancel\\)\\.").matcher(r[2])
                    .results().count(), r[2]);
            assertFalse(r[2].contains("\r"), "no carriage return: nothing is ever redrawn over a typed line");
            assertFalse(r[2].replace(ESC + "2m", "").replace(ESC + "0m", "").replace(ESC + "31m", "").contains("\u001b"),
                    "no cursor movement, only colour: " + r[2]);
            assertTrue(r[2].contains("Timed out after 2s"), r[2]);
        }
        String readme = String.join("\n", Checkout.readmeSection("### login"));
        assertTrue(Pattern.compile("`Waiting up to 5m, until \\d\\d:\\d\\d:\\d\\d UTC \\(press Ctrl-C to cancel\\)\\.`").matcher(readme).find(),
                "the README quotes the line the tool prints");
        assertFalse(readme.contains("bottom row") || readme.contains("time left"), "no countdown is described: there is none");
    }

    @Test
    void verboseShowsEachStepWithoutSecrets(@TempDir Path tmp) throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Running run = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()).against(dash)
                    .start("--verbose", "login", "--no-open").closeInput();
            Matcher authorize = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT);
            Browser.browse(authorize.group(1));
            Result r = run.waitFor(Running.RUN_LIMIT);
            assertEquals(0, r.exit(), r.toString());
            for (String step : new String[] {"[verbose] Callback server: GET /callback",
                    "[verbose] POST " + dash.url() + "/api/auth/clone-loop/connect/exchange/ -> HTTP 200",
                    "[verbose] Wrote " + tmp.resolve("data/auth.local.json"), "[verbose] POST " + dash.mcpUrl() + " -> HTTP 200"}) {
                assertTrue(r.err().contains(step), "missing " + step + "\n" + r);
            }
            r.assertNoSecrets(KEY, FakeDashboard.DEFAULT_CODE);
            assertFalse(r.err().contains(authorize.group(1).replaceAll(".*state=([^&]+).*", "$1")), "the state is not logged either");

            JsonObject init = JsonParser.parseString(dash.calls(FakeDashboard.MCP_PATH).get(0).body()).getAsJsonObject();
            assertEquals(login.VERSION, init.getAsJsonObject("params").getAsJsonObject("clientInfo").get("version").getAsString(),
                    "--version and the MCP clientInfo come from one constant");
        }
    }

    @Test
    void verbosePrintsAStackTraceOnFailureAndOnlyThen(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLONE_API_TOKEN", "clone_env_key_for_verbose_1").with("CLONE_MCP_URL", "http://127.0.0.1:9/mcp");
        Result quiet = tool.run("connect");
        assertEquals(1, quiet.exit());
        quiet.assertNoStackTrace();
        Result verbose = tool.run("--verbose", "connect");
        assertEquals(1, verbose.exit());
        assertTrue(verbose.err().contains("Clone MCP initialize failed: connection refused by 127.0.0.1:9."), verbose.toString());
        assertTrue(verbose.err().contains("\tat "), "a stack trace under --verbose:\n" + verbose);
        verbose.assertNoSecrets("clone_env_key_for_verbose_1");
    }

    /** A timeout is an outcome, not a fault: --verbose tells each step, but no stack trace for it. */
    @Test
    void aTimeoutUnderVerboseIsNoFault(@TempDir Path tmp) {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Result r = new Tool(tmp).against(dash).run("--verbose", "login", "--no-open", "--timeout", "1s");
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("Timed out after 1s") && r.err().contains("[verbose]"), r.toString());
            r.assertNoStackTrace();
        }
    }

    @Test
    void generatesShellCompletion(@TempDir Path tmp) {
        Result r = new Tool(tmp).run("generate-completion");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("complete -F _complete_clone-login") || r.out().contains("_complete_clone-login"), r.out());
        for (String command : new String[] {"status", "login", "import-env", "set", "connect", "clear"}) {
            assertTrue(r.out().contains(command), command);
        }
        assertTrue(r.out().contains("--no-open") && r.out().contains("--timeout"), "options complete too");
    }
}
