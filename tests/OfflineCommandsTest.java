
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * status, set, set -, import-env and clear on real files (contract sections 1-4, 6, 8), in this JVM;
 * WholeProcessTest runs each command as the script's own process too.
 */
class OfflineCommandsTest {
    static final String STORED = Contract.STORED_KEY;
    static final String LEGACY = Contract.LEGACY_KEY;
    static final String NEW_KEY = "clone_new_key_via_set_Hq72LmZp";
    static final String ENV_KEY = "clone_env_key_from_shell_Rz55Pq";
    static final String FALLBACK_NOTE = Contract.FALLBACK_NOTE;
    static final String DEMO_LINE = Contract.DEMO_LINE;

    // ---- status ----

    @Test
    void statusWithoutAnyKeyShowsTheDemoFallback(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Result r = tool.run("status");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.demoStatus(tool.defaultFolder()), r.outLines());
        assertEquals("", r.err());
        r.assertNoSecrets(login.DEMO_TOKEN);
    }

    @Test
    void noCommandMeansStatus(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        assertEquals(tool.run("status").out(), tool.run().out());
    }

    @Test
    void statusReadsTheInjectedFolder(@TempDir Path tmp) {
        Path data = tmp.resolve("claude-data");
        Checkout.placeConfig("config-valid.json", data);
        Result r = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString()).run("status");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Source: plugin config", "Token: clone_st...q2Wz", "Plugin config: " + data.resolve("auth.local.json")),
                r.outLines());
        r.assertNoSecrets(STORED);
    }

    @Test
    void pluginDataWinsOverClaudePluginData(@TempDir Path tmp) {
        Path codex = tmp.resolve("codex-data");
        Path claude = tmp.resolve("claude-data");
        Checkout.placeConfig("config-legacy.json", codex);
        Checkout.placeConfig("config-valid.json", claude);
        Tool tool = new Tool(tmp).with("PLUGIN_DATA", codex.toString()).with("CLAUDE_PLUGIN_DATA", claude.toString());
        Result r = tool.run("status");
        assertEquals(List.of("Source: plugin config", "Token: clone_le...mXa1", "Plugin config: " + codex.resolve("auth.local.json")),
                r.outLines());
        Result set = tool.runWithInput(NEW_KEY + "\n", "set", "-");
        assertEquals(0, set.exit(), set.toString());
        assertTrue(Checkout.read(codex.resolve("auth.local.json")).contains(NEW_KEY));
        assertTrue(Checkout.read(claude.resolve("auth.local.json")).contains(STORED), "the other folder is untouched");
        r.assertNoSecrets(STORED, LEGACY);
        set.assertNoSecrets(NEW_KEY);
    }

    @Test
    void readsLegacyFoldersInOrderWhenNothingIsInjected(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Checkout.placeConfig("config-valid.json", tool.legacyFolder("clone-clone-labs"));
        Checkout.placeConfig("config-legacy.json", tool.legacyFolder("clone-loop-clone-labs"));
        Checkout.placeConfig("config-corrupt.json", tool.legacyFolder("clone-loop-clone-loop"));
        Checkout.placeConfig("config-blank-key.json", tool.defaultFolder());
        Result r = tool.run("status");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Source: plugin config", "Token: clone_le...mXa1",
                "Plugin config: " + tool.defaultFolder().resolve("auth.local.json") + FALLBACK_NOTE), r.outLines());
        assertTrue(r.err().contains(tool.legacyFolder("clone-loop-clone-labs").resolve("auth.local.json").toString()),
                "says which legacy file it read: " + r);
        r.assertNoSecrets(STORED, LEGACY);
    }

    @Test
    void legacyFoldersAreIgnoredWhenAFolderIsInjected(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("empty").toString());
        Checkout.placeConfig("config-legacy.json", tool.legacyFolder("clone-clone-loop"));
        Result r = tool.run("status");
        assertEquals("Source: demo fallback", r.outLines().get(0));
    }

    @Test
    void environmentWinsAndStatusSaysItShadowsTheStoredKey(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        Result r = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString()).with("CLONE_API_TOKEN", ENV_KEY).run("status");
        assertEquals(0, r.exit());
        assertEquals(List.of("Source: environment", "Token: clone_en...55Pq", "Plugin config: " + data.resolve("auth.local.json")), r.outLines());
        assertTrue(r.err().contains("CLONE_API_TOKEN") && r.err().contains("clone_st...q2Wz") && r.err().contains("precedence"), r.toString());
        r.assertNoSecrets(STORED, ENV_KEY);
    }

    @Test
    void statusJsonIsOneObject(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        Result r = new Tool(tmp).with("PLUGIN_DATA", data.toString()).with("CLONE_API_TOKEN", ENV_KEY).run("status", "--json");
        assertEquals(0, r.exit());
        assertEquals(1, r.outLines().size(), r.toString());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("environment", o.get("source").getAsString());
        assertEquals("clone_en...55Pq", o.get("token").getAsString());
        assertEquals(data.resolve("auth.local.json").toString(), o.get("config_path").getAsString());
        assertFalse(o.get("demo").getAsBoolean());
        assertTrue(o.get("shadowed").getAsBoolean());
        assertEquals(Set.of("source", "token", "config_path", "demo", "shadowed", "stored", "connected"), o.keySet());
        r.assertNoSecrets(STORED, ENV_KEY);

        JsonObject demo = JsonParser.parseString(new Tool(tmp.resolve("other")).run("status", "--json").out()).getAsJsonObject();
        assertTrue(demo.get("demo").getAsBoolean());
        assertFalse(demo.get("shadowed").getAsBoolean());
        assertEquals("demo fallback", demo.get("source").getAsString());
    }

    // ---- set ----

    @Test
    void setStoresTheKeyOwnerOnlyAndWarnsAboutHistory(@TempDir Path tmp) throws Exception {
        Tool tool = new Tool(tmp);
        Result r = tool.run("set", NEW_KEY);
        Path file = tool.defaultFolder().resolve("auth.local.json");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Stored Clone API key in plugin config.", "Token: clone_ne...LmZp", "Plugin config: " + file), r.outLines());
        assertTrue(r.err().contains("shell history") && r.err().contains("set -") && r.err().contains("import-env")
                && r.err().contains("login"), r.toString());
        Contract.assertStored(file, NEW_KEY);
        if (!Harness.WINDOWS) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tool.defaultFolder())));
        }
        assertEquals(List.of("auth.local.json"), Checkout.names(tool.defaultFolder()));
        r.assertNoSecrets(NEW_KEY);
    }

    @Test
    void setDashReadsOneLineFromStandardInput(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString());
        Result r = tool.runWithInput("  " + NEW_KEY + "  \nsecond line ignored\n", "set", "-");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("Stored Clone API key in plugin config.", r.outLines().get(0));
        assertFalse(r.err().contains("shell history"), "no history warning for standard input");
        Contract.assertStored(tmp.resolve("data/auth.local.json"), NEW_KEY);
        r.assertNoSecrets(NEW_KEY);
    }

    @Test
    void setDashWithEmptyInputIsAUsageError(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Result r = tool.runWithInput("", "set", "-");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("No key on standard input"), r.toString());
        assertFalse(Files.exists(tool.defaultFolder()));
        r.assertNoStackTrace();
    }

    /**
     * The non-ASCII key goes through standard input, which the tool reads as UTF-8 in any locale: on a
     * command line JDK 17 turns it into '?' under LC_ALL=C before the tool ever sees it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"clone key with spaces", "stdin:clone_caf\u00e9_key", "clone_\u001b[31m_key", "   ", "stdin:clone_\u00e9t\u00e9"})
    void setRefusesKeysThatAreNotPrintableAscii(String value, @TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        boolean stdin = value.startsWith("stdin:");
        String bad = stdin ? value.substring(6) : value;
        Result r = stdin ? tool.runWithInput(bad + "\n", "set", "-") : tool.run("set", bad);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("key"), r.toString());
        assertFalse(Files.exists(tool.defaultFolder().resolve("auth.local.json")), "nothing stored");
        if (!bad.isBlank()) r.assertNoSecrets(bad.trim());
        r.assertNoStackTrace();
    }

    @Test
    void setFromStandardInputRefusesAKeyWithInnerSpaces(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Result r = tool.runWithInput("clone bad key\n", "set", "-");
        assertEquals(2, r.exit(), r.toString());
        assertFalse(Files.exists(tool.defaultFolder().resolve("auth.local.json")));
    }

    @Test
    void setKeepsOtherFields(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-extra-fields.json", data);
        Result r = new Tool(tmp).with("PLUGIN_DATA", data.toString()).runWithInput(NEW_KEY, "set", "-");
        assertEquals(0, r.exit(), r.toString());
        JsonObject o = JsonParser.parseString(Checkout.read(data.resolve("auth.local.json"))).getAsJsonObject();
        assertEquals(NEW_KEY, o.get("clone_api_token").getAsString());
        assertEquals(12, o.getAsJsonObject("loop_defaults").get("max_turns").getAsInt());
        assertEquals("kept by every write", o.get("note").getAsString());
        assertFalse(o.get("updated_at").getAsString().equals("2026-05-29T08:57:40Z"), "updated_at is refreshed");
    }

    @Test
    void aCorruptFileIsMovedAsideNotDestroyed(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-corrupt.json", data);
        String corrupt = Checkout.read(data.resolve("auth.local.json"));
        Result r = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString()).runWithInput(NEW_KEY, "set", "-");
        assertEquals(0, r.exit(), r.toString());
        List<String> names = Checkout.names(data);
        assertEquals(2, names.size(), names.toString());
        String aside = names.stream().filter(n -> !n.equals("auth.local.json")).findFirst().orElseThrow();
        assertTrue(aside.matches("auth\\.local\\.json\\.corrupt-\\d{8}T\\d{6}Z"), aside);
        assertEquals(corrupt, Checkout.read(data.resolve(aside)), "the corrupt content is kept byte for byte");
        if (!Harness.WINDOWS) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(aside))));
        }
        assertTrue(r.err().contains("moved it aside") && r.err().contains(aside), r.toString());
        Contract.assertStored(data.resolve("auth.local.json"), NEW_KEY);
    }

    /** Six processes at once: in one JVM the writers would take turns before ever reaching the file lock. */
    @Test
    void concurrentWritersLeaveOneWholeFile(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-extra-fields.json", data);
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString()).process();
        List<String> keys = IntStream.range(0, 6).mapToObj(i -> "clone_concurrent_writer_" + i + "_Zx81").toList();
        List<Running> writers = new ArrayList<>();
        for (String key : keys) writers.add(tool.start("set", "-").input(key + "\n").closeInput());
        for (Running w : writers) assertEquals(0, w.waitFor(Running.RUN_LIMIT).exit());
        JsonObject o = JsonParser.parseString(Checkout.read(data.resolve("auth.local.json"))).getAsJsonObject();
        assertTrue(keys.contains(o.get("clone_api_token").getAsString()), o.toString());
        assertEquals("kept by every write", o.get("note").getAsString());
        assertEquals(List.of("auth.local.json"), Checkout.names(data), "no temporary or lock files left behind");
    }

    @Test
    void setShadowedByTheEnvironmentExitsThree(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLONE_API_TOKEN", ENV_KEY);
        Result r = tool.runWithInput(NEW_KEY, "set", "-");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("Stored Clone API key in plugin config.", r.outLines().get(0));
        assertTrue(r.err().contains("CLONE_API_TOKEN") && r.err().contains("precedence") && r.err().contains("unset")
                && r.err().contains("clone_en...55Pq") && r.err().contains("clone_ne...LmZp"), r.toString());
        Contract.assertStored(tool.defaultFolder().resolve("auth.local.json"), NEW_KEY);
        r.assertNoSecrets(NEW_KEY, ENV_KEY);
    }

    @Test
    void aOneCharacterKeyIsStoredAndMasked(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Result r = tool.runWithInput("x\n", "set", "-");
        assertEquals(0, r.exit(), r.toString());
        assertEquals("Token: x...x", r.outLines().get(1));
        Contract.assertStored(tool.defaultFolder().resolve("auth.local.json"), "x");
    }

    @Test
    void setTheSameKeyAsTheEnvironmentIsNotShadowed(@TempDir Path tmp) {
        Result r = new Tool(tmp).with("CLONE_API_TOKEN", NEW_KEY).runWithInput(NEW_KEY, "set", "-");
        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.err().contains("precedence"));
    }

    @Test
    void anUnwritableFolderFailsWithASentence(@TempDir Path tmp) throws Exception {
        Path notAFolder = tmp.resolve("file");
        Files.writeString(notAFolder, "x");
        Result r = new Tool(tmp).with("PLUGIN_DATA", notAFolder.toString()).runWithInput(NEW_KEY, "set", "-");
        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("Could not store the key in " + notAFolder + ": " + notAFolder + " is not a folder."), r.errLines());
        assertEquals("", r.out());
        r.assertNoStackTrace().assertNoSecrets(NEW_KEY);
    }

    // ---- import-env ----

    @Test
    void importEnvStoresTheVariable(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Result r = new Tool(tmp).with("PLUGIN_DATA", data.toString()).with("CLONE_API_TOKEN", " " + ENV_KEY + " ").run("import-env");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Stored Clone API key from CLONE_API_TOKEN.", "Token: clone_en...55Pq", "Plugin config: " + data.resolve("auth.local.json")),
                r.outLines());
        assertFalse(r.err().contains("precedence"), "its own value is not shadowed");
        Contract.assertStored(data.resolve("auth.local.json"), ENV_KEY);
        r.assertNoSecrets(ENV_KEY);
    }

    @Test
    void importEnvWithoutTheVariableFails(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLONE_API_TOKEN", "   ");
        Result r = tool.run("import-env");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("CLONE_API_TOKEN is not set"), r.toString());
        assertFalse(Files.exists(tool.defaultFolder()));
    }

    @Test
    void importEnvRefusesAnInvalidKey(@TempDir Path tmp) {
        Tool tool = new Tool(tmp).with("CLONE_API_TOKEN", "clone with space");
        Result r = tool.run("import-env");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("printable ASCII"), r.toString());
        assertFalse(Files.exists(tool.defaultFolder()));
    }

    /** No Clone API key is longer than 4 KiB: from standard input or the environment, such a value is refused, exit 1, nothing stored. */
    @Test
    void aKeyLongerThan4KiBIsRefusedWhereverItComesFrom(@TempDir Path tmp) {
        String huge = "clone_" + "x".repeat(200_000);
        Tool tool = new Tool(tmp);
        Result piped = tool.runWithInput(huge + "\n", "set", "-");
        assertEquals(1, piped.exit(), piped.toString());
        assertTrue(piped.err().contains("The key is longer than 4 KiB, so it is not a Clone API key; it was not stored."), piped.toString());
        Result argument = tool.run("set", "clone_" + "y".repeat(5000));
        assertEquals(1, argument.exit(), argument.toString());
        Result imported = tool.with("CLONE_API_TOKEN", huge).run("import-env");
        assertEquals(1, imported.exit(), imported.toString());
        assertTrue(imported.err().contains("CLONE_API_TOKEN is longer than 4 KiB"), imported.toString());
        assertFalse(Files.exists(tool.defaultFolder()), "nothing stored");
        for (Result r : List.of(piped, argument, imported)) r.assertNoSecrets(huge.substring(0, 30), "y".repeat(30)).assertNoStackTrace();
    }

    // ---- clear ----

    @Test
    void clearDeletesTheFileAndShowsWhatIsLeft(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString());
        Result r = tool.run("clear");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Cleared plugin config API key.", "Current effective token:", "Source: demo fallback", "Token: clone_yc...2026",
                "Plugin config: " + data.resolve("auth.local.json"), DEMO_LINE), r.outLines());
        assertFalse(Files.exists(data.resolve("auth.local.json")));
        Result again = tool.run("clear");
        assertEquals(0, again.exit());
        assertEquals("No plugin config API key to clear.", again.outLines().get(0));
        assertEquals("Current effective token:", again.outLines().get(1));
    }

    /** The word other login tools taught: logout is clear, and help says so. */
    @Test
    void logoutIsClear(@TempDir Path tmp) {
        Path data = tmp.resolve("data");
        Checkout.placeConfig("config-valid.json", data);
        Result r = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data.toString()).run("logout");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("Cleared plugin config API key.", "Current effective token:"), r.outLines().subList(0, 2));
        assertFalse(Files.exists(data.resolve("auth.local.json")));
        assertTrue(new Tool(tmp).run("--help").out().matches("(?s).*clear, logout\\s+Delete the stored key.*"), "help names it");
    }

    @Test
    void clearShowsTheEnvironmentKeyWhenItIsSet(@TempDir Path tmp) {
        Result r = new Tool(tmp).with("CLONE_API_TOKEN", ENV_KEY).run("clear");
        assertEquals(List.of("No plugin config API key to clear.", "Current effective token:", "Source: environment", "Token: clone_en...55Pq"),
                r.outLines().subList(0, 4));
        r.assertNoSecrets(ENV_KEY);
    }

    // ---- usage, help, version ----

    @ParameterizedTest
    @ValueSource(strings = {"bogus", "status --bogus", "set", "set a b", "status extra", "clear --force", "import-env --force"})
    void usageErrorsExitTwo(String args, @TempDir Path tmp) {
        Result r = new Tool(tmp).run(args.split(" "));
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("--help"), r.toString());
        r.assertNoStackTrace();
    }

    /**
     * A usage error never repeats an argument that holds a code, a state or a key: an agent that forgets
     * --finish passes an unspent code and its state, and a key typed where it does not belong is still a key.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"login ADDRESS", "login --json ADDRESS", "import-env KEY", "status KEY", "set KEY KEY2", "login --timeout KEY"})
    void aUsageErrorNeverRepeatsASecret(String args, @TempDir Path tmp) {
        String code = Harness.unique("code_");
        String state = Harness.unique("State");
        String key = Harness.unique("clone_usage_");
        String address = "http://127.0.0.1:41234/callback?code=" + code + "&state=" + state;
        String[] argv = args.replace("ADDRESS", address).replace("KEY2", Harness.unique("clone_second_")).replace("KEY", key).split(" ");

        Result r = new Tool(tmp).run(argv);

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("not shown"), "says what was wrong without it: " + r);
        if (args.contains("ADDRESS")) assertTrue(r.err().contains("login --finish '<address>'"), "says that --finish takes it: " + r);
        if (args.contains("--json")) Contract.oneJsonObject(r);
        r.assertNoSecrets(code, state, key, argv[argv.length - 1]).assertNoStackTrace();
    }

    @Test
    void aUsageErrorStillNamesAWordThatHoldsNoSecret(@TempDir Path tmp) {
        Result r = new Tool(tmp).run("sttaus");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("'sttaus'") && r.err().contains("status"), r.toString());
    }

    @Test
    void helpAndVersion(@TempDir Path tmp) {
        Tool tool = new Tool(tmp);
        Result version = tool.run("--version");
        assertEquals(0, version.exit());
        assertEquals("clone-login " + login.VERSION + "\n", version.out().replace("\r", ""));
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"}, new String[] {"help"})) {
            Result help = tool.run(args);
            assertEquals(0, help.exit());
            assertTrue(help.out().contains("Usage: clone-login") && help.out().contains("import-env"), help.toString());
        }
        Result setHelp = tool.run("help", "set");
        assertTrue(setHelp.out().contains("Usage: clone-login set") && setHelp.out().contains("--connect"), setHelp.toString());
    }
}
