
package clone.login;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A started run of the tool or of any command, in this JVM or as a process, whose output lines can be
 * awaited as they come; and the repository's launcher, run with the suite's JBang caches.
 */
abstract class Running {
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);

    protected final StringBuilder out = new StringBuilder();
    protected final StringBuilder err = new StringBuilder();

    /** Any command as a process, in a folder, with this JVM's environment minus Tool.VARIABLES plus env. */
    static Running start(List<String> command, Map<String, String> env, Path dir) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> e = pb.environment();
        Tool.VARIABLES.forEach(e::remove);
        e.putAll(env);
        try {
            return new ProcessRun(pb.start());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Writes to standard input; null closes it at once (as CI does: no standard input). */
    abstract Running input(String text);

    abstract Running closeInput();

    /** Waits for the end (failing after the timeout, the run stopped), keeps the output for the audit. */
    abstract Result waitFor(Duration timeout);

    /** Still running. */
    abstract boolean isAlive();

    /** Ends the run at once, if it is still going (a test that failed midway). */
    abstract void stop();

    /** No more output can come. */
    protected abstract boolean outputDone();

    /** The process (for its pid, descendants); in this JVM there is none. */
    Process process() { throw new IllegalStateException("an in-process run has no process: use Tool.process()"); }

    /** Sends SIGINT, as Ctrl-C does (POSIX processes only). */
    void interrupt() { throw new IllegalStateException("SIGINT needs a process: use Tool.withDefaultSigint()"); }

    /** Waits for a line on standard output matching the pattern; returns the match. */
    Matcher awaitOut(Pattern pattern, Duration timeout) { return await(out, pattern, timeout, "stdout"); }

    Matcher awaitErr(Pattern pattern, Duration timeout) { return await(err, pattern, timeout, "stderr"); }

    private synchronized Matcher await(StringBuilder sink, Pattern pattern, Duration timeout, String name) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(sink);
            if (m.find()) return m;
            long left = deadline - System.nanoTime();
            if (left <= 0 || outputDone()) {
                fail("no " + pattern + " on " + name + " within " + timeout + "\n--- stdout\n" + out + "--- stderr\n" + err);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, 50_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Appends what the run printed and wakes whoever awaits it. */
    protected synchronized void append(StringBuilder sink, char[] chars, int from, int length) {
        sink.append(chars, from, length);
        notifyAll();
    }

    protected synchronized Result result(int exit, byte[] stdoutBytes) {
        Harness.capture(out.toString());
        Harness.capture(err.toString());
        return new Result(exit, out.toString(), err.toString(), stdoutBytes);
    }

    /**
     * The repository's own launcher (./jbang, jbang.cmd on Windows) run from a folder, with the tool's clean
     * environment plus extra variables. JBang keeps its caches under the JVM's user.home, not HOME: they
     * are pointed at this run's own, unless the extra variables say otherwise.
     */
    static Running jbang(Tool tool, Path cwd, Map<String, String> extra, String... args) {
        return jbang(Checkout.repo().resolve("jbang").toString(), tool, cwd, extra, args);
    }

    /** The same through another path to the launcher (a symbolic link; on Windows the .cmd beside it). */
    static Running jbang(String launcher, Tool tool, Path cwd, Map<String, String> extra, String... args) {
        List<String> command = new ArrayList<>();
        if (Harness.WINDOWS) command.addAll(List.of("cmd.exe", "/c", launcher.replace("/", "\\") + ".cmd"));
        else command.add(launcher);
        command.addAll(List.of(args));
        return jbang(command, tool, cwd, extra);
    }

    /** Any command that runs the launcher (through a shell, another user), with the same environment. */
    static Running jbang(List<String> command, Tool tool, Path cwd, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(tool.env);
        String userHome = System.getProperty("user.home");
        env.put("JBANG_DIR", System.getenv().getOrDefault("JBANG_DIR", Paths.get(userHome, ".jbang").toString()));
        env.put("JBANG_REPO", System.getenv().getOrDefault("JBANG_REPO", Paths.get(userHome, ".m2", "repository").toString()));
        if (System.getenv("JBANG_CACHE_DIR") != null) env.put("JBANG_CACHE_DIR", System.getenv("JBANG_CACHE_DIR"));
        env.putAll(extra);
        return Running.start(command, env, cwd);
    }

    /**
     * The JBang cache the suite's own runs use, where the tool is compiled once. A test with a JBang home of
     * its own (a catalog, an install) may share it: what it shows is not the compile, which a fresh cache shows
     * in LocaleTest; JBang keys a build by the script's content, wherever the script came from.
     */
    static String sharedJBangCache() {
        String dir = System.getenv().getOrDefault("JBANG_DIR", Paths.get(System.getProperty("user.home"), ".jbang").toString());
        return System.getenv().getOrDefault("JBANG_CACHE_DIR", Paths.get(dir, "cache").toString());
    }

    /** A run in this JVM: login.newCommandLine(env, out, err).execute(args) on a thread of its own. */
    static final class InProcess extends Running {
        static {
            // picocli colours help when this JVM has a console, whatever the run's Env says: a run here has
            // none, as a process whose output is piped.
            System.setProperty("picocli.ansi", "false");
        }

        private final Pipe stdin = new Pipe();
        private final Thread thread;
        private volatile int exit;

        InProcess(login.Env env, String[] args) {
            PrintWriter o = new PrintWriter(new Sink(out));
            PrintWriter e = new PrintWriter(new Sink(err));
            login.Env withInput = env.stdin() == login.Env.NO_INPUT ? env : env.withStdin(stdin);
            thread = new Thread(() -> {
                try {
                    exit = login.newCommandLine(withInput, o, e).execute(args);
                } catch (Throwable t) { // what the JVM would print, were this main
                    StringWriter trace = new StringWriter();
                    t.printStackTrace(new PrintWriter(trace));
                    e.print("Exception in thread \"main\" " + trace);
                    exit = 1;
                } finally {
                    o.flush();
                    e.flush();
                    synchronized (this) {
                        notifyAll();
                    }
                }
            }, "clone-login " + (args.length > 0 ? args[0] : "")); // the command only: an argument may be a key
            thread.setDaemon(true);
            thread.start();
        }

        @Override Running input(String text) {
            if (text == null) stdin.end();
            else stdin.write(text.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        @Override Running closeInput() {
            stdin.end();
            return this;
        }

        @Override Result waitFor(Duration timeout) {
            try {
                thread.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
            if (thread.isAlive()) {
                stop();
                fail("still running after " + timeout + "\n--- stdout\n" + out + "--- stderr\n" + err);
            }
            return result(exit, null);
        }

        @Override boolean isAlive() { return thread.isAlive(); }

        /** Interrupts the run, as Ctrl-C would: a login that waits stops, closes its port and says so. */
        @Override void stop() {
            stdin.end();
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override protected boolean outputDone() { return !thread.isAlive(); }

        /** Standard output or error: every write is appended at once, as a process's pipe delivers it. */
        private final class Sink extends Writer {
            private final StringBuilder target;

            Sink(StringBuilder target) { this.target = target; }

            @Override public void write(char[] chars, int from, int length) { InProcess.this.append(target, chars, from, length); }

            @Override public void flush() {}

            @Override public void close() {}
        }
    }

    /** Standard input of an in-process run: what the test writes, then the end once it says so. */
    static final class Pipe extends InputStream {
        private byte[] buffer = new byte[0];
        private int start;
        private boolean ended;

        synchronized void write(byte[] bytes) {
            if (ended) return; // as a process that closed its input
            byte[] more = Arrays.copyOf(Arrays.copyOfRange(buffer, start, buffer.length), buffer.length - start + bytes.length);
            System.arraycopy(bytes, 0, more, buffer.length - start, bytes.length);
            buffer = more;
            start = 0;
            notifyAll();
        }

        synchronized void end() {
            ended = true;
            notifyAll();
        }

        @Override public synchronized int available() { return buffer.length - start; }

        @Override public synchronized int read() throws IOException {
            if (!awaitData()) return -1;
            return buffer[start++] & 0xff;
        }

        @Override public synchronized int read(byte[] into, int from, int length) throws IOException {
            if (length == 0) return 0;
            if (!awaitData()) return -1;
            int n = Math.min(length, available());
            System.arraycopy(buffer, start, into, from, n);
            start += n;
            return n;
        }

        /** Data to read (true), or the end (false); an interrupt ends the wait as it ends a blocked read. */
        private boolean awaitData() throws IOException {
            while (available() == 0 && !ended) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while reading standard input");
                }
            }
            return available() > 0;
        }

        @Override public synchronized void close() { end(); }
    }

    /** A process whose output is read as it comes; standard output's bytes are kept as well. */
    static final class ProcessRun extends Running {
        private final Process process;
        private final ByteArrayOutputStream stdoutBytes = new ByteArrayOutputStream();
        private final Thread outReader;
        private final Thread errReader;

        private ProcessRun(Process process) {
            this.process = process;
            this.outReader = pump(new FilterInputStream(process.getInputStream()) {
                @Override public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) keep(new byte[] {(byte) b}, 0, 1);
                    return b;
                }

                @Override public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) keep(b, off, n);
                    return n;
                }
            }, out);
            this.errReader = pump(process.getErrorStream(), err);
        }

        private void keep(byte[] bytes, int from, int length) {
            synchronized (stdoutBytes) {
                stdoutBytes.write(bytes, from, length);
            }
        }

        private Thread pump(InputStream in, StringBuilder sink) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    char[] chars = new char[8192];
                    int n;
                    while ((n = r.read(chars)) != -1) append(sink, chars, 0, n);
                } catch (IOException e) {
                    // process gone
                }
                synchronized (this) {
                    notifyAll();
                }
            });
            t.setDaemon(true);
            t.start();
            return t;
        }

        @Override Running input(String text) {
            try {
                OutputStream os = process.getOutputStream();
                if (text != null) {
                    os.write(text.getBytes(StandardCharsets.UTF_8));
                    os.flush();
                }
                if (text == null) os.close();
            } catch (IOException e) {
                // the process may already be gone; its exit code tells the rest
            }
            return this;
        }

        @Override Running closeInput() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already closed
            }
            return this;
        }

        @Override Result waitFor(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    fail("still running after " + timeout + "\n--- stdout\n" + out + "--- stderr\n" + err);
                }
                outReader.join(5000);
                errReader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
            synchronized (stdoutBytes) {
                return result(process.exitValue(), stdoutBytes.toByteArray());
            }
        }

        @Override boolean isAlive() { return process.isAlive(); }

        /** Ends the process and what it started, and waits for them: nothing a test started outlives it. */
        @Override void stop() {
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            all.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle p : all) {
                try {
                    p.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // gone already, or stuck in the kernel: nothing more a test can do
                }
            }
        }

        @Override protected boolean outputDone() { return !process.isAlive() && !outReader.isAlive() && !errReader.isAlive(); }

        @Override Process process() { return process; }

        @Override void interrupt() {
            try {
                Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start();
                assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -INT failed");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
