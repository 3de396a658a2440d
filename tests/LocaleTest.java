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

/**
 * Containers, cron and 'ssh host cmd' often run without a locale, and JDK 17 then reads sources and
 * writes output as US-ASCII. Every JBang entry point is compiled from a fresh JBang cache under
 * LC_ALL=C, and the tool prints the same UTF-8 bytes there as under C.UTF-8 (as the Node command does).
 *
 * <p>The five builds run at once, and their javac runs with C1 only ({@code -C=-J-XX:TieredStopAtLevel=1}:
 * a JIT flag of javac's own JVM, which changes neither what is compiled nor how sources are read), which
 * halves their CPU time. The later steps run the login.java the first one built; the first of them is
 * the first run of that build, which JBang has write its class archive.
 */
@DisabledOnOs(OS.WINDOWS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocaleTest {
    static final List<String> ENTRY_POINTS = List.of("login.java", "tests/AllTests.java", "tests/FakeDashboard.java",
            "tests/Benchmark.java", "tests/JBangFloor.java");

    @TempDir Path tmp;
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

    @Test @Order(1)
    void everyEntryPointCompilesWithoutALocale() throws Exception {
        cache = Files.createDirectories(tmp.resolve("jbang-cache"));
        Harness.Tool tool = new Harness.Tool(tmp);
        List<Harness.Running> builds = new ArrayList<>();
        for (String script : ENTRY_POINTS) {
            builds.add(Harness.jbang(tool, Harness.repo(), locale("C"), "build", "-C=-J-XX:TieredStopAtLevel=1", script));
        }
        for (int i = 0; i < builds.size(); i++) {
            Harness.Result r = builds.get(i).waitFor(Duration.ofMinutes(3));
            assertEquals(0, r.exit(), ENTRY_POINTS.get(i) + " under LC_ALL=C:\n" + r);
        }
    }

    @Test @Order(2)
    void statusPrintsTheSameUtf8BytesWithoutALocale() {
        Harness.Tool tool = new Harness.Tool(tmp);
        Harness.Result c = Harness.jbang(tool, Harness.repo(), locale("C"), "login.java", "status").closeInput().waitFor(Harness.RUN_LIMIT);
        Harness.Result utf8 = Harness.jbang(tool, Harness.repo(), locale("C.UTF-8"), "login.java", "status").closeInput()
                .waitFor(Harness.RUN_LIMIT);
        assertEquals(0, c.exit(), c.toString());
        String expected = String.join("\n", Contract.demoStatus(tool.defaultFolder())) + "\n";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), c.out().getBytes(StandardCharsets.UTF_8), c.out());
        assertEquals(utf8.out(), c.out());
    }

    /**
     * The status above was the first run of this build, so its JVM wrote JBang's class archive (//CDS) at
     * exit, without a word on the output (checked above): the archive must hold what a login loads (the HTTP
     * client, Unirest, the TLS engine), which a status alone never would, or a login would not gain from it.
     */
    @Test @Order(3)
    void theFirstRunLeavesAClassArchiveThatHoldsALogin() throws Exception {
        String archive = new String(Files.readAllBytes(archive()), StandardCharsets.ISO_8859_1);
        for (String loginClass : List.of("jdk/internal/net/http/HttpClientImpl", "kong/unirest/core/UnirestInstance",
                "sun/security/ssl/SSLEngineImpl", "sun/net/httpserver/ServerImpl")) {
            assertTrue(archive.contains(loginClass), "the archive a status run made has no " + loginClass);
        }
    }

    /** JBang's class archive beside the jar it built from login.java here: there must be exactly one. */
    Path archive() throws IOException {
        List<Path> archives;
        try (var files = Files.walk(cache.resolve("jars"))) {
            archives = files.filter(p -> p.getFileName().toString().equals("login.jsa")).toList();
        }
        assertEquals(1, archives.size(), "one archive beside the login.java jar: " + archives);
        return archives.get(0);
    }

    /**
     * One archive serves every JDK that runs the jar, and another JDK's makes the JVM drop class sharing
     * altogether: a run that finds one deletes it, and the next run writes one for the JDK in use. Here
     * the archive is swapped for one whose header names another JVM.
     */
    @Test @Order(4)
    void anArchiveAnotherJdkWroteIsReplacedByOneForThisJdk() throws Exception {
        Path archive = archive();
        Files.delete(archive);
        Files.write(archive, "OpenJDK 64-Bit Server VM (0.0.0-another+1) for linux-amd64 JRE (0.0.0-another+1)".getBytes(StandardCharsets.US_ASCII));
        Harness.Tool tool = new Harness.Tool(tmp);
        String expected = String.join("\n", Contract.demoStatus(tool.defaultFolder())) + "\n";
        Harness.Result foreign = Harness.jbang(tool, Harness.repo(), locale("C"), "login.java", "status").closeInput().waitFor(Harness.RUN_LIMIT);
        assertEquals(0, foreign.exit(), foreign.toString());
        assertEquals(expected, foreign.out());
        assertFalse(Files.exists(archive), "another JDK's archive is still there");

        Harness.Result writes = Harness.jbang(tool, Harness.repo(), locale("C"), "login.java", "status").closeInput().waitFor(Harness.RUN_LIMIT);
        assertEquals(expected, writes.out(), writes.toString());
        String header = new String(Files.readAllBytes(archive), StandardCharsets.ISO_8859_1);
        assertTrue(header.contains("HttpClientImpl") && !header.contains("0.0.0-another"), "no archive for this JDK was written");
    }

    @Test @Order(5)
    void aWholeLoginWorksWithoutALocale() throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Harness.fixtures())) {
            Harness.Tool tool = new Harness.Tool(tmp).against(dash);
            Harness.Running run = Harness.jbang(tool, Harness.repo(), locale("C"), "login.java", "login", "--no-open").closeInput();
            String url = run.awaitOut(Contract.AUTHORIZE, Duration.ofSeconds(60)).group(1);
            Browser.browse(url);
            Harness.Result r = run.waitFor(Harness.RUN_LIMIT);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("Connected Clone Loop to Clone Dashboard.\n"), r.toString());
            Contract.assertStoredAlone(tool.defaultFolder().resolve("auth.local.json"), Contract.LOGIN_KEY);
            assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
            r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE);
            assertTrue(URI.create(url).getHost().equals("127.0.0.1"));
        }
    }
}
