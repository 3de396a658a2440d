
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The login in a real browser: BROWSER is a script that starts headless Chromium on the authorize URL;
 * the fake dashboard's approval redirect carries it to the loopback callback, and --dump-dom shows the
 * page Chromium ended on. .ci/run installs Debian's chromium; elsewhere the test skips without one.
 */
@DisabledOnOs(OS.WINDOWS)
class BrowserTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps",
            "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check");

    static Optional<Path> chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                Path p = Paths.get(dir, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A BROWSER program: headless Chromium with a fresh profile, writing the final DOM to dom.html. */
    static Path browserScript(Path dir, Path chromium) throws IOException {
        Path script = dir.resolve("browser.sh");
        Files.writeString(script, "#!/bin/sh\nexec '" + chromium + "' " + String.join(" ", FLAGS) + " --user-data-dir='" + dir.resolve("profile")
                + "' --dump-dom \"$1\" > '" + dir.resolve("dom.html") + "' 2> '" + dir.resolve("chromium.log") + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static Result loginInChromium(Path tmp, FakeDashboard dash) throws IOException {
        Path chromium = chromium().orElse(null);
        boolean ciOnLinux = "true".equals(System.getenv("CI")) && System.getProperty("os.name").startsWith("Linux");
        if (chromium == null && ciOnLinux) fail("no chromium on PATH: .ci/run installs it on Linux CI");
        assumeTrue(chromium != null, "no chromium on PATH");
        Path data = tmp.resolve("data");
        // a process, as a person starts it: next to Chromium's seconds its start costs nothing
        Running run = new Tool(tmp).with("BROWSER", browserScript(tmp, chromium).toString())
                .with("CLAUDE_PLUGIN_DATA", data.toString()).against(dash).process()
                .start("--verbose", "login", "--timeout", "90s").closeInput();
        run.awaitOut(Contract.AUTHORIZE, Browser.WAIT);
        Result r = run.waitFor(Duration.ofSeconds(120));
        endChromium(tmp.resolve("profile"));
        return r;
    }

    /**
     * Chromium outlives the login (it writes the page it ended on, then its profile), and so may processes it
     * started: each of them names the profile folder on its command line. They are waited for, and killed
     * if they linger, before the test ends, so nothing writes into the test's folder while it is removed.
     */
    static void endChromium(Path profile) {
        java.util.function.Supplier<List<ProcessHandle>> using = () -> ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(profile.toString())).orElse(false)).toList();
        if (Harness.eventually(() -> using.get().isEmpty(), Duration.ofSeconds(30))) return;
        using.get().forEach(ProcessHandle::destroyForcibly);
        assertTrue(Harness.eventually(() -> using.get().isEmpty(), Duration.ofSeconds(10)), "Chromium still runs: " + using.get());
    }

    @Test
    void chromiumCompletesTheLoginAndShowsTheSuccessPage(@TempDir Path tmp) throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Result r = loginInChromium(tmp, dash);
            assertEquals(0, r.exit(), r + "\n--- chromium\n" + readIfThere(tmp.resolve("chromium.log")));
            assertTrue(Checkout.read(tmp.resolve("data/auth.local.json")).contains("\"clone_api_token\": \"" + KEY + "\""));
            assertEquals(1, dash.calls(FakeDashboard.CONNECT_PATH).size());
            assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
            assertEquals(2, dash.calls(FakeDashboard.MCP_PATH).size());
            String dom = Checkout.read(tmp.resolve("dom.html"));
            assertTrue(dom.contains("Clone Loop is connected"), dom);
            assertFalse(dom.contains(KEY) || dom.contains(Contract.CODE), "the page holds no secret");
            assertTrue(r.outLines().contains("Connected Clone Loop to Clone Dashboard."), r.toString());
            // Chromium reached the callback once; anything else it asked for (its favicon) was answered and ignored
            List<String> requests = r.errLines().stream().filter(l -> l.startsWith("[verbose] Callback server: "))
                    .map(l -> l.substring("[verbose] Callback server: ".length())).toList();
            assertEquals(1, requests.stream().filter("GET /callback"::equals).count(), requests.toString());
            assertTrue(List.of("GET /callback", "GET /favicon.ico").containsAll(requests), requests.toString());
            r.assertNoSecrets(KEY, Contract.CODE).assertNoStackTrace();
        }
    }

    @Test
    void chromiumShowsTheFailurePageWithItsReason(@TempDir Path tmp) throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures()).exchange("exchange-expired.http")) {
            Result r = loginInChromium(tmp, dash);
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains("Authorization code expired. Start the login again."), r.toString());
            assertFalse(Files.exists(tmp.resolve("data/auth.local.json")), "nothing written");
            String dom = Checkout.read(tmp.resolve("dom.html"));
            assertTrue(dom.contains("Clone Loop login failed") && dom.contains("Authorization code expired. Start the login again."), dom);
            assertEquals(0, dash.calls(FakeDashboard.MCP_PATH).size());
            r.assertNoSecrets(Contract.CODE);
        }
    }

    private static String readIfThere(Path p) {
        return Files.exists(p) ? Checkout.read(p) : "";
    }
}
