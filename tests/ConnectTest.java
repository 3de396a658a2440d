
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Black-box tests of {@code connect} and of {@code set}/{@code import-env --connect}: the script's
 * command tree against the fake MCP server.
 */
class ConnectTest {
    static final String KEY = "clone_live_connect_Wd73hLq0Zx4e";
    static final String ENV_KEY = "clone_live_environment_Pm58sKc2Ry7u";

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopDashboard() { dash.close(); }

    @Test void demoKeyAloneIsRefused() {
        Result r = tool().run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Private Clone API key is required"), r.toString());
        assertTrue(r.err().contains("login"), r.toString());
        assertEquals("", r.out());
        assertEquals(List.of(), dash.calls());
        r.assertNoStackTrace();
    }

    @Test void storedKeyConnects() throws IOException {
        Tool tool = tool();
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()), r.outLines());
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    /**
     * Answers as server-sent events whose stream stays open after the result (after notifications and an
     * answer to another request): connect stops reading at the answer to its own request. Given a short
     * deadline for a whole answer, it would fail at that deadline if it read on to the end of the stream.
     */
    @Test void eventStreamsHeldOpenAfterTheAnswerStillConnect() throws IOException {
        dash.initialize("mcp-initialize-sse-held-open").startSession("mcp-start-session-sse-held-open");
        Tool tool = tool().configure(e -> e.withLimits(login.Env.Limits.CONTRACT.withResponse(java.time.Duration.ofSeconds(5))));
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()), r.outLines(), "the session of its own request, not another's");
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    /** A CLONE_API_TOKEN that is no key is never sent, and the refusal says so (it is not about storing). */
    @Test void anEnvironmentKeyThatIsNoKeyIsNotSent() {
        Result r = tool().with("CLONE_API_TOKEN", "clone with a space").run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("The environment key must be printable ASCII without spaces or line breaks; it was not sent."), r.toString());
        assertFalse(r.err().contains("stored"), r.toString());
        assertEquals(List.of(), dash.calls());
    }

    @Test void environmentKeyWinsOverTheStoredOne() throws IOException {
        Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.connectBlock("environment", ENV_KEY, dash.url()), r.outLines());
        Contract.assertConnectCalls(dash, ENV_KEY, "claude-code");
        r.assertNoSecrets(KEY, ENV_KEY).assertNoStackTrace();
    }

    @Test void setFromStdinThenConnect() throws IOException {
        Tool tool = tool();

        Result r = tool.runWithInput(KEY + "\n", "set", "-", "--connect");

        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Stored Clone API key in plugin config.", "Token: " + Contract.mask(KEY),
                "Plugin config: " + tool.defaultFolder().resolve("auth.local.json")));
        expected.addAll(Contract.connectBlock("plugin config", KEY, dash.url()));
        assertEquals(expected, r.outLines());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test void importEnvThenConnect() throws IOException {
        Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);

        Result r = tool.run("import-env", "--connect");

        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Stored Clone API key from CLONE_API_TOKEN.", "Token: " + Contract.mask(ENV_KEY),
                "Plugin config: " + tool.defaultFolder().resolve("auth.local.json")));
        expected.addAll(Contract.connectBlock("environment", ENV_KEY, dash.url()));
        assertEquals(expected, r.outLines());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), ENV_KEY);
        Contract.assertConnectCalls(dash, ENV_KEY, "claude-code");
        r.assertNoSecrets(ENV_KEY).assertNoStackTrace();
    }

    @Test void setShadowedByEnvironmentConnectsTheStoredKeyAndExits3() throws IOException {
        Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);

        Result r = tool.run("set", KEY, "--connect");

        assertEquals(3, r.exit(), r.toString());
        List<String> out = r.outLines();
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()), out.subList(out.size() - 6, out.size()), r.toString());
        Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), KEY);
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("CLONE_API_TOKEN") && l.contains("precedence")
                && l.contains(Contract.mask(ENV_KEY)) && l.contains(Contract.mask(KEY))), r.toString());
        r.assertNoSecrets(KEY, ENV_KEY).assertNoStackTrace();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', value = {
            "mcp-initialize-http-500 | mcp-start-session            | 1 | Clone MCP initialize failed with HTTP 500: upstream exploded",
            "mcp-initialize          | mcp-start-session-tool-error | 2 | start_session returned an error: API key is not allowed to start sessions"})
    void mcpFailureExits1(String initialize, String startSession, int calls, String message) throws IOException {
        dash.initialize(initialize).startSession(startSession);
        Tool tool = tool();
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()).subList(0, 3), r.outLines());
        assertEquals(calls, dash.calls(FakeDashboard.MCP_PATH).size());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test void plainHttpMcpUrlIsRefusedBeforeAnyCall() throws IOException {
        // a call to mcp.example.com would reach the fake through the proxy: an empty call log means none was made
        Tool tool = tool().with("CLONE_MCP_URL", "http://mcp.example.com/mcp")
                .with("HTTP_PROXY", dash.url()).with("http_proxy", dash.url());
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("https"), r.toString());
        assertTrue(r.err().contains("CLONE_MCP_URL"), r.toString());
        assertFalse(r.out().contains("Connected"), r.toString());
        assertEquals(List.of(), dash.calls());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    Tool tool() { return new Tool(tmp).against(dash); }
}
