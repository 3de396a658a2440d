import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the real script as a subprocess, the way a person or an agent setup script does, in a home
 * folder of its own. The script's compiled class is on this test run's classpath (JBang compiled it
 * from ../login.java through //SOURCES), so each run costs one plain JVM start instead of a JBang one;
 * LauncherTest covers the ./jbang path itself.
 */
final class Harness {
    static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    /** Variables the tool reads: tests start without any of them, whatever the machine has set. */
    static final List<String> TOOL_VARIABLES = List.of("CLONE_API_TOKEN", "CLONE_DASHBOARD_URL", "CLONE_MCP_URL",
            "CLONE_LOOP_AGENT_ID", "PLUGIN_DATA", "PLUGIN_ROOT", "CLAUDE_PLUGIN_DATA", "CLAUDE_PLUGIN_ROOT", "CODEX_HOME",
            "CODEX_SESSION_ID", "CODEX_THREAD_ID", "BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "NO_COLOR", "HTTPS_PROXY",
            "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS");

    private Harness() {}

    /** The repository root: where login.java is, found from the working folder upwards. */
    static Path repo() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("login.java")) && Files.isDirectory(d.resolve("fixtures"))) return d;
        }
        throw new IllegalStateException("run the tests from the repository (no login.java above " + dir + ")");
    }

    static Path fixture(String name) { return repo().resolve("fixtures").resolve(name); }

    /** The lines of a README section, from its heading (e.g. "### --json") to the next heading of that level or above. */
    static List<String> readmeSection(String heading) {
        List<String> readme = read(repo().resolve("README.md")).lines().toList();
        int from = readme.indexOf(heading);
        assertTrue(from >= 0, "README.md has no heading " + heading);
        int to = from + 1;
        for (boolean inCode = false; to < readme.size(); to++) {
            String line = readme.get(to);
            if (line.startsWith("```")) inCode = !inCode;
            if (!inCode && headingLevel(line) > 0 && headingLevel(line) <= headingLevel(heading)) break;
        }
        return readme.subList(from + 1, to);
    }

    /** 1 for "# x", 2 for "## x" and so on; 0 for a line that is no heading. */
    private static int headingLevel(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == '#') n++;
        return n > 0 && n < line.length() && line.charAt(n) == ' ' ? n : 0;
    }

    /** The ```sh code blocks of a README section, each as its lines. */
    static List<List<String>> readmeShellBlocks(String heading) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = null;
        for (String line : readmeSection(heading)) {
            if (block == null && line.equals("```sh")) {
                block = new ArrayList<>();
            } else if (block != null && line.equals("```")) {
                blocks.add(List.copyOf(block));
                block = null;
            } else if (block != null) {
                block.add(line);
            }
        }
        return blocks;
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

    /** Copies a fixture config file to folder/auth.local.json (creating the folder). */
    static Path placeConfig(String fixtureName, Path folder) {
        try {
            Files.createDirectories(folder);
            return Files.copy(fixture(fixtureName), folder.resolve("auth.local.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result of one finished run. */
    record Result(int exit, String out, String err) {
        List<String> outLines() { return out.lines().toList(); }

        List<String> errLines() { return err.lines().toList(); }

        String all() { return out + "\n" + err; }

        /** No secret appears anywhere the run printed. */
        Result assertNoSecrets(String... secrets) {
            for (String s : secrets) {
                if (s == null || s.isEmpty()) continue;
                assertFalse(all().contains(s), "a secret was printed: " + s.substring(0, 4) + "...\n" + this);
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

    /** The tool with its own home folder and a clean environment. */
    static final class Tool {
        final Path home;
        final Map<String, String> env = new HashMap<>();
        private boolean defaultSigint;
        private String user;
        private final List<String> jvmOptions = new ArrayList<>();

        Tool(Path tempDir) {
            this.home = tempDir.resolve("home");
            try {
                Files.createDirectories(home);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            env.put("HOME", home.toString());
            env.put("USERPROFILE", home.toString());
        }

        Tool with(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * Restores SIGINT's default action before the tool starts (POSIX, through perl): a suite started
         * in the background inherits SIGINT ignored, and the JVM keeps it so, which would hide Ctrl-C.
         */
        Tool withDefaultSigint() {
            defaultSigint = true;
            return this;
        }

        /**
         * Runs the tool as another user (POSIX, as root): root ignores file permissions, so a folder the tool
         * cannot write, or a port it may not bind, needs someone else. The home folder becomes that user's.
         */
        Tool asUser(String name) {
            assumeTrue(!WINDOWS && "root".equals(System.getProperty("user.name")) && Files.isExecutable(Paths.get("/usr/sbin/runuser")),
                    "needs root and runuser");
            try {
                for (Path p = home; p != null && !p.equals(Paths.get(System.getProperty("java.io.tmpdir"))); p = p.getParent()) {
                    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.setOwner(home, home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.user = name;
            return this;
        }

        /** Extra options for the tool's JVM (e.g. a trust store's system properties), placed before its main class. */
        Tool withJvmOptions(List<String> options) {
            jvmOptions.addAll(options);
            return this;
        }

        /** The folder used when neither PLUGIN_DATA nor CLAUDE_PLUGIN_DATA is set. */
        Path defaultFolder() { return home.resolve(".claude/plugins/data/clone-labs-clone-loop"); }

        Path legacyFolder(String name) { return home.resolve(".claude/plugins/data").resolve(name); }

        Result run(String... args) { return runWithInput(null, args); }

        Result runWithInput(String stdin, String... args) {
            return start(args).input(stdin).closeInput().waitFor(RUN_LIMIT);
        }

        Running start(String... args) {
            List<String> command = new ArrayList<>();
            if (defaultSigint) command.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\\n\""));
            if (user != null) command.addAll(List.of("/usr/sbin/runuser", "-m", "-u", user, "--")); // -m: keep HOME and the rest
            List<String> java = new ArrayList<>(user == null ? javaCommand() : javaCommand(sharedClassPath()));
            java.addAll(1, jvmOptions); // right after the java executable
            command.addAll(java);
            command.addAll(List.of(args));
            return Running.start(command, env, repo());
        }
    }

    /**
     * The repository's own launcher (./jbang, jbang.cmd on Windows) run from a folder, with the tool's clean
     * environment plus extra variables. JBang keeps its caches under the JVM's user.home, not HOME: they
     * are pointed at this run's own, unless the extra variables say otherwise.
     */
    static Running jbang(Tool tool, Path cwd, Map<String, String> extra, String... args) {
        List<String> command = new ArrayList<>();
        if (WINDOWS) command.addAll(List.of("cmd.exe", "/c", repo().resolve("jbang.cmd").toString()));
        else command.add(repo().resolve("jbang").toString());
        command.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(tool.env);
        String userHome = System.getProperty("user.home");
        env.put("JBANG_DIR", System.getenv().getOrDefault("JBANG_DIR", Paths.get(userHome, ".jbang").toString()));
        env.put("JBANG_REPO", System.getenv().getOrDefault("JBANG_REPO", Paths.get(userHome, ".m2", "repository").toString()));
        env.putAll(extra);
        return Running.start(command, env, cwd);
    }

    static List<String> javaCommand() { return javaCommand(System.getProperty("java.class.path")); }

    static List<String> javaCommand(String classPath) {
        String java = Paths.get(System.getProperty("java.home"), "bin", WINDOWS ? "java.exe" : "java").toString();
        return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "--add-opens=java.net.http/jdk.internal.net.http=ALL-UNNAMED",
                "-cp", classPath, "login");
    }

    private static String sharedClassPath;

    /** This run's class path copied where any user can read it (the originals sit in root's home). */
    static synchronized String sharedClassPath() {
        if (sharedClassPath != null) return sharedClassPath;
        try {
            Path dir = Files.createTempDirectory("clone-login-cp");
            dir.toFile().deleteOnExit();
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> copies = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path source = Paths.get(entry);
                if (!Files.isRegularFile(source)) continue;
                Path copy = Files.copy(source, dir.resolve(i++ + "-" + source.getFileName()));
                Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                copy.toFile().deleteOnExit();
                copies.add(copy.toString());
            }
            return sharedClassPath = String.join(java.io.File.pathSeparator, copies);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A process whose output lines can be awaited as they come. */
    static final class Running {
        final Process process;
        private final StringBuilder out = new StringBuilder();
        private final StringBuilder err = new StringBuilder();
        private final Thread outReader;
        private final Thread errReader;

        private Running(Process process) {
            this.process = process;
            this.outReader = pump(process.getInputStream(), out);
            this.errReader = pump(process.getErrorStream(), err);
        }

        static Running start(List<String> command, Map<String, String> env, Path dir) {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
            Map<String, String> e = pb.environment();
            TOOL_VARIABLES.forEach(e::remove);
            e.putAll(env);
            try {
                return new Running(pb.start());
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        private Thread pump(InputStream in, StringBuilder sink) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    int c;
                    while ((c = r.read()) != -1) {
                        synchronized (this) {
                            sink.append((char) c);
                            if (c == '\n') notifyAll();
                        }
                    }
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

        /** Writes to standard input; null closes it at once (as CI does: no standard input). */
        Running input(String text) {
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

        Running closeInput() {
            try {
                process.getOutputStream().close();
            } catch (IOException e) {
                // already closed
            }
            return this;
        }

        /** Waits for a line on standard output matching the pattern; returns the match. */
        Matcher awaitOut(Pattern pattern, Duration timeout) { return await(out, pattern, timeout, "stdout"); }

        Matcher awaitErr(Pattern pattern, Duration timeout) { return await(err, pattern, timeout, "stderr"); }

        private synchronized Matcher await(StringBuilder sink, Pattern pattern, Duration timeout, String name) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Matcher m = pattern.matcher(sink);
                if (m.find()) return m;
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !outReader.isAlive() && !errReader.isAlive())) {
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

        Result waitFor(Duration timeout) {
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
            synchronized (this) {
                capture(out.toString());
                capture(err.toString());
                return new Result(process.exitValue(), out.toString(), err.toString());
            }
        }

        /** Sends SIGINT, as Ctrl-C does (POSIX only). */
        void interrupt() {
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
