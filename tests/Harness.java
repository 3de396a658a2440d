
package clone.login;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the whole suite shares: the JVM-wide settings a run in this JVM needs (read once per JVM, as in
 * production), what every run printed or served (for SecretAuditTest), unique values and waiting.
 * The rest has a class per job: {@link Checkout} (the repository and its README), {@link Tool} (the tool
 * with a home of its own, in this JVM or a process), {@link Running} and {@link Result} (a run, as it
 * goes and when done; the launcher), {@link Jvm} (the tool's own JVM).
 */
final class Harness {
    static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    /** The @ResourceLock of classes that run ./jbang with this user's JBang cache: two first compiles of one script would collide. */
    static final String JBANG_CACHE = "the user's JBang cache";
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        jvmSettings();
    }

    private Harness() {}

    /**
     * What the JDK reads once per JVM, set as the tool sets it, before any fake dashboard or HTTP client is made:
     * the HTTP server's settings (a receiver run in this JVM drops idle connections as in production) and Basic
     * for proxy tunnels (as main allows it). The suite's main calls this first; any other entry point gets it
     * when it first uses this class.
     */
    static void jvmSettings() {
        login.Receiver.jdkServerSettings();
        login.allowBasicForProxyTunnels();
    }

    /** Waits until the condition holds (polling it every few milliseconds); false when the timeout passed first. */
    static boolean eventually(java.util.function.BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        return true;
    }

    /** Everything the tool printed or served in this run, for SecretAuditTest. */
    private static final java.util.Queue<String> CAPTURED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Keeps a text the tool produced (output, a page) for the final audit; returns it. */
    static String capture(String text) {
        if (text != null && !text.isEmpty()) CAPTURED.add(text);
        return text;
    }

    static List<String> captured() { return List.copyOf(CAPTURED); }

    /**
     * A value no other run in this JVM has seen: the prefix and 12 random letters and digits. A test that
     * proves a secret is never printed uses one, so that no other run can have registered it with the tool.
     */
    static String unique(String prefix) {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        StringBuilder b = new StringBuilder(prefix);
        for (int i = 0; i < 12; i++) b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return b.toString();
    }
}
