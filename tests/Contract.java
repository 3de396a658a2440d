
package clone.login;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the contract (/work/shared/contract.md, the README) fixes, written out here independently of
 * the tool, and the values the fixtures hand out: the one place tests take them from.
 */
final class Contract {
    // ---- the fixtures' values ----

    /** The key fixtures/exchange-ok.http hands out. */
    static final String LOGIN_KEY = "clone_live_fixture_8fJ3kQ2mN7pR4tV9";
    /** The authorization code the fake dashboard hands the callback. */
    static final String CODE = FakeDashboard.DEFAULT_CODE;
    /** The key in fixtures/config-valid.json. */
    static final String STORED_KEY = "clone_stored_fixture_key_5k8Lq2Wz";
    /** The key in fixtures/config-legacy.json. */
    static final String LEGACY_KEY = "clone_legacy_fixture_key_Tq93mXa1";
    /** The session fixtures/mcp-start-session.http starts. */
    static final String SESSION = "sess_fixture 42/a";

    // ---- output (section 4) ----

    static final Pattern AUTHORIZE = Pattern.compile("(?m)^Authorize: (\\S+)$");
    static final String STATE_MISMATCH = "Clone Loop login callback state mismatch.";
    static final String DEMO_LINE = "Using the shared public demo fallback. Configure your own key for private Clone memory.";
    static final String FALLBACK_NOTE = " (fallback path \u2014 PLUGIN_DATA/CLAUDE_PLUGIN_DATA not injected)";
    /** The fields of a --json object on success. */
    static final Set<String> JSON_ON_SUCCESS = Set.of("source", "token", "config_path", "demo", "shadowed", "stored", "connected");

    private Contract() {}

    /** The masking rule: trim; empty stays empty; up to 10 characters first 2 + ... + last 2; longer first 8 + ... + last 4. */
    static String mask(String token) {
        String v = token.trim();
        if (v.isEmpty()) return "";
        return v.length() <= 10 ? v.substring(0, 2) + "..." + v.substring(v.length() - 2)
                : v.substring(0, 8) + "..." + v.substring(v.length() - 4);
    }

    /** The status lines with the demo key and no injected folder (the tool's default folder given). */
    static List<String> demoStatus(Path defaultFolder) {
        return List.of("Source: demo fallback", "Token: clone_yc...2026",
                "Plugin config: " + defaultFolder.resolve("auth.local.json") + FALLBACK_NOTE, DEMO_LINE);
    }

    /** Where the connect block's Dashboard line points, for the fixtures' session. */
    static String dashboardLink(String dashboard) {
        return dashboard + "/console?session=sess_fixture%2042%2Fa#sources";
    }

    /** The connect block, for the fixtures' session. */
    static List<String> connectBlock(String source, String key, String dashboard) {
        return List.of("Connecting Clone Loop to Clone Dashboard via MCP...", "Source: " + source, "Token: " + mask(key),
                "Connected Clone Loop to Clone Dashboard.", "Clone session: " + SESSION, "Dashboard: " + dashboardLink(dashboard));
    }

    // ---- the config file (section 3) ----

    /** A config file as the contract shows it (and the Node original writes it), holding the key. */
    static Path writeConfig(Path folder, String key) {
        try {
            Files.createDirectories(folder);
            return Files.writeString(folder.resolve("auth.local.json"), "{\n  \"clone_api_token\": \"" + key
                    + "\",\n  \"updated_at\": \"2026-05-29T08:57:40Z\"\n}\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The tool stored the key: the file is two-space indented JSON with the key first and a trailing
     * newline, updated_at in whole UTC seconds, owner-only.
     */
    static void assertStored(Path config, String key) {
        assertTrue(Files.isRegularFile(config), "no " + config);
        String text = Checkout.read(config);
        assertTrue(text.startsWith("{\n  \"clone_api_token\": ") && text.endsWith("}\n"), text);
        JsonObject json = JsonParser.parseString(text).getAsJsonObject();
        assertEquals(key, json.get("clone_api_token").getAsString(), text);
        assertTrue(json.get("updated_at").getAsString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), text);
        if (!Harness.WINDOWS) {
            try {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@link #assertStored}, and nothing is left beside the file (no lock, no temporary). */
    static void assertStoredAlone(Path config, String key) {
        assertStored(config, key);
        assertEquals(List.of("auth.local.json"), Checkout.names(config.getParent()), "left behind");
    }

    // ---- --json (section 4) ----

    /** The fields the README's --json table documents, read from the README itself. */
    static Set<String> documentedJsonFields() {
        Set<String> fields = new LinkedHashSet<>();
        Pattern row = Pattern.compile("^\\| `([a-z_]+)` \\|");
        for (String line : Checkout.readmeSection("### --json")) {
            Matcher m = row.matcher(line);
            if (m.find()) fields.add(m.group(1));
        }
        assertTrue(fields.containsAll(JSON_ON_SUCCESS) && fields.containsAll(Set.of("error", "exit_code")), "the README's table: " + fields);
        return fields;
    }

    /** The one object on stdout, its fields all documented; a success has the base fields, a failure error and exit_code. */
    static JsonObject oneJsonObject(Result r) {
        assertEquals(1, r.outLines().size(), "one line on stdout: " + r);
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(documentedJsonFields().containsAll(o.keySet()), "undocumented fields in " + o);
        if (r.exit() == 0 || r.exit() == 3) {
            assertTrue(o.keySet().containsAll(JSON_ON_SUCCESS), o.toString());
            assertFalse(o.has("error"), o.toString());
        } else {
            assertEquals(r.exit(), o.get("exit_code").getAsInt(), o.toString());
            assertTrue(r.err().contains(o.get("error").getAsString()), "the same message for people: " + r);
        }
        return o;
    }

    // ---- the wire (section 5) ----

    /** Exactly two MCP calls, initialize then tools/call start_session, with the contract's headers and params. */
    static void assertConnectCalls(FakeDashboard dash, String key, String agentId) {
        List<FakeDashboard.Call> calls = dash.calls(FakeDashboard.MCP_PATH);
        assertEquals(2, calls.size(), "MCP calls");
        for (FakeDashboard.Call call : calls) {
            assertEquals("POST", call.method());
            assertEquals("application/json", mediaType(call.header("Content-Type")));
            assertEquals("application/json, text/event-stream", call.header("Accept"));
            assertEquals(List.of(key), call.headers().get("x-clone-api-key"));
        }
        FakeDashboard.Call init = calls.get(0);
        FakeDashboard.Call start = calls.get(1);
        assertNull(init.header("mcp-session-id"));
        assertEquals("mcp-session-fixture-1", start.header("mcp-session-id"));

        JsonObject i = JsonParser.parseString(init.body()).getAsJsonObject();
        assertEquals("2.0", i.get("jsonrpc").getAsString());
        assertEquals("initialize", i.get("method").getAsString());
        JsonObject params = i.getAsJsonObject("params");
        assertEquals("2024-11-05", params.get("protocolVersion").getAsString());
        assertEquals(new JsonObject(), params.get("capabilities"));
        assertEquals("clone-loop", params.getAsJsonObject("clientInfo").get("name").getAsString());
        assertTrue(params.getAsJsonObject("clientInfo").has("version"), init.body());

        JsonObject s = JsonParser.parseString(start.body()).getAsJsonObject();
        assertEquals("2.0", s.get("jsonrpc").getAsString());
        assertEquals("tools/call", s.get("method").getAsString());
        JsonObject call = s.getAsJsonObject("params");
        assertEquals("start_session", call.get("name").getAsString());
        JsonElement arguments = call.get("arguments");
        JsonObject expected = new JsonObject();
        expected.addProperty("source", "agent");
        expected.addProperty("source_detail", "clone-loop:" + agentId);
        assertEquals(expected, arguments);
    }

    /** The exchange was called once, as the contract says: POST, JSON, {"code", "state"} and nothing else. */
    static void assertExchangedOnce(FakeDashboard dash, String code, String state) {
        List<FakeDashboard.Call> exchanges = dash.calls(FakeDashboard.EXCHANGE_PATH);
        assertEquals(1, exchanges.size(), "exchange calls");
        FakeDashboard.Call call = exchanges.get(0);
        assertEquals("POST", call.method());
        assertEquals("application/json", mediaType(call.header("Content-Type")));
        JsonObject body = JsonParser.parseString(call.body()).getAsJsonObject();
        assertEquals(Set.of("code", "state"), body.keySet(), call.body());
        assertEquals(code, body.get("code").getAsString());
        assertEquals(state, body.get("state").getAsString());
    }

    static String mediaType(String contentType) {
        return contentType == null ? null : contentType.split(";")[0].trim();
    }
}
