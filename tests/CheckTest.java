
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin's companion (contract sections 1 and 5): status --check asks the MCP endpoint whether the
 * key works (initialize only), and initialize names the plugin's version when run as part of it.
 */
class CheckTest {
    static final String KEY = "clone_live_check_key_Mv82Tz4q";

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopDashboard() { dash.close(); }

    Tool tool() throws IOException { return tool(KEY); }

    /** The tool with a config file holding the key. */
    Tool tool(String key) throws IOException {
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(tmp.resolve("data/auth.local.json"), "{\"clone_api_token\": \"" + key + "\"}\n");
        return new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()).against(dash);
    }

    @Test
    void anAcceptedKeyExitsZeroAfterTheStatusLines() throws IOException {
        Result r = tool().run("status", "--check");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Source: plugin config", "Token: " + Contract.mask(KEY), "Plugin config: " + tmp.resolve("data/auth.local.json"),
                "Check: The key is accepted by the Clone MCP endpoint."), r.outLines());
        List<FakeDashboard.Call> calls = dash.calls(FakeDashboard.MCP_PATH);
        assertEquals(1, calls.size(), "initialize only: no session is started");
        assertTrue(calls.get(0).body().contains("\"initialize\""));
        assertEquals(KEY, calls.get(0).header("X-Clone-API-Key"));
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @ParameterizedTest(name = "[{index}] {0} {1}")
    @CsvSource({"'', ''", "--verbose, ''", "'', --json", "--verbose, --json"})
    void aRejectedKeyGivesTheServersReasonRedacted(String verbose, String json) throws IOException {
        // a key no other run has registered with the tool: only this run can hide it
        String key = Harness.unique("clone_live_check_key_");
        dash.initialize("mcp-initialize-401-echoes-key");
        List<String> args = new java.util.ArrayList<>(List.of("status", "--check"));
        if (!verbose.isEmpty()) args.add(0, verbose);
        if (!json.isEmpty()) args.add(json);

        Result r = tool(key).run(args.toArray(String[]::new));

        assertEquals(1, r.exit(), r.toString());
        String said = "Check: The key is rejected by the Clone MCP endpoint: HTTP 401: invalid key " + Contract.mask(key);
        assertTrue((json.isEmpty() ? r.out() : r.err()).contains(said), r.toString());
        if (!json.isEmpty()) {
            JsonObject o = Contract.oneJsonObject(r);
            assertEquals("rejected", o.get("check").getAsString());
            assertEquals("HTTP 401: invalid key " + Contract.mask(key), o.get("check_reason").getAsString());
            assertEquals(1, o.get("exit_code").getAsInt());
        }
        r.assertNoSecrets(key);
    }

    @Test
    void anUnreachableEndpointIsSaidWithItsCause() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        Result r = tool().with("CLONE_MCP_URL", "http://127.0.0.1:" + closed + "/mcp").run("status", "--check", "--json");

        assertEquals(1, r.exit(), r.toString());
        JsonObject o = Contract.oneJsonObject(r);
        assertEquals("unreachable", o.get("check").getAsString());
        assertTrue(o.get("check_reason").getAsString().contains("connection refused"), o.toString());
        assertEquals("plugin config", o.get("source").getAsString(), "the usual fields are there too");
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    /** A name that does not resolve is said as such, not as a refused connection (its cause sits a level deeper). */
    @Test
    void aNameThatDoesNotResolveIsSaidAsSuch() throws IOException {
        Result r = tool().with("CLONE_MCP_URL", "https://no-such-host.invalid/mcp").run("status", "--check");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("could not resolve host no-such-host.invalid"), r.toString());
        assertFalse(r.all().contains("connection refused"), r.toString());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test
    void theDemoKeyIsCheckedAndNamedAsTheDemo() {
        Result r = new Tool(tmp).with("CLONE_MCP_URL", dash.mcpUrl()).run("status", "--check", "--json");

        assertEquals(0, r.exit(), r.toString());
        JsonObject o = Contract.oneJsonObject(r);
        assertEquals("accepted", o.get("check").getAsString());
        assertNull(o.get("check_reason"));
        assertTrue(o.get("demo").getAsBoolean());
        assertTrue(r.err().contains("Check: The shared demo key is accepted by the Clone MCP endpoint. It is the public demo, not a private key."),
                r.toString());
        assertEquals(login.DEMO_TOKEN, dash.calls(FakeDashboard.MCP_PATH).get(0).header("X-Clone-API-Key"));
    }

    @Test
    void anUnsafeEndpointIsRefusedBeforeAnyCall() throws IOException {
        Result r = tool().with("CLONE_MCP_URL", "http://mcp.example.com/mcp").run("status", "--check");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("CLONE_MCP_URL must be an https URL"), r.toString());
        assertEquals(List.of(), dash.calls());
    }

    // ---- the plugin's version on the wire ----

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"PLUGIN_ROOT, .codex-plugin", "CLAUDE_PLUGIN_ROOT, .claude-plugin", "CLAUDE_PLUGIN_ROOT, .codex-plugin"})
    void initializeCarriesThePluginsVersion(String variable, String manifestFolder) throws IOException {
        Path plugin = Files.createDirectories(tmp.resolve("plugin").resolve(manifestFolder));
        Files.writeString(plugin.resolve("plugin.json"), "{\"name\": \"clone-loop\", \"version\": \"0.14.13\"}\n");

        Result r = tool().with(variable, tmp.resolve("plugin").toString()).run("--verbose", "connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("0.14.13", clientVersion());
        assertTrue(r.err().contains("MCP clientInfo version 0.14.13, the plugin's (" + plugin.resolve("plugin.json") + ")."), r.toString());
    }

    @Test
    void withoutAPluginItIsTheToolsOwnVersion() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("plugin-without-manifest"));
        Result r = tool().with("CLAUDE_PLUGIN_ROOT", empty.toString()).run("--verbose", "status", "--check");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(login.VERSION, clientVersion());
        assertTrue(r.err().contains("MCP clientInfo version " + login.VERSION + ", this tool's own"), r.toString());
        assertFalse(r.err().contains("the plugin's"), r.toString());
    }

    String clientVersion() {
        JsonObject init = JsonParser.parseString(dash.calls(FakeDashboard.MCP_PATH).get(0).body()).getAsJsonObject();
        return init.getAsJsonObject("params").getAsJsonObject("clientInfo").get("version").getAsString();
    }
}
