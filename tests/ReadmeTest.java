
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's "For agents" lines, its install recipe, its JShell and script examples and its "Try the whole
 * login without an account" recipe, run as written (bash, in a checkout): what a reader copies must work.
 * CatalogTest runs the setup-script lines.
 */
@DisabledOnOs(OS.WINDOWS)
class ReadmeTest {
    @TempDir Path tmp;

    /** The command lines of a README section's sh blocks, comments dropped. */
    static List<String> commands(String heading) {
        return Checkout.readmeShellBlocks(heading).stream().flatMap(List::stream)
                .map(l -> l.replaceAll("\\s+#.*$", "").strip()).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    static Result bash(Tool tool, String script) {
        return Running.start(List.of("bash", "-c", script), tool.env, Checkout.repo()).closeInput().waitFor(Duration.ofMinutes(3));
    }

    @Test
    void theAgentStepsWorkAsWritten() throws Exception {
        List<String> lines = commands("### For agents");
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).equals("clone-login login --start"), lines.get(0));
        assertTrue(lines.get(1).startsWith("clone-login login --finish '<"), lines.get(1));
        String tool = Jvm.javaCommand().stream().map(Checkout::shellQuote).collect(Collectors.joining(" "));
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Tool env = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()).against(dash);

            Result started = bash(env, lines.get(0).replaceFirst("^clone-login", tool));
            assertEquals(0, started.exit(), started.toString());
            Matcher url = Contract.AUTHORIZE.matcher(started.out());
            assertTrue(url.find(), started.toString());
            String address = Browser.approve(url.group(1));

            Result finished = bash(env, lines.get(1).replaceFirst("^clone-login", tool).replaceAll("'<[^>]*>'", Checkout.shellQuote(address)));
            assertEquals(0, finished.exit(), finished.toString());
            assertTrue(finished.out().contains("Connected Clone Loop to Clone Dashboard."), finished.toString());
            Contract.assertStoredAlone(tmp.resolve("data/auth.local.json"), Contract.LOGIN_KEY);
            finished.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
        }
    }

    /**
     * The install recipe on a machine with only a JDK: no jbang on PATH, a home of its own (JBang's ~ is
     * the JVM's home folder, so it is pointed there too, as on a real machine where they are the same), so a
     * JBang home of its own; its compile cache is the suite's (a build from an empty cache is LocaleTest's).
     * Afterwards a new shell, which gets only what the recipe added to its startup file, runs clone-login from
     * another folder.
     */
    @Test
    void theInstallRecipeWorksOnAMachineWithOnlyAJdk() throws Exception {
        List<String> recipe = commands("### Install it as a command");
        assertEquals(2, recipe.size(), recipe.toString());
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path javaBin = Paths.get(System.getProperty("java.home"), "bin");
        Map<String, String> jdkOnly = new HashMap<>(Map.of("HOME", home.toString(), "SHELL", "/bin/bash",
                "PATH", javaBin + ":/usr/bin:/bin", "JAVA_HOME", System.getProperty("java.home"),
                "JBANG_JAVA_OPTIONS", "-Duser.home=" + home + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                "JBANG_REPO", System.getenv().getOrDefault("JBANG_REPO", Paths.get(System.getProperty("user.home"), ".m2", "repository").toString()),
                "JBANG_CACHE_DIR", Running.sharedJBangCache()));

        Result installed = Running.start(List.of("bash", "-c", "unset JBANG_DIR; set -e\n" + String.join("\n", recipe)),
                jdkOnly, Checkout.repo()).closeInput().waitFor(Duration.ofMinutes(3));
        assertEquals(0, installed.exit(), installed.toString());

        Result r = Running.start(List.of("bash", "-c", "unset JBANG_DIR; for f in ~/.bashrc ~/.bash_profile; do [ -f \"$f\" ] && . \"$f\"; done; "
                + "command -v jbang >/dev/null || { echo 'no jbang on PATH' >&2; exit 9; }; clone-login status"), jdkOnly, elsewhere)
                .closeInput().waitFor(Duration.ofMinutes(3));
        assertEquals(0, r.exit(), "a new shell from another folder:\n" + r);
        assertEquals(Contract.demoStatus(home.resolve(".claude/plugins/data/clone-labs-clone-loop")), r.outLines(), r.toString());
    }

    /**
     * The public surface, as the README shows it: its JShell line run with the snippet's input lines, and its
     * script saved beside a copy of login.java and run with ./jbang against a secret file, twice (the second
     * run finds the private key in effect and stores nothing).
     */
    @Test
    void theScriptingSurfaceWorksFromJShellAndFromAnotherScript() throws Exception {
        List<String> section = Checkout.readmeSection("## From JShell and your own scripts");
        List<String> shell = commands("## From JShell and your own scripts");
        assertEquals(List.of("jshell --class-path \"$(./jbang info classpath login.java)\""), shell);
        List<String> session = block(section, "```text");
        List<String> typed = session.stream().filter(l -> l.startsWith("jshell> ")).map(l -> l.substring("jshell> ".length())).toList();
        List<String> shown = session.stream().filter(l -> !l.startsWith("jshell> ")).toList();
        assertEquals(List.of("import clone.login.login", "login.effectiveKey()"), typed);
        Tool tool = new Tool(tmp.resolve("jshell")).with("PATH", Paths.get(System.getProperty("java.home"), "bin") + ":"
                + System.getenv("PATH"));

        Result jshell = Running.start(List.of("bash", "-c", shell.get(0)), tool.env, Checkout.repo())
                .input(String.join("\n", typed) + "\n/exit\n").closeInput().waitFor(Duration.ofMinutes(2));

        assertEquals(0, jshell.exit(), jshell.toString());
        for (String line : shown) assertTrue(jshell.out().contains(line), "JShell did not show " + line + ":\n" + jshell);

        Path dir = Files.createDirectories(tmp.resolve("scripts"));
        Files.copy(Checkout.repo().resolve("login.java"), dir.resolve("login.java"));
        Files.write(dir.resolve("ensure_key.java"), block(section, "```java"));
        String key = "clone_scripted_key_Hq4Lw8Zt";
        Path secret = Files.writeString(tmp.resolve("clone_api_key"), key + "\n");
        Tool scripted = new Tool(tmp.resolve("script"));
        Path config = scripted.defaultFolder().resolve("auth.local.json");
        for (int run = 0; run < 2; run++) {
            Result r = Running.jbang(scripted, dir, Map.of(), "ensure_key.java", secret.toString()).closeInput().waitFor(Duration.ofMinutes(3));
            assertEquals(0, r.exit(), r.toString());
            List<String> expected = run == 0 ? List.of("Stored in " + config, "In effect: plugin config " + Contract.mask(key))
                    : List.of("In effect: plugin config " + Contract.mask(key));
            assertEquals(expected, r.outLines(), r.toString());
            Contract.assertStoredAlone(config, key);
            r.assertNoSecrets(key);
        }
    }

    /** The lines of the section's one code block that opens with this fence. */
    static List<String> block(List<String> section, String fence) {
        int from = section.indexOf(fence);
        assertTrue(from >= 0 && section.lastIndexOf(fence) == from, "one " + fence + " block");
        return section.subList(from + 1, section.subList(from + 1, section.size()).indexOf("```") + from + 1);
    }

    @Test @ResourceLock(Harness.JBANG_CACHE)
    void theFakeDashboardRecipeFinishesWithoutABrowser() throws Exception {
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/curl")), "the recipe's BROWSER is curl");
        List<List<String>> blocks = Checkout.readmeShellBlocks("## Try the whole login without an account");
        assertEquals(2, blocks.size(), blocks.toString());
        assertEquals(List.of("./jbang tests/FakeDashboard.java --port 0"), blocks.get(0));
        Tool tool = new Tool(tmp).with("TMPDIR", Files.createDirectories(tmp.resolve("t")).toString());

        // the first terminal: the fake dashboard prints the two lines to copy
        Running fake = Running.start(List.of("bash", "-c", "exec " + blocks.get(0).get(0)), tool.env, Checkout.repo());
        try {
            Matcher exports = fake.awaitOut(Pattern.compile("(?m)^(export CLONE_DASHBOARD_URL=\\S+)\n(export CLONE_MCP_URL=\\S+)$"),
                    Duration.ofMinutes(2));

            // the second terminal: paste them, then the recipe's lines as written
            String script = exports.group(1) + "\n" + exports.group(2) + "\nset -e\n" + String.join("\n", blocks.get(1));
            Result r = bash(tool, script);

            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("Connected Clone Loop to Clone Dashboard."), r.toString());
            assertTrue(r.out().contains("Source: plugin config"), "status then shows the stored key: " + r);
            r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
        } finally {
            fake.stop();
        }
    }
}
