
package clone.login;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tool the way a person or an agent setup script runs it, in a home folder of its own and a clean
 * environment.
 *
 * <p>A run happens in this JVM by default: the command tree is built by {@code login.newCommandLine},
 * the very method the script's {@code main} calls, with an {@code Env} of the run's variables and home
 * folder, standard input a pipe the test writes to, and standard output and error captured as they
 * come. {@link #process()} runs the real script in a JVM of its own instead (its compiled class is on
 * this run's class path, with the script's //JAVA_OPTIONS: {@link Jvm}), for what only a process shows:
 * main's exit through System.exit, the UTF-8 bytes it writes, SIGINT, another user, JVM options, JVM-wide
 * settings. LauncherTest covers the ./jbang path itself.
 */
final class Tool {
    /** Variables the tool reads: tests start without any of them, whatever the machine has set. */
    static final List<String> VARIABLES = List.of("CLONE_API_TOKEN", "CLONE_DASHBOARD_URL", "CLONE_MCP_URL",
            "CLONE_LOOP_AGENT_ID", "PLUGIN_DATA", "PLUGIN_ROOT", "CLAUDE_PLUGIN_DATA", "CLAUDE_PLUGIN_ROOT", "CODEX_HOME",
            "CODEX_SESSION_ID", "CODEX_THREAD_ID", "BROWSER", "DISPLAY", "WAYLAND_DISPLAY", "NO_COLOR", "HTTPS_PROXY",
            "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS",
            "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "JBANG_LAUNCH_CMD");

    final Path home;
    /** The run's variables on top of this JVM's environment, whose VARIABLES are left out. */
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
        assumeTrue(!Harness.WINDOWS && "root".equals(System.getProperty("user.name")) && Files.isExecutable(Paths.get("/usr/sbin/runuser")),
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
        VARIABLES.forEach(all::remove);
        all.putAll(env);
        return all;
    }

    Result run(String... args) { return runWithInput(null, args); }

    Result runWithInput(String stdin, String... args) {
        return start(args).input(stdin).closeInput().waitFor(Running.RUN_LIMIT);
    }

    Running start(String... args) {
        if (!process) {
            login.Env e = login.Env.of(environment(), home);
            for (UnaryOperator<login.Env> change : envChanges) e = change.apply(e);
            return new Running.InProcess(e, args);
        }
        if (!envChanges.isEmpty()) throw new IllegalStateException("configure() changes an in-process run's Env; this one is a process");
        List<String> command = new ArrayList<>();
        if (defaultSigint) command.addAll(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\\n\""));
        if (user != null) command.addAll(List.of("/usr/sbin/runuser", "-m", "-u", user, "--")); // -m: keep HOME and the rest
        List<String> java = new ArrayList<>(user == null ? Jvm.javaCommand() : Jvm.javaCommand(Jvm.sharedClassPath()));
        java.addAll(1, jvmOptions); // right after the java executable
        command.addAll(java);
        command.addAll(List.of(args));
        return Running.start(command, env, Checkout.repo());
    }
}
