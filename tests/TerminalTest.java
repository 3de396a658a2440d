
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a person sees at a real terminal (a tmux pseudo-terminal, 72 columns, so the address wraps):
 * an address typed slowly while the login waits stays on the screen exactly as typed (the tool never
 * redraws over it), a wrong paste is forgiven, and the right one completes the login.
 */
@DisabledOnOs(OS.WINDOWS)
class TerminalTest {
    static final int COLUMNS = 72;
    static final int ROWS = 16;

    @TempDir Path tmp;
    FakeDashboard dash;
    String socket;

    @BeforeEach void start() {
        assumeTrue(Files.isExecutable(Paths.get("/usr/bin/tmux")) || Files.isExecutable(Paths.get("/opt/homebrew/bin/tmux")),
                "needs tmux (.ci/run installs it)");
        dash = FakeDashboard.start(Checkout.fixtures());
        socket = "clone-login-test-" + UUID.randomUUID();
    }

    @AfterEach void stop() throws Exception {
        if (socket != null) tmux("kill-server");
        if (dash != null) dash.close();
    }

    @Test
    void typingWhileItWaitsIsNeverWipedAndAWrongPasteIsForgiven() throws Exception {
        Path exit = tmp.resolve("exit-code");
        Tool tool = new Tool(tmp).with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString()).against(dash);
        List<String> command = new ArrayList<>(List.of("env", "-i", "TERM=xterm-256color", "PATH=" + System.getenv("PATH")));
        tool.env.forEach((k, v) -> command.add(k + "=" + v));
        command.addAll(Jvm.javaCommand());
        command.addAll(List.of("login", "--no-open", "--timeout", "3m"));
        String shell = String.join(" ", command.stream().map(Checkout::shellQuote).toList()) + "; echo $? > " + Checkout.shellQuote(exit.toString())
                + "; sleep 120";
        tmux("new-session", "-d", "-x", Integer.toString(COLUMNS), "-y", Integer.toString(ROWS), shell);

        String screen = awaitScreen(Pattern.compile("Authorize: "), Duration.ofSeconds(30));
        Matcher url = Pattern.compile("Authorize: (\\S+)").matcher(joined());
        assertTrue(url.find(), screen);
        String authorize = url.group(1);
        String callback = FakeDashboard.parseQuery(URI.create(authorize).getRawQuery()).get("redirect_uri");
        String state = FakeDashboard.parseQuery(URI.create(authorize).getRawQuery()).get("state");

        // a person types an old tab's address by hand, slowly, the line wrapping as they go
        String typo = callback + "?code=" + FakeDashboard.DEFAULT_CODE + "&state=" + FakeDashboard.WRONG_STATE;
        awaitScreen(Pattern.compile("Waiting up to 3m, until \\d\\d:\\d\\d:\\d\\d UTC"), Duration.ofSeconds(10));
        for (int i = 0; i < typo.length(); i += 12) {
            tmux("send-keys", "-l", typo.substring(i, Math.min(typo.length(), i + 12)));
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(150).toNanos()); // a person's pace, not a wait for the tool
            String typed = typo.substring(0, Math.min(typo.length(), i + 12));
            assertTrue(Harness.eventually(() -> joined().contains(typed), Duration.ofSeconds(5)),
                    "what was typed is on the screen, as typed:\n" + screen());
        }
        assertTrue(typo.length() > COLUMNS, "the address wraps");
        tmux("send-keys", "Enter");
        awaitScreen(Pattern.compile("That address is from another login"), Duration.ofSeconds(10));
        assertFalse(Files.exists(exit), "the login goes on after a wrong paste");
        assertEquals(List.of(), dash.calls(FakeDashboard.EXCHANGE_PATH));

        tmux("send-keys", "-l", callback + "?code=" + FakeDashboard.DEFAULT_CODE + "&state=" + state);
        tmux("send-keys", "Enter");
        assertTrue(Harness.eventually(() -> Files.exists(exit) && !Checkout.read(exit).isBlank(), Duration.ofSeconds(30)), screen());

        assertEquals("0", Checkout.read(exit).trim(), screen());
        String end = joined();
        assertTrue(end.contains("Stored Clone API key from Clone OAuth login.") && end.contains("Connected Clone Loop to Clone Dashboard."), end);
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size());
        // the screen is not handed to SecretAuditTest: the terminal itself echoes the code the person typed
        assertFalse(end.replace(Contract.mask(Contract.LOGIN_KEY), "").contains(Contract.LOGIN_KEY), "no key on the screen");
    }

    // ---- tmux ----

    String screen() throws IOException { return tmux("capture-pane", "-p"); }

    /** The screen with wrapped lines joined back together. */
    String joined() {
        try {
            return tmux("capture-pane", "-p", "-J");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    String awaitScreen(Pattern pattern, Duration timeout) throws IOException {
        assertTrue(Harness.eventually(() -> pattern.matcher(joined()).find(), timeout), "no " + pattern + " on the screen:\n" + screen());
        return screen();
    }

    String tmux(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("tmux", "-L", socket));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
