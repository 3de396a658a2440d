
package clone.login;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Containers, cron and 'ssh host cmd' often run without a locale, and JDK 17 then reads sources and
 * writes output as US-ASCII. Every source is ASCII, so no locale changes what javac reads; the tool is
 * compiled from a fresh JBang cache under LC_ALL=C (the suite's own build under LC_ALL=C, every other
 * source in it, is CI's: its Linux job without a locale starts from an empty cache, see WorkflowTest), and
 * it prints the same UTF-8 bytes there as under C.UTF-8 (as the Node command does).
 *
 * <p>The build has a cache of its own (the launcher's lock is per cache, so it waits for no other run);
 * javac runs with C1 only (the script's //COMPILE_OPTIONS -J-XX:TieredStopAtLevel=1: a JIT flag of javac's
 * own JVM, which changes neither what is compiled nor how sources are read). The later steps run what it
 * built, from that same cache: without a locale, read-only, and with a broken class-data archive beside it.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocaleTest {
    /** One folder for the class, the JBang cache in it: the steps after the first run what the first built. */
    @TempDir static Path tmp;
    Path cache;

    /** No locale at all, and a JBang cache of its own so that every script is really compiled here. */
    Map<String, String> locale(String value) {
        Map<String, String> env = new HashMap<>();
        env.put("LC_ALL", value);
        env.put("LANG", value);
        env.put("LC_CTYPE", value);
        env.put("JBANG_CACHE_DIR", cache.toString());
        return env;
    }

    /**
     * Every source holds ASCII only (other text as \\u escapes): JBang reads a script in the platform's charset
     * to key its build, so one with other bytes is built again for each locale it runs under, and javac would
     * read it differently without its -encoding.
     */
    @Test @Order(0)
    void everySourceIsAsciiSoOneBuildServesEveryLocale() throws IOException {
        List<Path> sources = new ArrayList<>(List.of(Checkout.repo().resolve("login.java")));
        try (var tests = Files.list(Checkout.repo().resolve("tests"))) {
            sources.addAll(tests.filter(p -> p.toString().endsWith(".java")).sorted().toList());
        }
        assertTrue(sources.size() > 10, sources.toString());
        for (Path source : sources) {
            byte[] bytes = Files.readAllBytes(source);
            for (int i = 0; i < bytes.length; i++) assertTrue(bytes[i] >= 0, "a byte outside ASCII in " + source + " at offset " + i);
        }
        String suite = Checkout.read(Checkout.repo().resolve("tests/AllTests.java"));
        for (Path source : sources) {
            String name = source.getFileName().toString().equals("login.java") ? "../login.java" : source.getFileName().toString();
            assertTrue(name.equals("AllTests.java") || suite.contains("//SOURCES " + name + "\n"), "the suite's build does not compile " + name);
        }
    }

    @Test @Order(1)
    void theToolCompilesFromAnEmptyCacheWithoutALocale() throws Exception {
        cache = Files.createDirectories(tmp.resolve("jbang-cache"));
        Result r = Running.jbang(new Tool(tmp), Checkout.repo(), locale("C"), "build", "login.java").waitFor(Duration.ofMinutes(3));
        assertEquals(0, r.exit(), "login.java under LC_ALL=C:\n" + r);
        buildFolder();
    }

    @Test @Order(3)
    void statusPrintsTheSameUtf8BytesWithoutALocale() {
        Tool tool = new Tool(tmp);
        Result c = Running.jbang(tool, Checkout.repo(), locale("C"), "login.java", "status").closeInput().waitFor(Running.RUN_LIMIT);
        Result utf8 = Running.jbang(tool, Checkout.repo(), locale("C.UTF-8"), "login.java", "status").closeInput()
                .waitFor(Running.RUN_LIMIT);
        assertEquals(0, c.exit(), c.toString());
        String expected = String.join("\n", Contract.demoStatus(tool.defaultFolder())) + "\n";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), c.out().getBytes(StandardCharsets.UTF_8), c.out());
        assertEquals(utf8.out(), c.out());
    }

    /** The jar JBang built from login.java in this class's cache: the folder JBang keeps its build in. */
    Path buildFolder() throws IOException {
        List<Path> jars;
        try (var files = Files.walk(cache.resolve("jars"))) {
            jars = files.filter(p -> p.getFileName().toString().equals("login.jar")).toList();
        }
        assertEquals(1, jars.size(), "one build of login.java: " + jars);
        return jars.get(0).getParent();
    }

    /**
     * A cache built ahead (a Dockerfile's jbang build) and then used read-only, as a shared or baked-in
     * cache is, before any run: every command works and prints only what it should. (JBang's class-data sharing made every
     * command exit 1 here, printing the JVM's "Unable to use shared archive" after its JSON.) The cache is
     * made read-only by a private read-only bind mount, as root ignores file modes.
     */
    @Test @Order(2)
    void aCacheUsedReadOnlyServesEveryCommand() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare")), "needs root and unshare");
        Tool tool = new Tool(tmp.resolve("read-only"));
        String key = "clone_read_only_cache_key_Zr82";
        String status = String.join("\n", Contract.demoStatus(tool.defaultFolder())) + "\n";
        for (String command : List.of("status", "status --json", "set " + key)) {
            String readOnly = "mount --bind " + Checkout.shellQuote(cache.toString()) + " " + Checkout.shellQuote(cache.toString())
                    + " && mount -o remount,bind,ro " + Checkout.shellQuote(cache.toString()) + " && exec ./jbang login.java " + command;
            Result r = Running.jbang(List.of("unshare", "-m", "bash", "-c", readOnly), tool, Checkout.repo(), locale("C"))
                    .closeInput().waitFor(Running.RUN_LIMIT);
            assertEquals(0, r.exit(), command + ":\n" + r);
            switch (command) {
                case "status" -> assertEquals(status, r.out(), r.toString());
                case "status --json" -> Contract.oneJsonObject(r);
                default -> {
                    assertEquals(List.of("Stored Clone API key in plugin config.", "Token: " + Contract.mask(key),
                            "Plugin config: " + tool.defaultFolder().resolve("auth.local.json")), r.outLines(), r.toString());
                    Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), key);
                }
            }
            r.assertNoSecrets(key);
        }
    }

    /**
     * A class-data archive cut short beside the build (a cache copied or restored incompletely, or left by
     * an older version of this script, which had JBang make one): the runs go on as if it were not there.
     * (Mapped, it killed every run with SIGBUS on JDK 17, with the fatal-error report on standard output
     * and an hs_err file in the caller's folder.) The archive is a real one of this build, truncated.
     */
    @Test @Order(4)
    void aTruncatedClassArchiveInTheCacheIsHarmless() throws Exception {
        Path build = buildFolder();
        Path archive = build.resolve("login.jsa");
        List<String> dump = new ArrayList<>(Jvm.javaCommand(build.resolve("login.jar") + java.io.File.pathSeparator
                + System.getProperty("java.class.path")));
        dump.addAll(1, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        dump.add("status");
        assertEquals(0, Running.start(dump, new Tool(tmp.resolve("dump")).env, tmp).closeInput().waitFor(Running.RUN_LIMIT).exit());
        assertTrue(Files.size(archive) > 1 << 20, "an archive was made");
        try (var channel = java.nio.channels.FileChannel.open(archive, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(Files.size(archive) / 2);
        }
        Path folder = Files.createDirectories(tmp.resolve("caller"));
        Tool tool = new Tool(tmp.resolve("truncated"));

        Result r = Running.jbang(tool, folder, locale("C"), Checkout.repo().resolve("login.java").toString(), "status")
                .closeInput().waitFor(Running.RUN_LIMIT);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(String.join("\n", Contract.demoStatus(tool.defaultFolder())) + "\n", r.out(), r.toString());
        assertEquals(List.of(), Checkout.names(folder), "no hs_err file left in the caller's folder");
    }

    @Test @Order(5)
    void aWholeLoginWorksWithoutALocale() throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Tool tool = new Tool(tmp).against(dash);
            Running run = Running.jbang(tool, Checkout.repo(), locale("C"), "login.java", "login", "--no-open").closeInput();
            String url = run.awaitOut(Contract.AUTHORIZE, Duration.ofSeconds(60)).group(1);
            Browser.browse(url);
            Result r = run.waitFor(Running.RUN_LIMIT);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("Connected Clone Loop to Clone Dashboard.\n"), r.toString());
            Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), Contract.LOGIN_KEY);
            assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
            r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
            assertTrue(URI.create(url).getHost().equals("127.0.0.1"));
        }
    }
}
