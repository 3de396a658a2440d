
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the tool the way a person or an agent setup script does, in a home folder of its own, and reads
 * the repository's files (fixtures, README).
 *
 * <p>A run happens in this JVM by default: the command tree is built by {@code login.newCommandLine},
 * the very method the script's {@code main} calls, with an {@code Env} of the run's variables and home
 * folder, standard input a pipe the test writes to, and standard output and error captured as they
 * come. {@link Tool#process()} runs the real script in a JVM of its own instead (its compiled class is
 * on this run's class path, with the script's //JAVA_OPTIONS), for what only a process shows: main's
 * exit through System.exit, the UTF-8 bytes it writes, SIGINT, another user, JVM options, JVM-wide
 * settings. LauncherTest covers the ./jbang path itself.
 */
final class Harness {
    static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    static final Duration RUN_LIMIT = Duration.ofSeconds(60);
    /** Variables the tool reads: tests start without any of them, whatever the machine has set. */
    static final List<String> TOOL_VARIABLES = List.of("CLONE_API_TOKEN", "CLONE_DASHBOARD_URL", "CLONE_MCP_URL",
            "CLONE_LOOP_AGENT_ID", "PLUGIN_DATA", "PLUGIN_ROOT", "CLAUDE_PLUGIN_DATA", "CLAUDE_PLUGIN_ROOT", "CODEX_HOME",
            "CODEX_SESSION_ID", "CODEX_THREAD_ID", "BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "NO_COLOR", "HTTPS_PROXY",
            "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
            "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "JBANG_LAUNCH_CMD");
    /** The @ResourceLock of classes that run ./jbang with this user's JBang cache: two first compiles of one script would collide. */
    static final String JBANG_CACHE = "the user's JBang cache";
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        // The JDK's HTTP server reads its settings once per JVM, when the first server is made: the tool's,
        // before any fake dashboard, so that a receiver run in this JVM drops idle connections as in production.
        login.Receiver.jdkServerSettings();
        login.allowBasicForProxyTunnels(); // as main does: read once, when the JVM's first HTTP client is made
    }

    private Harness() {}

    /** The repository root: where login.java is, found from the working folder upwards. */
    static Path repo() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("login.java")) && Files.isDirectory(d.resolve("fixtures"))) return d;
        }
        throw new IllegalStateException("run the tests from the repository (no login.java above " + dir + ")");
    }

    static Path fixtures() { return repo().resolve("fixtures"); }

    static Path fixture(String name) { return fixtures().resolve(name); }

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

    /** The names in a folder, sorted. */
    static List<String> names(Path folder) {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

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

    /** A new temporary folder, deleted with all it holds when this JVM exits. */
    static Path temporaryFolder(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            } catch (IOException e) {
                // a temporary folder: the system cleans it up eventually
            }
        }, "delete " + dir));
        return dir;
    }

    /** A word as a POSIX shell reads it back: single-quoted. */
    static String shellQuote(String word) { return "'" + word.replace("'", "'\\''") + "'"; }

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

    /** The tool with its own home folder and a clean environment; in this JVM unless told otherwise. */
    static final class Tool {
        final Path home;
        /** The run's variables on top of this JVM's environment, whose TOOL_VARIABLES are left out. */
        final Map<String, String> env = new HashMap<>();
        private boolean process;
        private boolean defaultSigint;
        private String user;
        private final List<String> jvmOptions = new ArrayList<>();
        private final List<UnaryOperator<login.Env>> envChanges = new ArrayList<>();

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

        /** CLONE_DASHBOARD_URL and CLONE_MCP_URL of a fake dashboard. */
        Tool against(FakeDashboard dash) {
            return with("CLONE_DASHBOARD_URL", dash.url()).with("CLONE_MCP_URL", dash.mcpUrl());
        }

        /**
         * Runs the real script in a JVM of its own: for main's exit code through System.exit, the bytes on
         * standard output, signals, and anything JVM-wide.
         */
        Tool process() {
            process = true;
            return this;
        }

        /** Changes the login.Env an in-process run gets (a terminal, a clock, limits). */
        Tool configure(UnaryOperator<login.Env> change) {
            envChanges.add(change);
            return this;
        }

        /** Standard input that can bring no line (/dev/null, or closed), as the tool tells it apart from a pipe. In this JVM only. */
        Tool withoutInput() { return configure(e -> e.withStdin(login.Env.NO_INPUT)); }

        /** A person's terminal (colour; no real console to read from): TERM set, and an Env that says so. In this JVM only. */
        Tool onTerminal() { return with("TERM", "xterm-256color").configure(e -> e.withTerminal(new login.Env.Terminal(null))); }

        /**
         * Restores SIGINT's default action before the tool starts (POSIX, through perl): a suite started
         * in the background inherits SIGINT ignored, and the JVM keeps it so, which would hide Ctrl-C.
         * A signal needs a process.
         */
        Tool withDefaultSigint() {
            defaultSigint = true;
            return process();
        }

        /**
         * Runs the tool as another user (POSIX, as root, a process): root ignores file permissions, so a
         * folder the tool cannot write, or a port it may not bind, needs someone else. The home folder
         * becomes that user's.
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
            return process();
        }

        /** Extra options for the tool's JVM (e.g. a trust store's system properties), placed before its main class; a process. */
        Tool withJvmOptions(List<String> options) {
            jvmOptions.addAll(options);
            return process();
        }

        /** The folder used when neither PLUGIN_DATA nor CLAUDE_PLUGIN_DATA is set. */
        Path defaultFolder() { return home.resolve(".claude/plugins/data/clone-labs-clone-loop"); }

        Path legacyFolder(String name) { return home.resolve(".claude/plugins/data").resolve(name); }

        /** What the run sees: this JVM's environment without the variables the tool reads, plus the run's own. */
        Map<String, String> environment() {
            Map<String, String> all = new HashMap<>(System.getenv());
            TOOL_VARIABLES.forEach(all::remove);
            all.putAll(env);
            return all;
        }

        Result run(String... args) { return runWithInput(null, args); }

        Result runWithInput(String stdin, String... args) {
            return start(args).input(stdin).closeInput().waitFor(RUN_LIMIT);
        }

        Running start(String... args) {
            if (!process) {
                login.Env e = login.Env.of(environment(), home);
                for (UnaryOperator<login.Env> change : envChanges) e = change.apply(e);
                return new InProcess(e, args);
            }
            if (!envChanges.isEmpty()) throw new IllegalStateException("configure() changes an in-process run's Env; this one is a process");
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
        return jbang(repo().resolve("jbang").toString(), tool, cwd, extra, args);
    }

    /** The same through another path to the launcher (a symbolic link; on Windows the .cmd beside it). */
    static Running jbang(String launcher, Tool tool, Path cwd, Map<String, String> extra, String... args) {
        List<String> command = new ArrayList<>();
        if (WINDOWS) command.addAll(List.of("cmd.exe", "/c", launcher.replace("/", "\\") + ".cmd"));
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

    private static List<String> scriptJavaOptions;

    /** What login.java's //JAVA_OPTIONS lines give its JVM, as JBang reads them: words of the header's lines. */
    static synchronized List<String> scriptJavaOptions() {
        if (scriptJavaOptions == null) {
            List<String> options = new ArrayList<>();
            for (String line : read(repo().resolve("login.java")).lines().toList()) {
                if (line.startsWith("import ")) break;
                if (line.startsWith("//JAVA_OPTIONS ")) options.addAll(Arrays.asList(line.substring("//JAVA_OPTIONS ".length()).trim().split("\\s+")));
            }
            assertFalse(options.isEmpty(), "login.java has no //JAVA_OPTIONS lines");
            scriptJavaOptions = List.copyOf(options);
        }
        return scriptJavaOptions;
    }

    /**
     * The script's main class in a JVM of its own, with the script's JVM options and this run's class
     * path, and this run's archive of the tool's classes ({@link #classArchive()}).
     */
    static List<String> javaCommand() {
        List<String> command = new ArrayList<>(javaCommand(System.getProperty("java.class.path")));
        command.addAll(1, classArchive());
        return command;
    }

    static List<String> javaCommand(String classPath) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(scriptJavaOptions());
        command.addAll(List.of("-cp", classPath, login.class.getName()));
        return command;
    }

    private static String java() { return Paths.get(System.getProperty("java.home"), "bin", WINDOWS ? "java.exe" : "java").toString(); }

    private static List<String> classArchive;

    /**
     * JVM options that map a class-data archive of the tool's classes, made once per test run by one
     * tool run that loads them (status --check against a closed port: the command tree, JSON, the HTTP
     * client): each later tool JVM starts with about a third less CPU, as ./jbang does for JBang's own.
     * The options are those the launcher uses, which keep the JVM quiet about the archive. Empty when
     * no archive could be made.
     */
    static synchronized List<String> classArchive() {
        if (classArchive != null) return classArchive;
        classArchive = List.of();
        try {
            Path dir = temporaryFolder("clone-login-cds");
            Path archive = dir.resolve("tool.jsa");
            List<String> command = new ArrayList<>(javaCommand(System.getProperty("java.class.path")));
            command.addAll(1, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            command.addAll(List.of("status", "--check"));
            Tool tool = new Tool(dir).with("CLONE_MCP_URL", "http://127.0.0.1:9/mcp");
            Result made = Running.start(command, tool.env, dir).closeInput().waitFor(RUN_LIMIT);
            if (made.exit() == 1 && made.out().contains("connection refused") && Files.isRegularFile(archive) && Files.size(archive) > 0) {
                classArchive = List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
            }
        } catch (IOException e) {
            // no archive: every tool JVM loads its classes itself
        }
        return classArchive;
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

    /** A started run (in this JVM or a process) whose output lines can be awaited as they come. */
    abstract static class Running {
        protected final StringBuilder out = new StringBuilder();
        protected final StringBuilder err = new StringBuilder();

        /** Any command as a process, in a folder, with this JVM's environment minus TOOL_VARIABLES plus env. */
        static Running start(List<String> command, Map<String, String> env, Path dir) {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
            Map<String, String> e = pb.environment();
            TOOL_VARIABLES.forEach(e::remove);
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
            capture(out.toString());
            capture(err.toString());
            return new Result(exit, out.toString(), err.toString(), stdoutBytes);
        }
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
