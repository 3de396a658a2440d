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
 * Black-box tests of {@code connect} and of {@code set}/{@code import-env --connect}: the real script
 * against the fake MCP server.
 */
class ConnectTest {
    static final String KEY = "clone_live_connect_Wd73hLq0Zx4e";
    static final String ENV_KEY = "clone_live_environment_Pm58sKc2Ry7u";

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Harness.repo().resolve("fixtures")); }

    @AfterEach void stopDashboard() { dash.close(); }

    @Test void demoKeyAloneIsRefused() {
        Harness.Result r = tool().run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Private Clone API key is required"), r.toString());
        assertTrue(r.err().contains("login"), r.toString());
        assertEquals("", r.out());
        assertEquals(List.of(), dash.calls());
        r.assertNoStackTrace();
    }

    @Test void storedKeyConnects() throws IOException {
        Harness.Tool tool = tool();
        storeConfig(tool.defaultFolder(), KEY);

        Harness.Result r = tool.run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(LoginFlowTest.connectBlock("plugin config", KEY, dash.url()), r.outLines());
        LoginFlowTest.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test void environmentKeyWinsOverTheStoredOne() throws IOException {
        Harness.Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);
        storeConfig(tool.defaultFolder(), KEY);

        Harness.Result r = tool.run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(LoginFlowTest.connectBlock("environment", ENV_KEY, dash.url()), r.outLines());
        LoginFlowTest.assertConnectCalls(dash, ENV_KEY, "claude-code");
        r.assertNoSecrets(KEY, ENV_KEY).assertNoStackTrace();
    }

    @Test void setFromStdinThenConnect() throws IOException {
        Harness.Tool tool = tool();

        Harness.Result r = tool.runWithInput(KEY + "\n", "set", "-", "--connect");

        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Stored Clone API key in plugin config.", "Token: " + LoginFlowTest.mask(KEY),
                "Plugin config: " + tool.defaultFolder().resolve("auth.local.json")));
        expected.addAll(LoginFlowTest.connectBlock("plugin config", KEY, dash.url()));
        assertEquals(expected, r.outLines());
        LoginFlowTest.assertStored(tool.defaultFolder().resolve("auth.local.json"), KEY);
        LoginFlowTest.assertConnectCalls(dash, KEY, "claude-code");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test void importEnvThenConnect() throws IOException {
        Harness.Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);

        Harness.Result r = tool.run("import-env", "--connect");

        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Stored Clone API key from CLONE_API_TOKEN.", "Token: " + LoginFlowTest.mask(ENV_KEY),
                "Plugin config: " + tool.defaultFolder().resolve("auth.local.json")));
        expected.addAll(LoginFlowTest.connectBlock("environment", ENV_KEY, dash.url()));
        assertEquals(expected, r.outLines());
        LoginFlowTest.assertStored(tool.defaultFolder().resolve("auth.local.json"), ENV_KEY);
        LoginFlowTest.assertConnectCalls(dash, ENV_KEY, "claude-code");
        r.assertNoSecrets(ENV_KEY).assertNoStackTrace();
    }

    @Test void setShadowedByEnvironmentConnectsTheStoredKeyAndExits3() throws IOException {
        Harness.Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);

        Harness.Result r = tool.run("set", KEY, "--connect");

        assertEquals(3, r.exit(), r.toString());
        List<String> out = r.outLines();
        assertEquals(LoginFlowTest.connectBlock("plugin config", KEY, dash.url()), out.subList(out.size() - 6, out.size()), r.toString());
        LoginFlowTest.assertStored(tool.defaultFolder().resolve("auth.local.json"), KEY);
        LoginFlowTest.assertConnectCalls(dash, KEY, "claude-code");
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("CLONE_API_TOKEN") && l.contains("precedence")
                && l.contains(LoginFlowTest.mask(ENV_KEY)) && l.contains(LoginFlowTest.mask(KEY))), r.toString());
        r.assertNoSecrets(KEY, ENV_KEY).assertNoStackTrace();
    }

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(delimiter = '|', value = {
            "mcp-initialize-http-500 | mcp-start-session            | 1 | Clone MCP initialize failed with HTTP 500: upstream exploded",
            "mcp-initialize          | mcp-start-session-tool-error | 2 | start_session returned an error: API key is not allowed to start sessions"})
    void mcpFailureExits1(String initialize, String startSession, int calls, String message) throws IOException {
        dash.initialize(initialize).startSession(startSession);
        Harness.Tool tool = tool();
        storeConfig(tool.defaultFolder(), KEY);

        Harness.Result r = tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(message), r.toString());
        assertEquals(LoginFlowTest.connectBlock("plugin config", KEY, dash.url()).subList(0, 3), r.outLines());
        assertEquals(calls, dash.calls(FakeDashboard.MCP_PATH).size());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test void plainHttpMcpUrlIsRefusedBeforeAnyCall() throws IOException {
        // a call to mcp.example.com would reach the fake through the proxy: an empty call log means none was made
        Harness.Tool tool = tool().with("CLONE_MCP_URL", "http://mcp.example.com/mcp")
                .with("HTTP_PROXY", dash.url()).with("http_proxy", dash.url());
        storeConfig(tool.defaultFolder(), KEY);

        Harness.Result r = tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("https"), r.toString());
        assertTrue(r.err().contains("CLONE_MCP_URL"), r.toString());
        assertFalse(r.out().contains("Connected"), r.toString());
        assertEquals(List.of(), dash.calls());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    Harness.Tool tool() {
        return new Harness.Tool(tmp).with("CLONE_DASHBOARD_URL", dash.url()).with("CLONE_MCP_URL", dash.mcpUrl());
    }

    /** A config file as the contract shows it (what the Node original writes too). */
    static void storeConfig(Path folder, String key) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("auth.local.json"), "{\n  \"clone_api_token\": \"" + key
                + "\",\n  \"updated_at\": \"2026-05-29T08:57:40Z\"\n}\n", StandardCharsets.UTF_8);
    }
}
