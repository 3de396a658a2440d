
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command as the script's own process, the way people and scripts start it: the exit code main
 * hands to System.exit, and the exact bytes on standard output (UTF-8 whatever the platform's charset,
 * each line ended by one "\n"), which a run in this JVM cannot show. The other classes test the same
 * behaviour in this JVM.
 */
class WholeProcessTest {
    static final String KEY = "clone_whole_process_key_Pz63Wq";
    static final String ENV_KEY = "clone_whole_process_env_Jr41Mx";

    @TempDir Path tmp;

    Tool tool() { return new Tool(tmp).process(); }

    /** The lines as the tool writes them: UTF-8, one "\n" after each. */
    static byte[] bytes(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static List<String> stored(String headline, String key, Path config) {
        return List.of(headline, "Token: " + Contract.mask(key), "Plugin config: " + config);
    }

    @Test
    void statusExitsZeroWithItsLinesInUtf8() {
        Tool tool = tool();
        Result r = tool.run("status");
        assertEquals(0, r.exit(), r.toString());
        assertArrayEquals(bytes(Contract.demoStatus(tool.defaultFolder())), r.outBytes(), r.toString()); // the fallback note's dash is UTF-8
    }

    /**
     * main answers no arguments and plain "status" without building the command tree (agents call it at
     * every start): in every state of the key it must print what the status command prints, and exit alike.
     */
    @Test
    void plainStatusAnswersAsTheStatusCommandDoes() throws Exception {
        Path config = new Tool(tmp).defaultFolder().resolve("auth.local.json");
        assertTrue(assertPlainStatusAsTheCommand().out().contains("Source: demo fallback"));
        Files.createDirectories(config);
        assertTrue(assertPlainStatusAsTheCommand().err().contains("Skipped " + config + ": it is not a regular file."));
        Files.delete(config);
        Files.writeString(config, "{\"clone_api_token\":\"" + KEY + "\"}\n");
        assertTrue(assertPlainStatusAsTheCommand().out().contains("Source: plugin config"), "the stored key");
        assertTrue(assertPlainStatusAsTheCommand("CLONE_API_TOKEN", ENV_KEY).err().contains("takes precedence over the stored key"),
                "shadowed by the environment");
        assertTrue(assertPlainStatusAsTheCommand("NO_COLOR", "", "TERM", "xterm-256color").out().contains("Source: plugin config"));
    }

    /** The process with no arguments and with "status" against the status command run through the command tree; returns the latter. */
    Result assertPlainStatusAsTheCommand(String... variables) {
        Tool tree = new Tool(tmp);
        Tool process = new Tool(tmp).process();
        for (int i = 0; i < variables.length; i += 2) {
            tree.with(variables[i], variables[i + 1]);
            process.with(variables[i], variables[i + 1]);
        }
        Result expected = tree.run("status");
        for (String[] args : List.of(new String[0], new String[] {"status"})) {
            Result r = process.run(args);
            String what = "clone-login " + String.join(" ", args) + "\n" + r + "\nthe status command:\n" + expected;
            assertEquals(expected.exit(), r.exit(), what);
            assertEquals(expected.out(), r.out(), what);
            assertEquals(expected.err(), r.err(), what);
            r.assertNoSecrets(KEY, ENV_KEY);
        }
        return expected;
    }

    /**
     * A data folder named outside ASCII, with no locale: the JVM cannot make such a file name (Node can), so
     * every command says so in plain words, with what to set, instead of failing with a Java exception; with
     * a UTF-8 locale the same folder works. The name goes in as raw UTF-8 bytes, whatever this JVM's locale.
     */
    @Test @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX) // macOS names files in UTF-8 whatever the locale
    void aFolderNamedOutsideAsciiNeedsAUtf8LocaleAndSaysSo() {
        String tool = Jvm.javaCommand().stream().map(Checkout::shellQuote).collect(java.util.stream.Collectors.joining(" "));
        String folder = "CLAUDE_PLUGIN_DATA=" + Checkout.shellQuote(tmp + "/") + "$'donn\\xc3\\xa9es'";
        for (String command : List.of("status", "set " + KEY)) {
            Result r = Running.start(List.of("bash", "-c", "export LANG=C LC_ALL=C " + folder + "; exec " + tool + " " + command),
                    new Tool(tmp).env, tmp).closeInput().waitFor(Running.RUN_LIMIT);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("CLAUDE_PLUGIN_DATA names a folder with characters outside ASCII") && r.err().contains("LANG=C.UTF-8"),
                    r.toString());
            assertFalse(r.all().contains("Exception") || r.all().contains("Unexpected"), r.toString());
        }
        Result utf8 = Running.start(List.of("bash", "-c", "export LANG=C.UTF-8 LC_ALL=C.UTF-8 " + folder + "; exec " + tool + " set "
                + KEY), new Tool(tmp).env, tmp).closeInput().waitFor(Running.RUN_LIMIT);
        assertEquals(0, utf8.exit(), utf8.toString());
        Contract.assertStoredAlone(tmp.resolve("donn\u00e9es/auth.local.json"), KEY);
    }

    @Test
    void setExitsZeroOrThreeWhenShadowed() {
        Tool tool = tool();
        Path config = tool.defaultFolder().resolve("auth.local.json");
        Result r = tool.run("set", KEY);
        assertEquals(0, r.exit(), r.toString());
        assertArrayEquals(bytes(stored("Stored Clone API key in plugin config.", KEY, config)), r.outBytes(), r.toString());
        Contract.assertStoredAlone(config, KEY);

        Result shadowed = tool.with("CLONE_API_TOKEN", ENV_KEY).runWithInput(KEY + "\n", "set", "-");
        assertEquals(3, shadowed.exit(), shadowed.toString());
        assertArrayEquals(bytes(stored("Stored Clone API key in plugin config.", KEY, config)), shadowed.outBytes(), shadowed.toString());
        r.assertNoSecrets(KEY);
        shadowed.assertNoSecrets(KEY, ENV_KEY);
    }

    @Test
    void aUsageErrorExitsTwoWithNothingOnStdoutOrOneJsonObject() {
        Result r = tool().runWithInput("", "set", "-");
        assertEquals(2, r.exit(), r.toString());
        assertArrayEquals(new byte[0], r.outBytes(), r.toString());

        Result json = tool().run("status", "--json", "--bogus");
        assertEquals(2, json.exit(), json.toString());
        String out = new String(json.outBytes(), StandardCharsets.UTF_8);
        assertTrue(out.endsWith("}\n") && out.indexOf('\n') == out.length() - 1, "one line, one \\n: " + json);
        JsonObject o = JsonParser.parseString(out).getAsJsonObject();
        assertEquals(Set.of("error", "exit_code"), o.keySet());
        assertEquals(2, o.get("exit_code").getAsInt());
    }

    /** Standard input closed (a shell's <&-): no key came on it, and that is what set - says, not that the key is malformed. */
    @Test @org.junit.jupiter.api.condition.DisabledOnOs(org.junit.jupiter.api.condition.OS.WINDOWS)
    void setDashWithStandardInputClosedSaysNoKeyCame() {
        String tool = Jvm.javaCommand().stream().map(Checkout::shellQuote).collect(java.util.stream.Collectors.joining(" "));
        Result r = Running.start(List.of("bash", "-c", "exec " + tool + " set - <&-"), new Tool(tmp).env, tmp)
                .closeInput().waitFor(Running.RUN_LIMIT);
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("No key on standard input: it is empty or closed."), r.toString());
        assertFalse(r.err().contains("printable ASCII"), r.toString());
        assertFalse(Files.exists(new Tool(tmp).defaultFolder()), "nothing stored");
    }

    /** Standard input closed or /dev/null, as CI and agents often start the tool: pasting is not offered, as no line can come. */
    @Test @org.junit.jupiter.api.condition.DisabledOnOs(org.junit.jupiter.api.condition.OS.WINDOWS)
    void loginOffersPastingOnlyWhenALineCanCome() {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            String tool = Jvm.javaCommand().stream().map(Checkout::shellQuote).collect(java.util.stream.Collectors.joining(" "));
            for (String input : List.of("<&-", "</dev/null", "< <(sleep 3)")) {
                Result r = Running.start(List.of("bash", "-c", "exec " + tool + " login --no-open --timeout 1s " + input),
                        new Tool(tmp).against(dash).env, tmp).closeInput().waitFor(Running.RUN_LIMIT);
                assertEquals(1, r.exit(), r.toString());
                assertEquals(input.contains("sleep"), r.err().contains("paste the address it ends on here"), input + ":\n" + r);
            }
        }
    }

    @Test
    void importEnvExitsZeroOrOneWithoutTheVariable() {
        Tool tool = tool().with("CLONE_API_TOKEN", ENV_KEY);
        Path config = tool.defaultFolder().resolve("auth.local.json");
        Result r = tool.run("import-env");
        assertEquals(0, r.exit(), r.toString());
        assertArrayEquals(bytes(stored("Stored Clone API key from CLONE_API_TOKEN.", ENV_KEY, config)), r.outBytes(), r.toString());
        Contract.assertStoredAlone(config, ENV_KEY);
        r.assertNoSecrets(ENV_KEY);

        Result without = new Tool(tmp.resolve("other")).process().run("import-env");
        assertEquals(1, without.exit(), without.toString());
        assertArrayEquals(new byte[0], without.outBytes(), without.toString());
    }

    @Test
    void clearExitsZeroWithItsLines() {
        Tool tool = tool();
        Checkout.placeConfig("config-valid.json", tool.defaultFolder());
        Result r = tool.run("clear");
        assertEquals(0, r.exit(), r.toString());
        List<String> expected = new ArrayList<>(List.of("Cleared plugin config API key.", "Current effective token:"));
        expected.addAll(Contract.demoStatus(tool.defaultFolder()));
        assertArrayEquals(bytes(expected), r.outBytes(), r.toString());
    }

    @Test
    void connectExitsZeroWithTheConnectBlockOrOneWithTheDemoKey() {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Result demo = tool().against(dash).run("connect");
            assertEquals(1, demo.exit(), demo.toString());
            assertArrayEquals(new byte[0], demo.outBytes(), demo.toString());

            Result r = tool().against(dash).with("CLONE_API_TOKEN", ENV_KEY).run("connect");
            assertEquals(0, r.exit(), r.toString());
            assertArrayEquals(bytes(Contract.connectBlock("environment", ENV_KEY, dash.url())), r.outBytes(), r.toString());
            Contract.assertConnectCalls(dash, ENV_KEY, "claude-code");
            r.assertNoSecrets(ENV_KEY);
        }
    }

    @Test
    void loginExitsZeroWithItsLines() throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Tool tool = tool().against(dash);
            Running run = tool.start("login", "--no-open").closeInput();
            String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);
            Browser.browse(url);
            Result r = run.waitFor(Running.RUN_LIMIT);

            assertEquals(0, r.exit(), r.toString());
            Path config = tool.defaultFolder().resolve("auth.local.json");
            List<String> expected = new ArrayList<>(List.of("Authorize: " + url, "Waiting for Clone browser authorization..."));
            expected.addAll(stored("Stored Clone API key from Clone OAuth login.", Contract.LOGIN_KEY, config));
            expected.addAll(Contract.connectBlock("plugin config", Contract.LOGIN_KEY, dash.url()));
            assertArrayEquals(bytes(expected), r.outBytes(), r.toString());
            Contract.assertStoredAlone(config, Contract.LOGIN_KEY);
            r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
        }
    }

    @Test
    void bothStepsExitZeroAndAFinishedLoginExitsOne() throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Tool tool = tool().against(dash);
            Result started = tool.run("login", "--start");
            assertEquals(0, started.exit(), started.toString());
            String url = Contract.AUTHORIZE.matcher(started.out()).results().findFirst().orElseThrow().group(1);
            String out = new String(started.outBytes(), StandardCharsets.UTF_8);
            assertTrue(out.startsWith("Authorize: " + url + "\n") && out.endsWith("\n") && !out.contains("\r"), started.toString());
            assertEquals(started.out(), out);

            String address = Browser.approve(url);
            Result finished = tool.run("login", "--finish", address);
            assertEquals(0, finished.exit(), finished.toString());
            Path config = tool.defaultFolder().resolve("auth.local.json");
            List<String> expected = new ArrayList<>(stored("Stored Clone API key from Clone OAuth login.", Contract.LOGIN_KEY, config));
            expected.addAll(Contract.connectBlock("plugin config", Contract.LOGIN_KEY, dash.url()));
            assertArrayEquals(bytes(expected), finished.outBytes(), finished.toString());

            Result again = tool.run("login", "--finish", address);
            assertEquals(1, again.exit(), again.toString());
            assertArrayEquals(new byte[0], again.outBytes(), again.toString());
            finished.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
        }
    }
}
