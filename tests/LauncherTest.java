
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ways people start the tool: ./jbang login.java, the catalog alias clone-login, from another folder
 * and through a symlink. JBang's caches stay where this test run has them; only the tool's HOME is new.
 */
@ResourceLock(Harness.JBANG_CACHE)
class LauncherTest {
    private static Result launch(Path tmp, Path cwd, String launcher, String stdin, Map<String, String> extra, String... args) {
        return Running.jbang(launcher, new Tool(tmp), cwd, extra, args).input(stdin).waitFor(java.time.Duration.ofMinutes(3));
    }

    private static List<String> demoStatus(Path tmp) {
        return Contract.demoStatus(tmp.resolve("home/.claude/plugins/data/clone-labs-clone-loop"));
    }

    @Test
    void runsTheCatalogAlias(@TempDir Path tmp) {
        Result r = launch(tmp, Checkout.repo(), "./jbang", null, Map.of(), "clone-login", "status");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(demoStatus(tmp), r.outLines());
    }

    /** ./jbang login.java in the checkout: standard input in, the tool's own exit code (3: stored but shadowed) out. */
    @Test
    void passesStandardInputAndTheExitCodeThrough(@TempDir Path tmp) {
        String key = "clone_through_launcher_key_W8e3";
        Result r = launch(tmp, Checkout.repo(), "./jbang", key + "\n", Map.of("CLONE_API_TOKEN", "clone_env_other_key_77aa"),
                "login.java", "set", "-");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("Stored Clone API key in plugin config.", r.outLines().get(0), r.toString());
        assertTrue(Checkout.read(tmp.resolve("home/.claude/plugins/data/clone-labs-clone-loop/auth.local.json")).contains(key));
        r.assertNoSecrets(key, "clone_env_other_key_77aa");
    }

    /** The README's test command with a class that does not exist says so and exits 2 (a usage error), running nothing. */
    @Test
    void theSuiteSaysWhenNoTestClassHasThatName(@TempDir Path tmp) {
        String javaCommand = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Result r = Running.start(List.of(javaCommand, "-cp", System.getProperty("java.class.path"), AllTests.class.getName(), "UnitTest", "NoSuchTest"),
                Map.of(), tmp).closeInput().waitFor(java.time.Duration.ofMinutes(1));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("No test class named NoSuchTest."), r.toString());
        assertEquals("", r.out(), "nothing ran: " + r);
    }

    /** Messages name commands the way the person ran the tool, so that what they suggest can be typed as it is; a usage error keeps exit 2. */
    @Test
    void messagesNameCommandsAsTheyCanBeTyped(@TempDir Path tmp) throws Exception {
        Result here = launch(tmp, Checkout.repo(), "./jbang", null, Map.of(), "login.java", "connect");
        assertEquals(1, here.exit(), here.toString());
        assertTrue(here.err().contains("Run './jbang login.java login' to sign in") && here.err().contains("'./jbang login.java set -'"),
                here.toString());
        assertFalse(here.err().contains("'login'") || here.err().contains("'clone-login"), "one form only: " + here);

        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Result there = launch(tmp, elsewhere, Checkout.repo().resolve("jbang").toString(), null, Map.of(),
                Checkout.repo().resolve("login.java").toString(), "status", "--bogus");
        assertEquals(2, there.exit(), there.toString());
        String typed = Checkout.repo().resolve("jbang") + " " + Checkout.repo().resolve("login.java");
        assertTrue(there.err().contains("See '" + typed + " status --help' for usage."), there.toString());
    }

    /**
     * Agents started together after an install or an update: three first runs at once on an empty JBang
     * cache. JBang builds without a lock (jbangdev/jbang#2445), so the launcher lets one JBang phase run at
     * a time in each cache; every run must then print the status.
     */
    @Test
    @DisabledOnOs(OS.WINDOWS) // jbang.cmd has no lock: the README says to build once first
    void firstRunsStartedTogetherAllSucceed(@TempDir Path tmp) throws Exception {
        Map<String, String> freshCache = Map.of("JBANG_DIR", tmp.resolve("jbang-home").toString());
        List<Running> runs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            runs.add(Running.jbang("./jbang", new Tool(tmp.resolve("run" + i)), Checkout.repo(), freshCache, "login.java", "status")
                    .closeInput());
        }
        for (int i = 0; i < runs.size(); i++) {
            Result r = runs.get(i).waitFor(java.time.Duration.ofMinutes(3));
            assertEquals(0, r.exit(), "run " + i + ":\n" + r);
            assertEquals(demoStatus(tmp.resolve("run" + i)), r.outLines(), r.toString());
        }
    }

    /**
     * The launcher's lock is per JBang cache, found as JBang finds it, so runs on other caches (a fresh one, a
     * CI job's) never wait for each other, and one cache named two ways (JBANG_DIR, or -Duser.home in
     * JBANG_JAVA_OPTIONS, as a sandboxed agent sets it) is one lock.
     */
    @Test
    @DisabledOnOs(OS.WINDOWS) // jbang.cmd has no lock
    void oneLockPerJBangCacheHoweverItIsNamed(@TempDir Path tmp) throws Exception {
        String launcher = launcherCopy(tmp).toString();
        Path jars = tmp.resolve("checkout/.jbang");
        Path home = Files.createDirectories(tmp.resolve("home"));
        Map<String, String> byDir = Map.of("JBANG_DIR", home.resolve(".jbang").toString(), "JBANG_NO_CDS", "1");
        Map<String, String> byUserHome = Map.of("JBANG_JAVA_OPTIONS", "-Duser.home=" + home, "JBANG_NO_CDS", "1");
        Map<String, String> other = Map.of("JBANG_DIR", tmp.resolve("other-jbang").toString(), "JBANG_NO_CDS", "1");

        List<List<String>> locks = new ArrayList<>();
        for (Map<String, String> named : List.of(byDir, byUserHome, other)) {
            List<String> command = new ArrayList<>(named == byUserHome ? List.of("env", "-u", "JBANG_DIR") : List.of()); // user.home alone
            command.addAll(List.of(launcher, "version"));
            Result r = Running.jbang(command, new Tool(tmp.resolve("tool")), tmp, named).closeInput().waitFor(java.time.Duration.ofMinutes(1));
            assertEquals(0, r.exit(), r.toString());
            try (var files = Files.list(jars)) {
                locks.add(files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".lock")).sorted().toList());
            }
        }
        assertEquals(1, locks.get(0).size(), locks.toString());
        assertEquals(locks.get(0), locks.get(1), "one cache named two ways is one lock");
        assertEquals(2, locks.get(2).size(), "another cache, another lock: " + locks);
    }

    /**
     * Git Bash, MSYS2 and Cygwin: ./jbang runs a Windows JVM there, which ends its lines with \r\n. Simulated
     * with a uname that says MINGW64 and a JDK whose java adds \r to each line JBang prints (the JDK's
     * files, linked, with that java in front of the real one).
     */
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void worksUnderGitBashWhereJavaEndsLinesWithCarriageReturns(@TempDir Path tmp) throws Exception {
        Path realJdk = Paths.get(System.getProperty("java.home"));
        Path jdk = linkedJdk(tmp);
        Path javaScript = Files.writeString(jdk.resolve("bin/java"), "#!/bin/sh\n"
                + "case \" $* \" in *\" dev.jbang.Main \"*) out=$(\"" + realJdk.resolve("bin/java") + "\" \"$@\"); rc=$?; "
                + "printf '%s\\n' \"$out\" | sed 's/$/\\r/'; exit $rc;; esac\n"
                + "exec \"" + realJdk.resolve("bin/java") + "\" \"$@\"\n");
        Path shims = Files.createDirectories(tmp.resolve("shims"));
        Path uname = Files.writeString(shims.resolve("uname"), "#!/bin/sh\necho MINGW64_NT-10.0-19045\n");
        for (Path script : List.of(javaScript, uname)) Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));

        Result r = launch(tmp, Checkout.repo(), "./jbang", null, Map.of("JAVA_HOME", jdk.toString(),
                "PATH", shims + ":" + System.getenv("PATH"), "JBANG_NO_CDS", "1"), "login.java", "status");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(demoStatus(tmp), r.outLines());
    }

    /** A checkout of the launcher alone, its JBang jar copied beside it (no archive, no lock yet): checkout/jbang. */
    static Path launcherCopy(Path tmp) throws IOException {
        Path jars = Files.createDirectories(tmp.resolve("checkout/.jbang"));
        Files.copy(Checkout.repo().resolve("jbang"), jars.resolveSibling("jbang"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        try (var files = Files.list(Checkout.repo().resolve(".jbang"))) {
            for (Path jar : files.filter(j -> j.toString().endsWith(".jar")).toList()) Files.copy(jar, jars.resolve(jar.getFileName()));
        }
        return jars.resolveSibling("jbang");
    }

    /** A JDK of its own folder (its files linked, bin/java a copy of the link that a test may replace): the launcher keys its archive by the folder. */
    static Path linkedJdk(Path tmp) throws IOException {
        Path realJdk = Paths.get(System.getProperty("java.home"));
        Path jdk = Files.createDirectories(tmp.resolve("jdk"));
        try (var entries = Files.list(realJdk)) {
            for (Path entry : entries.filter(e -> !e.getFileName().toString().equals("bin")).toList()) {
                Files.createSymbolicLink(jdk.resolve(entry.getFileName()), entry);
            }
        }
        Path bin = Files.createDirectories(jdk.resolve("bin"));
        try (var tools = Files.list(realJdk.resolve("bin"))) {
            for (Path tool : tools.filter(t -> !t.getFileName().toString().equals("java")).toList()) Files.createSymbolicLink(bin.resolve(tool.getFileName()), tool);
        }
        return jdk;
    }

    /**
     * A checkout used read-only (a shared or baked-in one): the launcher takes no lock there and makes no
     * class-data archive for JBang's JVM (a JDK that has none yet: this one's own folder), and the run works.
     * (Writing the archive into a read-only folder made JDK 25 refuse to start.) Read-only through a private
     * read-only bind mount, as root ignores file modes.
     */
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aReadOnlyCheckoutStillRuns(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root and unshare");
        Path jdk = linkedJdk(tmp);
        Files.createSymbolicLink(jdk.resolve("bin/java"), Paths.get(System.getProperty("java.home"), "bin", "java"));
        Path launcherFolder = Checkout.repo().resolve(".jbang");
        String readOnly = "mount --bind " + Checkout.shellQuote(launcherFolder.toString()) + " " + Checkout.shellQuote(launcherFolder.toString())
                + " && mount -o remount,bind,ro " + Checkout.shellQuote(launcherFolder.toString()) + " && exec ./jbang login.java status";
        Result r = Running.jbang(List.of("unshare", "-m", "bash", "-c", readOnly), new Tool(tmp), Checkout.repo(),
                Map.of("JAVA_HOME", jdk.toString())).closeInput().waitFor(java.time.Duration.ofMinutes(3));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(demoStatus(tmp), r.outLines(), r.toString());
    }

    /**
     * The launcher's class-data archive for JBang's JVM, cut short (a checkout copied or restored
     * incompletely): never mapped (mapped, it kills the JVM with SIGBUS on JDK 17), removed, and made anew.
     * A copy of the launcher and its jar, so that the archive is this test's own.
     */
    @Test
    @DisabledOnOs(OS.WINDOWS)
    void aTruncatedLauncherArchiveIsNotUsed(@TempDir Path tmp) throws Exception {
        String launcher = launcherCopy(tmp).toString();
        Path copy = tmp.resolve("checkout/.jbang");
        String script = Checkout.repo().resolve("login.java").toString();
        assertEquals(0, launch(tmp, tmp, launcher, null, Map.of(), script, "status").exit());
        List<Path> archives;
        try (var files = Files.list(copy)) {
            archives = files.filter(f -> f.toString().endsWith(".jsa")).toList();
        }
        assertEquals(1, archives.size(), "the first run made one: " + archives);
        Path archive = archives.get(0);
        long whole = Files.size(archive);
        assertTrue(archive.getFileName().toString().endsWith("-" + whole + ".jsa"), "named by its size: " + archive);
        archive.toFile().setWritable(true);
        try (var channel = java.nio.channels.FileChannel.open(archive, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(whole / 2);
        }

        Result r = launch(tmp, tmp, launcher, null, Map.of(), script, "status");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(demoStatus(tmp), r.outLines(), r.toString());
        try (var files = Files.list(copy)) {
            List<Path> now = files.filter(f -> f.toString().endsWith(".jsa")).toList();
            assertEquals(1, now.size(), "the cut archive was removed and one made anew: " + now);
            String name = now.get(0).getFileName().toString();
            assertEquals(name.substring(name.lastIndexOf('-') + 1, name.length() - ".jsa".length()), Long.toString(Files.size(now.get(0))),
                    "made anew, whole, and named by its size");
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList(), "no crash report");
        }
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void worksFromAnotherFolderAndThroughASymlink(@TempDir Path tmp) throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(elsewhere.resolve("jb"), Checkout.repo().resolve("jbang"));
        String script = Checkout.repo().resolve("login.java").toString();
        Result r = launch(tmp, elsewhere, link.toString(), null, Map.of(), script, "status");
        assertEquals(0, r.exit(), r.toString());
        assertEquals(demoStatus(tmp), r.outLines());
    }
}
