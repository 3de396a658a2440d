
package clone.login;

import java.util.List;
import java.util.regex.Pattern;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The result of one finished run; {@code stdoutBytes} only for a process (in this JVM there are no bytes). */
record Result(int exit, String out, String err, byte[] stdoutBytes) {
    List<String> outLines() { return out.lines().toList(); }

    List<String> errLines() { return err.lines().toList(); }

    String all() { return out + "\n" + err; }

    /** The exact bytes the process wrote to standard output. */
    byte[] outBytes() {
        assertTrue(stdoutBytes != null, "only a process has output bytes: run it with Tool.process()");
        return stdoutBytes;
    }

    /** No secret appears anywhere the run printed. */
    Result assertNoSecrets(String... secrets) {
        for (String s : secrets) {
            if (s == null || s.isEmpty()) continue;
            assertFalse(all().contains(s), "a secret was printed: " + s.substring(0, Math.min(4, s.length())) + "...\n" + this);
        }
        return this;
    }

    /** Errors are sentences, never stack traces. */
    Result assertNoStackTrace() {
        assertFalse(Pattern.compile("(?m)^\\s+at [\\w.$]+\\(").matcher(all()).find(), "stack trace printed:\n" + this);
        assertFalse(all().contains("Exception in thread"), "uncaught exception:\n" + this);
        return this;
    }

    @Override public String toString() { return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err; }
}
