
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peers that answer slowly or never finish (contract sections 7 and 8): one deadline for the whole
 * answer, the browser and the terminal agreeing on the outcome, and Ctrl-C telling the truth about
 * what was stored.
 *
 * <p>The deadline runs are the tool's own code in this JVM with a short deadline (Env.withLimits; the
 * contract's 30 s is Env.Limits.CONTRACT, checked in UnitTest). Each test starts what it judges, against
 * a fake dashboard of its own; they run side by side, as most of their time is waiting.
 */
@Execution(ExecutionMode.CONCURRENT)
class SlowPeerTest {
    static final String KEY = Contract.LOGIN_KEY;
    static final String CODE = Contract.CODE;
    /** The deadline for a whole answer the deadline runs are given: short, and longer than any answer of a fake that does answer. */
    static final Duration DEADLINE = Duration.ofSeconds(3);

    final List<FakeDashboard> dashboards = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Running> started = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The tool in a folder of its own, against a fake dashboard of its own. */
    record Peer(Path dir, FakeDashboard dash, Tool tool) {
        Path config() { return dir.resolve("data/auth.local.json"); }
    }

    Peer peer(Path dir) {
        FakeDashboard dash = FakeDashboard.start(Checkout.fixtures());
        dashboards.add(dash);
        return new Peer(dir, dash, new Tool(dir).against(dash).with("CLAUDE_PLUGIN_DATA", dir.resolve("data").toString()));
    }

    /** The tool, in this JVM, with {@link #DEADLINE} for a whole answer. */
    static Tool deadline(Tool tool) {
        return tool.configure(e -> e.withLimits(login.Env.Limits.CONTRACT.withResponse(DEADLINE)));
    }

    Running login(Tool tool) {
        Running run = tool.start("login", "--no-open").closeInput();
        started.add(run);
        return run;
    }

    /** A browser request (or anything that blocks) on a thread of its own. */
    static <T> CompletableFuture<T> inBackground(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(work.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        }, "SlowPeerTest browser");
        t.setDaemon(true);
        t.start();
        return result;
    }

    @AfterEach void stopEverything() {
        started.forEach(Running::stop);
        dashboards.forEach(FakeDashboard::close);
    }

    // ---- deadlines ----

    @Test
    void anExchangeThatDripsItsBodyFailsAtTheDeadlineAndThePageSaysTheSame(@TempDir Path dir) throws Exception {
        Peer peer = peer(dir);
        peer.dash().exchange("exchange-drips-forever");
        Running run = login(deadline(peer.tool()));
        String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);

        HttpResponse<String> page = Browser.browse(url, DEADLINE.multipliedBy(3));
        Result r = run.waitFor(DEADLINE.multipliedBy(2));

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone Loop login exchange got no complete answer from 127.0.0.1 within " + DEADLINE.toSeconds() + " s."),
                r.toString());
        assertEquals(502, page.statusCode(), page.body());
        assertTrue(page.body().contains("no complete answer"), "the page tells the same story: " + page.body());
        assertFalse(Files.exists(peer.config()), "nothing stored");
        assertEquals(1, peer.dash().calls(FakeDashboard.EXCHANGE_PATH).size(), "the code was sent once, never again");
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    @Test
    void anMcpAnswerThatDripsFailsConnectAtTheDeadline(@TempDir Path dir) throws Exception {
        Peer peer = peer(dir);
        peer.dash().initialize("mcp-initialize-drips-forever");
        Files.createDirectories(peer.config().getParent());
        Files.writeString(peer.config(), "{\"clone_api_token\": \"" + KEY + "\"}\n");
        Running run = deadline(peer.tool()).start("connect").closeInput();
        started.add(run);

        Result r = run.waitFor(DEADLINE.multipliedBy(3));

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone MCP initialize got no complete answer from 127.0.0.1 within " + DEADLINE.toSeconds() + " s."),
                r.toString());
        assertEquals(1, peer.dash().calls(FakeDashboard.MCP_PATH).size());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    // ---- Ctrl-C: a signal, so a process ----

    @Test @DisabledOnOs(OS.WINDOWS)
    void ctrlCDuringTheExchangeSaysNothingWasStoredAndIsRight(@TempDir Path dir) throws Exception {
        Peer peer = peer(dir);
        peer.dash().exchange("exchange-drips-forever");
        Running run = login(peer.tool().withDefaultSigint());
        String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);
        CompletableFuture<HttpResponse<String>> page = inBackground(() -> Browser.browse(url));
        assertTrue(peer.dash().awaitCalls(FakeDashboard.EXCHANGE_PATH, 1, Browser.WAIT));

        run.interrupt();
        Result r = run.waitFor(Duration.ofSeconds(10));

        assertEquals(130, r.exit(), r.toString());
        assertTrue(r.err().contains("while the code was being exchanged; nothing was stored"), r.toString());
        assertFalse(Files.exists(peer.config()));
        assertEquals(List.of(), Checkout.names(peer.config().getParent()), "the config's lock, held since before the code was sent, is gone too");
        page.cancel(true);
        r.assertNoSecrets(CODE).assertNoStackTrace();
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void ctrlCAfterTheKeyIsStoredSaysItIsStoredAndHowToConnect(@TempDir Path dir) throws Exception {
        Peer peer = peer(dir);
        peer.dash().initialize("mcp-initialize-drips-forever");
        Running run = login(peer.tool().withDefaultSigint());
        String url = run.awaitOut(Contract.AUTHORIZE, Browser.WAIT).group(1);
        inBackground(() -> Browser.browse(url)); // the login is interrupted before it answers
        assertTrue(peer.dash().awaitCalls(FakeDashboard.MCP_PATH, 1, Browser.WAIT));

        run.interrupt();
        Result r = run.waitFor(Duration.ofSeconds(10));

        assertEquals(130, r.exit(), r.toString());
        assertFalse(r.err().contains("nothing was stored"), r.toString());
        assertTrue(r.err().contains("after the key was stored in " + peer.config()) && r.err().contains("clone-login connect"), r.toString());
        Contract.assertStoredAlone(peer.config(), KEY);
        r.assertNoSecrets(KEY, CODE).assertNoStackTrace();
    }
}
