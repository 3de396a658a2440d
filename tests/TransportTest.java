
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The one HTTP client's end. Isolated: the selector thread is found as the one thread of its kind that
 * starts during the test, so no other class may make an HTTP client meanwhile.
 */
@Isolated
class TransportTest {
    static final String KEY = "clone_live_transport_Kd83hLq0Zx4e";

    @TempDir Path tmp;

    /**
     * Closing the dashboard's transport ends its HTTP client's selector thread: it waits in native code, and
     * at exit the JVM waits about 0.3 s for such a thread (the Performance section of the README). It ends
     * within seconds, not at the JVM's exit.
     */
    @Test void closingTheTransportEndsItsSelectorThread() throws Exception {
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            login.Env env = login.Env.of(Map.of("CLONE_MCP_URL", dash.mcpUrl()), tmp);
            Set<Thread> before = Thread.getAllStackTraces().keySet();
            List<Thread> selectors;
            try (login.Dashboard dashboard = new login.HttpDashboard(env, login.Ui.quiet(env), null)) {
                assertEquals(login.Check.Verdict.ACCEPTED, dashboard.check(KEY).verdict());
                selectors = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                        .filter(t -> t.getName().matches("HttpClient-\\d+-SelectorManager")).toList();
            }
            assertEquals(1, selectors.size(), "this client's selector: " + selectors);
            selectors.get(0).join(Duration.ofSeconds(5).toMillis());
            assertFalse(selectors.get(0).isAlive(), "the selector thread still runs after close");
        }
    }
}
