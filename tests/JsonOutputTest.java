
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * --json on every command (contract section 4): exactly one JSON object on standard output, on success
 * and on failure, whose fields are the README's list and nothing else; people's lines go to standard error.
 */
class JsonOutputTest {
    static final String KEY = "clone_json_output_key_Hq73Lz";

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Checkout.fixtures()); }

    @AfterEach void stopDashboard() { dash.close(); }

    Tool tool() { return new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()).against(dash); }

    static JsonObject oneObject(Result r) { return Contract.oneJsonObject(r); }

    /** The bare call scripts make, the one agents make at every start: no command is status, --json too. */
    @Test
    void theBareCallTakesJsonAsStatusDoes() {
        Result bare = tool().run("--json");
        Result status = tool().run("status", "--json");
        assertEquals(0, bare.exit(), bare.toString());
        assertEquals(oneObject(status), oneObject(bare));
        assertEquals("demo fallback", oneObject(bare).get("source").getAsString());
    }

    /** Every failure but a usage error says what the command stored and connected: here, neither. */
    @Test
    void aFailedConnectSaysItStoredAndConnectedNothing() {
        Result r = tool().run("connect", "--json");

        assertEquals(1, r.exit(), r.toString());
        JsonObject o = oneObject(r);
        assertFalse(o.get("stored").getAsBoolean(), o.toString());
        assertFalse(o.get("connected").getAsBoolean(), o.toString());
        assertTrue(o.get("error").getAsString().contains("Private Clone API key is required"), o.toString());
    }

    @Test
    void statusSetImportEnvClearAndConnectEachPrintOneObject() {
        Tool tool = tool();
        JsonObject status = oneObject(tool.run("status", "--json"));
        assertTrue(status.get("demo").getAsBoolean());

        Result set = tool.runWithInput(KEY + "\n", "set", "-", "--json");
        JsonObject stored = oneObject(set);
        assertTrue(stored.get("stored").getAsBoolean());
        assertEquals("plugin config", stored.get("source").getAsString());
        assertTrue(set.err().contains("Stored Clone API key in plugin config."), "people's lines on stderr: " + set);

        JsonObject imported = oneObject(tool.with("CLONE_API_TOKEN", KEY).run("import-env", "--json"));
        assertTrue(imported.get("stored").getAsBoolean());
        assertFalse(imported.get("shadowed").getAsBoolean(), "its own value shadows nothing");
        tool.env.remove("CLONE_API_TOKEN");

        JsonObject connected = oneObject(tool.run("connect", "--json"));
        assertTrue(connected.get("connected").getAsBoolean());
        assertEquals("sess_fixture 42/a", connected.get("session_id").getAsString());
        assertEquals(dash.url() + "/console?session=sess_fixture%2042%2Fa#sources", connected.get("dashboard_url").getAsString());

        JsonObject cleared = oneObject(tool.run("clear", "--json"));
        assertEquals(List.of(tmp.resolve("data/auth.local.json").toString()),
                cleared.getAsJsonArray("deleted").asList().stream().map(e -> e.getAsString()).toList());
        assertTrue(cleared.get("demo").getAsBoolean());
    }

    @Test
    void setShadowedByTheEnvironmentSaysSoAndExitsThree() {
        Result r = tool().with("CLONE_API_TOKEN", "clone_env_json_shadow_9Wq").runWithInput(KEY + "\n", "set", "-", "--json");
        assertEquals(3, r.exit(), r.toString());
        JsonObject o = oneObject(r);
        assertTrue(o.get("stored").getAsBoolean() && o.get("shadowed").getAsBoolean(), o.toString());
        assertEquals("environment", o.get("source").getAsString());
        r.assertNoSecrets(KEY, "clone_env_json_shadow_9Wq");
    }

    @Test
    void failuresKeepTheOnePromiseAndSayWhatHappenedFirst() throws Exception {
        JsonObject demo = oneObject(tool().run("connect", "--json"));
        assertEquals(Set.of("stored", "connected", "error", "exit_code"), demo.keySet());
        assertTrue(demo.get("error").getAsString().contains("Private Clone API key is required"));

        JsonObject nothing = oneObject(tool().run("import-env", "--json"));
        assertFalse(nothing.get("stored").getAsBoolean());

        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        JsonObject unwritable = oneObject(tool().with("CLAUDE_PLUGIN_DATA", file.toString()).runWithInput(KEY + "\n", "set", "-", "--json"));
        assertFalse(unwritable.get("stored").getAsBoolean());

        dash.initialize("mcp-initialize-http-500");
        Result r = tool().runWithInput(KEY + "\n", "set", "-", "--connect", "--json");
        assertEquals(1, r.exit(), r.toString());
        JsonObject half = oneObject(r);
        assertTrue(half.get("stored").getAsBoolean(), "the key was written before the connect failed: " + half);
        assertFalse(half.get("connected").getAsBoolean());
        assertTrue(half.get("error").getAsString().contains("The key is stored in " + tmp.resolve("data/auth.local.json")
                + "; run 'clone-login connect' to try connecting again."), half.toString());
    }

    @Test
    void loginAndBothStepsPrintOneObject() throws Exception {
        Tool tool = tool();
        Running run = tool.start("login", "--no-open", "--json").closeInput();
        String url = run.awaitErr(Contract.AUTHORIZE, Browser.WAIT).group(1);
        Browser.browse(url);
        JsonObject login = oneObject(run.waitFor(Running.RUN_LIMIT));
        assertTrue(login.get("stored").getAsBoolean() && login.get("connected").getAsBoolean(), login.toString());

        JsonObject start = oneObject(tool.run("login", "--start", "--json"));
        assertTrue(start.get("authorize_url").getAsString().startsWith(dash.url() + "/clone-loop/connect?"), start.toString());
        assertTrue(start.get("expires_at").getAsString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), start.toString());
        assertFalse(start.get("stored").getAsBoolean());
        String address = Browser.approve(start.get("authorize_url").getAsString());

        JsonObject finish = oneObject(tool.run("login", "--finish", address, "--json"));
        assertTrue(finish.get("stored").getAsBoolean() && finish.get("connected").getAsBoolean(), finish.toString());
        assertEquals("sess_fixture 42/a", finish.get("session_id").getAsString());

        JsonObject again = oneObject(tool.run("login", "--finish", address, "--json"));
        assertTrue(again.get("error").getAsString().contains("No login is pending"), again.toString());
        assertEquals(URI.create(url).getHost(), "127.0.0.1");
    }
}
