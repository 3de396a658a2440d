import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peers that answer slowly or never finish (contract sections 7 and 8): one deadline for the whole
 * answer, the browser and the terminal agreeing on the outcome, and Ctrl-C telling the truth about
 * what was stored. The deadline tests wait the real 30 s.
 */
class SlowPeerTest {
    static final String KEY = LoginFlowTest.KEY;
    static final String CODE = FakeDashboard.DEFAULT_CODE;

    @TempDir Path tmp;
    FakeDashboard dash;
    final List<Harness.Running> started = new ArrayList<>();

    @BeforeEach void startDashboard() { dash = FakeDashboard.start(Harness.repo().resolve("fixtures")); }

    @AfterEach void stopEverything() {
        started.forEach(r -> r.process.destroyForcibly());
        dash.close();
    }

    Harness.Tool tool() {
        return new Harness.Tool(tmp).with("CLONE_DASHBOARD_URL", dash.url()).with("CLONE_MCP_URL", dash.mcpUrl())
                .with("CLAUDE_PLUGIN_DATA", tmp.resolve("data").toString());
    }

    Path config() { return tmp.resolve("data/auth.local.json"); }

    Harness.Running login(Harness.Tool tool) {
        Harness.Running run = tool.start("login", "--no-open").closeInput();
        started.add(run);
        return run;
    }

    @Test
    void anExchangeThatDripsItsBodyFailsAtTheDeadlineAndThePageSaysTheSame() throws Exception {
        dash.exchange("exchange-drips-forever");
        Harness.Running run = login(tool());
        String url = run.awaitOut(LoginFlowTest.AUTHORIZE, Duration.ofSeconds(30)).group(1);

        HttpResponse<String> page = LoginFlowTest.BROWSER.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
        Harness.capture(page.body());
        Harness.Result r = run.waitFor(Duration.ofSeconds(60));

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone Loop login exchange got no complete answer from 127.0.0.1 within 30 s."), r.toString());
        assertEquals(502, page.statusCode(), page.body());
        assertTrue(page.body().contains("no complete answer"), "the page tells the same story: " + page.body());
        assertFalse(Files.exists(config()), "nothing stored");
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size(), "the code was sent once, never again");
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    @Test
    void anMcpAnswerThatDripsFailsConnectAtTheDeadline() throws IOException {
        dash.initialize("mcp-initialize-drips-forever");
        Files.createDirectories(tmp.resolve("data"));
        Files.writeString(config(), "{\"clone_api_token\": \"" + KEY + "\"}\n");

        Harness.Result r = tool().run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone MCP initialize got no complete answer from 127.0.0.1 within 30 s."), r.toString());
        assertEquals(1, dash.calls(FakeDashboard.MCP_PATH).size());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void ctrlCDuringTheExchangeSaysNothingWasStoredAndIsRight() throws Exception {
        dash.exchange("exchange-drips-forever");
        Harness.Running run = login(tool().withDefaultSigint());
        String url = run.awaitOut(LoginFlowTest.AUTHORIZE, Duration.ofSeconds(30)).group(1);
        CompletableFuture<HttpResponse<String>> page = CompletableFuture.supplyAsync(() -> {
            try {
                return LoginFlowTest.browse(url);
            } catch (IOException | InterruptedException e) {
                return null;
            }
        });
        assertTrue(dash.awaitCalls(FakeDashboard.EXCHANGE_PATH, 1, Duration.ofSeconds(30)));

        run.interrupt();
        Harness.Result r = run.waitFor(Duration.ofSeconds(10));

        assertEquals(130, r.exit(), r.toString());
        assertTrue(r.err().contains("while the code was being exchanged; nothing was stored"), r.toString());
        assertFalse(Files.exists(config()));
        page.cancel(true);
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void ctrlCAfterTheKeyIsStoredSaysItIsStoredAndHowToConnect() throws Exception {
        dash.initialize("mcp-initialize-drips-forever");
        Harness.Running run = login(tool().withDefaultSigint());
        String url = run.awaitOut(LoginFlowTest.AUTHORIZE, Duration.ofSeconds(30)).group(1);
        CompletableFuture.runAsync(() -> {
            try {
                LoginFlowTest.browse(url);
            } catch (IOException | InterruptedException e) {
                // the login is interrupted before it answers
            }
        });
        assertTrue(dash.awaitCalls(FakeDashboard.MCP_PATH, 1, Duration.ofSeconds(30)));

        run.interrupt();
        Harness.Result r = run.waitFor(Duration.ofSeconds(10));

        assertEquals(130, r.exit(), r.toString());
        assertFalse(r.err().contains("nothing was stored"), r.toString());
        assertTrue(r.err().contains("after the key was stored in " + config()) && r.err().contains("clone-login connect"), r.toString());
        KeyStoreTest.assertHolds(config(), KEY);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }
}
