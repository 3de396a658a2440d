///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8 -XDstringConcat=inline -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC
//DEPS info.picocli:picocli:4.7.7
//DEPS com.konghq:unirest-java-core:4.10.1
//DEPS com.konghq:unirest-modules-gson:4.10.1
//DEPS com.google.code.gson:gson:2.13.2
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
//DESCRIPTION clone-login: log in to Clone in the browser and store the private Clone API key where the Clone Loop plugin reads it.

package clone.login;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.annotations.SerializedName;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import kong.unirest.core.Config;
import kong.unirest.core.HttpRequest;
import kong.unirest.core.HttpRequestWithBody;
import kong.unirest.core.HttpResponse;
import kong.unirest.core.Proxy;
import kong.unirest.core.RawResponse;
import kong.unirest.core.UnirestException;
import kong.unirest.core.UnirestInstance;
import kong.unirest.modules.gson.GsonObjectMapper;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import javax.net.ssl.*;
import java.io.*;
import java.net.*;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.charset.*;
import java.nio.file.*;
import java.nio.file.attribute.*;
import java.security.*;
import java.security.cert.*;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import java.util.function.*;
import java.util.regex.*;
import java.util.stream.*;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * clone-login: gets a private Clone API key through a browser login and stores it where the Clone Loop
 * plugin reads it (../shared/contract.md is the contract, the README its reference).
 *
 * <p>The file reads top to bottom: the command tree and how a failure is told; what every command runs on
 * (Env, the one error, what a run did); the login flow and its seams (a browser, a code receiver, the
 * dashboard), each an interface the flow is handed; the judge of a callback address; the receiver and its
 * pages; the dashboard over HTTP; the key store; output; small helpers. From JShell or another script, the
 * public methods below do what the commands do.
 */
@Command(name = "clone-login", mixinStandardHelpOptions = true, version = "clone-login " + login.VERSION,
        description = {"Log in to Clone in the browser and store the private Clone API key",
                "where the Clone Loop plugin (Claude Code, Codex) reads it.",
                "", "Without a command, shows the effective key (status)."},
        subcommands = {login.Status.class, login.Login.class, login.ImportEnv.class, login.SetKey.class,
                login.Connect.class, login.Clear.class, HelpCommand.class, AutoComplete.GenerateCompletion.class},
        footer = {"", "Key priority: CLONE_API_TOKEN, then the plugin config file, then the public demo key.",
                "Exit codes: 0 done, 1 failed, 2 usage, 3 stored but shadowed by CLONE_API_TOKEN, 130 interrupted."})
public class login implements Callable<Integer> {
    public static final String VERSION = "1.0.0";
    public static final String DEMO_TOKEN = "clone_yc-reviewer-public-demo-2026";
    static final String AUTH_FILE = "auth.local.json";

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show each step and HTTP status on standard error, and stack traces on failure.")
    boolean verbose;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print one JSON object on standard output; everything else goes to standard error.")
    boolean json;

    final Env env;
    final Seams seams;
    private final PrintWriter out;
    private final PrintWriter err;
    /** What this run did so far, which --json tells at the end, whatever the end. */
    final Progress progress = new Progress();

    login(Env env, Seams seams, PrintWriter out, PrintWriter err) {
        this.env = env;
        this.seams = seams;
        this.out = out;
        this.err = err;
    }

    // ---- for JShell and other scripts: what the commands do, quietly, for this process's environment ----

    /** The key in effect (what status shows): CLONE_API_TOKEN, else the stored key, else the public demo key. */
    public static ResolvedKey effectiveKey() { return KeyState.read(Env.system(), KeyStore.of(Env.system())).effective(); }

    /** Stores a key (what set does) and returns the file it went to; refuses what is no Clone API key. */
    public static Path store(String key) {
        Env env = Env.system();
        Keys.requireValid(key.trim(), "The key", "it was not stored");
        KeyStore store = KeyStore.of(env);
        store.write(key.trim(), env.clock(), Ui.quiet(env));
        return store.configPath();
    }

    /** Deletes the stored key (what clear does) and returns the files deleted. */
    public static List<Path> clear() { return KeyStore.of(Env.system()).clear(Ui.quiet(Env.system())); }

    /** Connects the key in effect to the Clone Dashboard (what connect does) and returns the session's page. */
    public static String connect() {
        Env env = Env.system();
        try (Dashboard dashboard = Seams.REAL.dashboard().open(env, Ui.quiet(env), null)) {
            return Connection.of(env, Ui.quiet(env), dashboard, KeyState.read(env, KeyStore.of(env)).effective()).dashboardUrl();
        }
    }

    /** Logs in through the browser (what login does, its lines on standard error) and returns the exit code. */
    public static int signIn(String... options) {
        List<String> args = new ArrayList<>(List.of("login"));
        args.addAll(List.of(options));
        Env env = Env.system();
        PrintWriter err = utf8(FileDescriptor.err);
        return newCommandLine(env, err, err).execute(args.toArray(String[]::new));
    }

    // ---- the process ----

    public static void main(String[] args) {
        allowBasicForProxyTunnels();
        Env env = Env.system();
        // a login's trust store loads on the other core while picocli, which takes as long, parses the command line
        if (List.of(args).contains("login")) Background.run(() -> env.trust().get());
        PrintWriter out = utf8(FileDescriptor.out), err = utf8(FileDescriptor.err);
        // no arguments or just "status", the call agents make at every start: answered without picocli's model (0.16 s),
        // and without seams, which it never uses (making them loads the receiver's and the dashboard's classes: 9 ms)
        boolean plainStatus = args.length == 0 || (args.length == 1 && args[0].equals("status"));
        System.exit(plainStatus ? new login(env, null, out, err).plainStatus() : newCommandLine(env, out, err).execute(args));
    }

    /** The JDK turns Basic off for proxy CONNECT tunnels; company proxies ask for it. A value set with -D stays. */
    static void allowBasicForProxyTunnels() {
        if (System.getProperty("jdk.http.auth.tunneling.disabledSchemes") == null) System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
    }

    int plainStatus() {
        try {
            return call();
        } catch (RuntimeException e) {
            return report(e);
        }
    }

    /** UTF-8 whatever the locale (a container without one would print '?'), as the Node command does. */
    static PrintWriter utf8(FileDescriptor fd) {
        return new PrintWriter(new OutputStreamWriter(new FileOutputStream(fd), StandardCharsets.UTF_8), true);
    }

    static CommandLine newCommandLine(Env env, PrintWriter out, PrintWriter err) { return newCommandLine(env, Seams.REAL, out, err); }

    /** The one place that wires picocli, with the seams a login uses: tests give their own. */
    static CommandLine newCommandLine(Env env, Seams seams, PrintWriter out, PrintWriter err) {
        login root = new login(env, seams, out, err);
        CommandLine cmd = new CommandLine(root).setOut(out).setErr(err);
        // help in colour only where this run's Env says so (not picocli's own look at the JVM's console)
        cmd.setColorScheme(CommandLine.Help.defaultColorScheme(env.colour() ? CommandLine.Help.Ansi.ON : CommandLine.Help.Ansi.OFF));
        cmd.setExecutionExceptionHandler((ex, commandLine, parsed) -> root.report(ex));
        cmd.setParameterExceptionHandler(login::reportUsage);
        helpAndVersionEverywhere(cmd);
        return cmd;
    }

    /** -h/--help and -V/--version on every command, picocli's own (help, generate-completion) included. */
    private static void helpAndVersionEverywhere(CommandLine cmd) {
        CommandSpec spec = cmd.getCommandSpec();
        spec.version("clone-login " + VERSION);
        if (spec.findOption("--help") == null) {
            spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        }
        if (spec.findOption("--version") == null) {
            spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
        }
        cmd.getSubcommands().values().forEach(login::helpAndVersionEverywhere);
    }

    @Override public Integer call() {
        KeyState state = KeyState.read(env, KeyStore.of(env));
        Status.show(ui(), state);
        return done(state, 0);
    }

    Ui ui() { return Ui.of(env, out, err, verbose, json); }

    /** Ends a command that ran to its end: --json tells what it did and the key state after it. */
    int done(KeyState after, int exit) {
        if (json) ui().json(Summary.of(progress, after, null, exit));
        return exit;
    }

    /**
     * The one place where a failure becomes a message and an exit code. Under --json the one object says
     * what happened before it; under --verbose a fault gets its stack trace, an expected outcome none.
     */
    int report(Exception ex) {
        CliException failure = ex instanceof CliException cli ? cli : ex instanceof InterruptedException ? CliException.interrupted()
                : new CliException(1, "Unexpected error: " + Text.describe(ex) + (verbose ? "" : " (run with --verbose for details)"));
        Ui ui = ui();
        if (json) ui.json(Summary.of(progress, progress.state, ui.safe(failure.getMessage()), failure.exitCode));
        if (!failure.said) ui.error(failure.getMessage());
        if (verbose && !failure.expected) ui.trace(ex);
        return failure.exitCode;
    }

    static int reportUsage(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        Env env = ((login) cmd.getCommandSpec().root().userObject()).env;
        String message = Text.clean(UsageWords.withoutSecrets(ex, args, env), true);
        int code = cmd.getCommandSpec().exitCodeOnInvalidInput();
        if (jsonRequested(args)) cmd.getOut().print(Json.GSON.toJson(Summary.usageError(message, code)) + "\n");
        cmd.getOut().flush();
        PrintWriter err = cmd.getErr();
        err.print(message + "\n");
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        String command = cmd.getCommandSpec().qualifiedName().replaceFirst("^clone-login ?", "");
        err.print("See " + env.quoted((command.isEmpty() ? "" : command + " ") + "--help") + " for usage.\n");
        err.flush();
        return code;
    }

    /** Whether --json came before any "--": a usage error still owes such a caller its one JSON object. */
    static boolean jsonRequested(String[] args) {
        for (String arg : args) {
            if (arg.equals("--")) return false;
            if (arg.equals("--json")) return true;
        }
        return false;
    }

    /**
     * A usage error says what was wrong without repeating an argument that may hold a secret (picocli quotes
     * what it could not use): an agent that forgets --finish passes an unspent code and its state. An
     * address gets the hint that --finish takes it.
     */
    static final class UsageWords {
        private static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9_.~+/=%-]{12,}");

        static String withoutSecrets(ParameterException ex, String[] args, Env env) {
            List<String> secrets = List.of(args).stream().filter(UsageWords::secretShaped).filter(ex.getMessage()::contains).toList();
            if (secrets.isEmpty()) return ex.getMessage();
            String message = ex.getMessage();
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
                message = "'" + ex.getCommandLine().getCommandSpec().qualifiedName() + "' takes no such argument"
                        + (unmatched.getUnmatched().size() > 1 ? "s" : "") + " (not shown: it may hold a key, a code or a state).";
            } else {
                for (String secret : secrets) {
                    message = message.replace("'" + secret + "'", "(a value not shown: it may hold a secret)").replace(secret, "(not shown)");
                }
            }
            if (secrets.stream().anyMatch(a -> a.contains("/callback") || a.contains("code=") || a.contains("state="))) {
                message += " The address the browser ended on goes to --finish: " + env.command("login --finish '<address>'")
                        + " (or " + env.quoted("login --finish -") + " to paste it).";
            }
            return message;
        }

        /** A word that may be a key, an authorization code, a state or an address holding them (never an option or a command). */
        static boolean secretShaped(String arg) {
            String a = arg.toLowerCase(Locale.ROOT);
            if (a.contains("code=") || a.contains("state=") || a.contains("key=") || a.contains("token=") || a.startsWith("clone_")) return true;
            return TOKEN_LIKE.matcher(arg).matches() && arg.chars().anyMatch(Character::isDigit) && !arg.startsWith("-");
        }
    }

    // ---- the commands ----

    @Command(name = "status", description = "Show the effective key: where it comes from, masked, and the config path.")
    static final class Status implements Callable<Integer> {
        @ParentCommand login root;
        @Option(names = "--check", description = "Also ask the Clone MCP endpoint whether the key is accepted (exit 1 if not).") boolean check;

        @Override public Integer call() {
            Ui ui = root.ui();
            KeyState state = root.progress.state = KeyState.read(root.env, KeyStore.of(root.env));
            show(ui, state);
            if (check) check(ui, state.effective());
            return root.done(state, 0);
        }

        /** initialize only, no session: accepted, rejected (the server's reason) or unreachable (the cause); the line is the failure. */
        private void check(Ui ui, ResolvedKey key) {
            root.env.mcp();
            Check outcome = root.progress.check = Keys.problem(key.token(), "The key").map(p -> new Check(Check.Verdict.REJECTED, p + "; it was not sent."))
                    .orElseGet(() -> {
                        try (Dashboard dashboard = root.seams.dashboard().open(root.env, ui, null)) { // a client only for a key that can be sent
                            return dashboard.check(key.token());
                        }
                    });
            ui.line(outcome.sentence(key));
            if (outcome.verdict() != Check.Verdict.ACCEPTED) throw CliException.said(outcome.sentence(key));
        }

        /** The contract's status lines (left out under --json) and the notes that go with them, all from one reading. */
        static void show(Ui ui, KeyState state) {
            if (!ui.json()) Printer.effectiveKey(ui, state.effective(), state.store());
            state.stored().filter(s -> state.shadowed()).ifPresent(s -> ui.warn("Note: CLONE_API_TOKEN (" + state.effective().masked()
                    + ") takes precedence over the stored key (" + Mask.mask(s.token()) + "). Unset CLONE_API_TOKEN to use the stored key."));
            state.readings().stream().filter(r -> !r.skipped().isEmpty()).forEach(r -> ui.note("Skipped " + r.path() + ": " + r.skipped() + "."));
            state.stored().filter(s -> !s.path().equals(state.store().configPath())).ifPresent(s -> ui.note("The stored key was read from " + s.path() + "."));
        }
    }

    @Command(name = "login", description = {"Log in through the browser: get a private key, store it, and connect it to the Clone Dashboard.",
            "If the browser cannot reach this machine (SSH), paste the address it ends on here, or forward the port with ssh -L and pass --port.",
            "Without a terminal (agents, remote sessions): login --start prints the address to open and exits; "
                    + "login --finish <address> completes the login with the address the browser ends on."})
    static final class Login implements Callable<Integer> {
        @ParentCommand login root;
        @Spec CommandSpec self;
        @Option(names = {"--no-open", "--no-browser"}, description = "Do not start a browser; print the URL only.") boolean noOpen;
        @Option(names = "--port", paramLabel = "N", description = "Listen for the callback on this port of 127.0.0.1 (default: any free port).")
        int port;
        @Option(names = "--timeout", paramLabel = "D", converter = DurationConverter.class, description = "How long to wait for the browser, "
                + "or (with --start) how long the pending login lasts: 90s, 5m, 2m30s or plain seconds (default: 5m).")
        Duration timeout;
        @Option(names = "--no-connect", description = "Store the key but do not connect it to the Clone Dashboard.") boolean noConnect;
        @Option(names = "--start", description = "Two steps, no terminal needed: print the address to open, save the pending login, exit.")
        boolean start;
        @Option(names = "--open", description = "With --start: also open the address in a browser.") boolean open;
        @Option(names = "--finish", paramLabel = "ADDRESS",
                description = "Complete the pending login with the address the browser ended on (- reads it from standard input).")
        String finish;

        @Override public Integer call() {
            refuseMixedSteps();
            LoginOptions options = new LoginOptions(start ? open : !noOpen, port, timeout == null ? Duration.ofMinutes(5) : timeout, !noConnect, noOpen);
            LoginFlow flow = new LoginFlow(root.env, root.ui(), root.seams, options, root.progress);
            int exit = start ? flow.start() : finish != null ? flow.finish(finish) : flow.run();
            return root.done(KeyState.read(root.env, KeyStore.of(root.env)), exit);
        }

        private void refuseMixedSteps() {
            String refusal = port < 0 || port > 65535 ? "--port must be between 0 and 65535, not " + port + "."
                    : start && finish != null ? "--start and --finish are two separate steps: give one."
                    : open && !start ? "--open goes with --start (a plain login opens the browser itself)."
                    : start && noOpen ? "--start never opens a browser unless --open is given."
                    : finish != null && (noOpen || port != 0 || timeout != null)
                            ? "--finish takes only the address (and --no-connect, --json): --port and --timeout belong to --start." : null;
            if (refusal != null) throw new ParameterException(self.commandLine(), refusal);
        }
    }

    @Command(name = "import-env", description = "Store the value of CLONE_API_TOKEN in the plugin config.")
    static final class ImportEnv implements Callable<Integer> {
        @ParentCommand login root;
        @Option(names = "--connect", description = "Then connect the key to the Clone Dashboard.") boolean connect;

        @Override public Integer call() {
            String token = root.env.token();
            if (token.isEmpty()) throw CliException.outcome("CLONE_API_TOKEN is not set in this environment; nothing to import.");
            Keys.requireValid(token, "CLONE_API_TOKEN", "it was not stored");
            return root.storeAndConnect(token, "Stored Clone API key from CLONE_API_TOKEN.", connect, null);
        }
    }

    @Command(name = "set", description = {"Store a key in the plugin config.",
            "Give the key as an argument, or '-' to read one line from standard input (keeps it out of shell history)."})
    static final class SetKey implements Callable<Integer> {
        @ParentCommand login root;
        @Spec CommandSpec self;
        @Parameters(paramLabel = "<key>|-", description = "The Clone API key, or - to read it from standard input.") String key;
        @Option(names = "--connect", description = "Then connect the key to the Clone Dashboard.") boolean connect;

        @Override public Integer call() throws IOException {
            boolean fromStdin = key.equals("-");
            String token = (fromStdin ? readKey(root.env) : key).trim();
            root.env.secrets().add(token);
            if (token.length() > Keys.MAX_LENGTH) Keys.requireValid(token, "The key", "it was not stored");
            String refusal = token.isEmpty() ? (fromStdin ? "No key on standard input: it is empty or closed. Pipe the key in, as in: set - < file"
                    : "The key is empty.")
                    : !fromStdin && token.startsWith("-") ? "A key cannot start with '-'. To store such a key, pipe it in: "
                    + root.env.command("set -") + " (reads one line from standard input)."
                    : Keys.problem(token, "The key").map(p -> p + "; it was not stored.").orElse(null);
            if (refusal != null) throw new ParameterException(self.commandLine(), refusal);
            return root.storeAndConnect(token, "Stored Clone API key in plugin config.", connect, fromStdin ? null
                    : "A key given as an argument can stay in shell history and agent transcripts. Prefer " + root.env.quoted("set -")
                    + " (reads standard input), " + root.env.quoted("import-env") + ", or " + root.env.quoted("login") + ".");
        }

        private static String readKey(Env env) throws IOException {
            if (env.console() != null) {
                char[] typed = env.console().readPassword("Paste the Clone API key (input is hidden) and press Enter: ");
                return typed == null ? "" : new String(typed);
            }
            return Optional.ofNullable(new BufferedReader(new InputStreamReader(env.stdin(), StandardCharsets.UTF_8)).readLine()).orElse("");
        }
    }

    /**
     * What set and import-env share: check the endpoints a connect will touch, write, report, say whether
     * shadowed, connect. set connects the key it stored; import-env the effective one, which is the same value.
     */
    int storeAndConnect(String token, String headline, boolean connect, String note) {
        Ui ui = ui();
        if (connect) {
            env.mcp();
            env.dashboard(); // the connect block links to it
        }
        KeyStore store = KeyStore.of(env);
        store.write(token, env.clock(), ui);
        progress.stored = true;
        Printer.stored(ui, headline, token, store);
        if (note != null) ui.note(note);
        int exit = Shadowing.warnAfterStore(env, ui, token);
        KeyState after = KeyState.read(env, store);
        if (connect) {
            ResolvedKey key = env.token().equals(token) ? after.effective() : ResolvedKey.of(token, ResolvedKey.PLUGIN_CONFIG);
            try (Dashboard dashboard = seams.dashboard().open(env, ui, null)) {
                Connection.ofStored(env, ui, dashboard, key, store, progress);
            }
        }
        return done(after, exit);
    }

    @Command(name = "connect", description = "Connect the effective key to the Clone Dashboard (MCP start_session).")
    static final class Connect implements Callable<Integer> {
        @ParentCommand login root;

        @Override public Integer call() {
            Ui ui = root.ui();
            KeyState state = KeyState.read(root.env, KeyStore.of(root.env));
            try (Dashboard dashboard = root.seams.dashboard().open(root.env, ui, null)) {
                root.progress.session = Connection.of(root.env, ui, dashboard, state.effective());
            }
            return root.done(state, 0);
        }
    }

    @Command(name = "clear", aliases = "logout", description = "Delete the stored key, then show the effective key.")
    static final class Clear implements Callable<Integer> {
        @ParentCommand login root;

        @Override public Integer call() {
            Ui ui = root.ui();
            KeyStore store = KeyStore.of(root.env);
            List<Path> deleted = root.progress.deleted = store.clear(ui);
            ui.line(deleted.isEmpty() ? "No plugin config API key to clear." : "Cleared plugin config API key.");
            deleted.stream().filter(p -> !p.equals(store.configPath()))
                    .forEach(p -> ui.note("Also deleted the key in the legacy " + p + ", which would have taken over."));
            ui.line("Current effective token:");
            KeyState after = KeyState.read(root.env, store);
            Printer.effectiveKey(ui, after.effective(), store);
            return root.done(after, 0);
        }
    }

    // ============================================================================================
    // What every command runs on: the outside world, the one error, what a run did
    // ============================================================================================

    /**
     * Everything from outside: variables, home folder, clock, randomness (made when a login needs it: seeding costs
     * start-up time), standard input, the terminal, the authorities TLS trusts (read once, when first needed), and
     * the secrets this run must never print. Built once in main from the real process; tests build their own.
     */
    record Env(Map<String, String> vars, Path home, Clock clock, Supplier<SecureRandom> random, InputStream stdin, Terminal tty,
               String osName, boolean wsl, Limits limits, Secrets secrets, Supplier<Trust.Loaded> trust) {
        /** A person at a terminal: colour may be used, and a key typed at the console is read hidden. */
        record Terminal(Console console) {
            static final Terminal NONE = new Terminal(null);
        }

        /** How long the tool waits: the contract's 10 s connect, 30 s answer, 20 s for another writer's lock, and a login's reachability check. */
        record Limits(Duration connect, Duration response, Duration lockWait, Duration reachWait) {
            static final Limits CONTRACT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofMillis(1500));

            Limits withResponse(Duration d) { return new Limits(connect, d, lockWait, reachWait); }
            Limits withLockWait(Duration d) { return new Limits(connect, response, d, reachWait); }
            Limits withReachWait(Duration d) { return new Limits(connect, response, lockWait, d); }
        }

        /** Standard input that can bring no line. */
        static final InputStream NO_INPUT = InputStream.nullInputStream();

        static Env system() {
            Console console = System.console();
            Terminal tty = console != null && isTerminal(console) ? new Terminal(console) : Terminal.NONE;
            return of(System.getenv(), home(System.getenv()), noInputCanCome() ? NO_INPUT : System.in, tty, detectWsl());
        }

        /** This environment and home folder, no terminal, nothing on standard input, the real clock: for tests and embedding. */
        static Env of(Map<String, String> vars, Path home) { return of(vars, home, InputStream.nullInputStream(), Terminal.NONE, false); }

        private static Env of(Map<String, String> vars, Path home, InputStream stdin, Terminal tty, boolean wsl) {
            String os = System.getProperty("os.name", "");
            Secrets secrets = new Secrets();
            secrets.add(vars.getOrDefault("CLONE_API_TOKEN", "")); // a key in hand is redacted, whatever echoes it
            return new Env(vars, home, Clock.systemUTC(), SecureRandom::new, stdin, tty, os, wsl, Limits.CONTRACT, secrets, Trust.once(vars, os));
        }

        Env withStdin(InputStream in) { return new Env(vars, home, clock, random, in, tty, osName, wsl, limits, secrets, trust); }
        Env withClock(Clock c) { return new Env(vars, home, c, random, stdin, tty, osName, wsl, limits, secrets, trust); }
        Env withTerminal(Terminal t) { return new Env(vars, home, clock, random, stdin, t, osName, wsl, limits, secrets, trust); }
        Env withOs(String os) { return new Env(vars, home, clock, random, stdin, tty, os, wsl, limits, secrets, trust); }
        Env withLimits(Limits l) { return new Env(vars, home, clock, random, stdin, tty, osName, wsl, l, secrets, trust); }

        Console console() { return tty.console(); }
        boolean terminal() { return tty != Terminal.NONE; }
        /** Whether a line may still come on standard input (a terminal, a pipe, a file): only then is pasting offered. */
        boolean inputCanCome() { return stdin != NO_INPUT; }
        String get(String name) { return vars.getOrDefault(name, ""); }
        /** CLONE_API_TOKEN as the tool reads it everywhere: trimmed, "" when unset or blank. */
        String token() { return get("CLONE_API_TOKEN").trim(); }
        boolean colour() { return terminal() && get("NO_COLOR").isEmpty() && !get("TERM").equals("dumb"); }

        /** CLONE_DASHBOARD_URL (trailing slashes dropped), checked: a command that touches the dashboard asks for it first. */
        Endpoint dashboard() { return Endpoint.checked(this, Urls.baseUrl(get("CLONE_DASHBOARD_URL"), "https://clone.is"), "CLONE_DASHBOARD_URL"); }

        Endpoint mcp() { return Endpoint.checked(this, get("CLONE_MCP_URL").isBlank() ? "https://api.clone.is/mcp" : get("CLONE_MCP_URL").trim(), "CLONE_MCP_URL"); }

        /**
         * This tool's command line with these arguments, as the person can type it again: the way they ran it when
         * that can be told (./jbang login.java in this checkout: JBang's launcher says it ran), else clone-login (the
         * catalog alias and the installed command). Every message names commands so.
         */
        String command(String arguments) {
            String launcher = get("JBANG_LAUNCH_CMD").trim(), invocation = "clone-login";
            try {
                Path cwd = Paths.get(System.getProperty("user.dir", ""));
                Path checkout = launcher.isEmpty() ? null : Paths.get(launcher).toAbsolutePath().getParent();
                if (checkout != null && Files.isRegularFile(checkout.resolve("login.java"))) {
                    invocation = checkout.equals(cwd) ? "./jbang login.java" : checkout.resolve("jbang") + " " + checkout.resolve("login.java");
                } else if (!launcher.isEmpty() && Files.isRegularFile(cwd.resolve("login.java"))) {
                    invocation = "jbang login.java";
                }
            } catch (RuntimeException e) {
                // a folder this locale cannot name: the command's own name
            }
            return invocation + " " + arguments;
        }

        String quoted(String arguments) { return "'" + command(arguments) + "'"; }

        /** The home folder as Node's os.homedir() sees it: HOME (USERPROFILE on Windows); null when it cannot be a path here. */
        static Path home(Map<String, String> vars) {
            try {
                return folder(homeVariable(), vars.getOrDefault(homeVariable(), "").trim(), vars);
            } catch (CliException e) {
                return null; // the key store says why, when it needs the folder
            }
        }

        static String homeVariable() { return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win") ? "USERPROFILE" : "HOME"; }

        /**
         * A folder named by a variable, as a path (an empty HOME: the JVM's idea of it). Without a UTF-8 locale the
         * JVM cannot make a file name of characters outside ASCII (it reads them as U+FFFD), where Node can: that is
         * said in plain words, with what to set.
         */
        static Path folder(String variable, String value, Map<String, String> vars) {
            String name = value.isEmpty() && variable.equals(homeVariable()) ? System.getProperty("user.home") : value;
            try {
                if (name.indexOf('\uFFFD') < 0) return Paths.get(name);
            } catch (InvalidPathException e) {
                // said below
            }
            if (System.getProperty("sun.jnu.encoding", "").equalsIgnoreCase("UTF-8")) {
                throw new CliException(1, variable + " names a folder that is not valid UTF-8, so Java cannot use it as a file name.");
            }
            String locale = Stream.of("LC_ALL", "LC_CTYPE", "LANG").map(v -> vars.getOrDefault(v, "")).filter(v -> !v.isBlank()).findFirst().orElse("none");
            throw new CliException(1, variable + " names a folder with characters outside ASCII, which Java cannot use as a file name without a UTF-8 "
                    + "locale (the locale here: " + Text.clean(locale, false) + "). Run with LANG=C.UTF-8 (or LC_ALL=C.UTF-8), or use a folder whose "
                    + "name is plain ASCII.");
        }

        /** /dev/null, or closed (a shell's <&-: the JVM's first file then takes descriptor 0, its lib/modules, which System.in would read). */
        static boolean noInputCanCome() {
            try {
                Path fd0 = Paths.get("/dev/fd/0");
                return Files.exists(fd0) && (Files.isSameFile(fd0, Paths.get("/dev/null"))
                        || Files.isSameFile(fd0, Paths.get(System.getProperty("java.home"), "lib", "modules")));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /** JDK 22+ returns a Console even without a terminal; ask it when it can tell. */
        private static boolean isTerminal(Console console) {
            try {
                return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
            } catch (ReflectiveOperationException e) {
                return true;
            }
        }

        private static boolean detectWsl() {
            try {
                return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux") && (System.getenv("WSL_DISTRO_NAME") != null
                        || Files.readString(Paths.get("/proc/version")).toLowerCase(Locale.ROOT).contains("microsoft"));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        boolean onPath(String program) {
            return Stream.of(get("PATH").split(File.pathSeparator)).anyMatch(dir -> {
                try {
                    return !dir.isEmpty() && Files.isExecutable(Paths.get(dir, program));
                } catch (InvalidPathException e) {
                    return false; // a folder this locale cannot name: not where the program is looked for
                }
            });
        }
    }

    /** The one domain exception: a message for people, its exit code, and what kind of end it is. */
    static final class CliException extends RuntimeException {
        final int exitCode;
        /** For a call that did not reach its server: which step failed (null for anything else). */
        final Network.Kind network;
        /** An outcome the person can expect (a timeout, a denied login, a cancel), not a fault: --verbose shows no stack trace. */
        final boolean expected;
        /** Told already, on a line of its own (status --check): the report adds none. */
        final boolean said;

        CliException(int exitCode, String message) { this(exitCode, message, null, false, false); }

        CliException(int exitCode, String message, Network.Kind network) { this(exitCode, message, network, false, false); }

        private CliException(int exitCode, String message, Network.Kind network, boolean expected, boolean said) {
            super(message);
            this.exitCode = exitCode;
            this.network = network;
            this.expected = expected;
            this.said = said;
        }

        static CliException outcome(String message) { return new CliException(1, message, null, true, false); }

        static CliException said(String message) { return new CliException(1, message, null, true, true); }

        /** Ctrl-C, whichever step it stopped: the one shape an interruption has. */
        static CliException interrupted() { return new CliException(130, "Interrupted.", null, true, false); }

        /** A failure on another thread, as the tool's own. */
        static CliException of(Throwable failure) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            return cause instanceof CliException cli ? cli : new CliException(1, "Unexpected error: " + Text.describe(cause) + ".");
        }
    }

    /** What a command did so far, each step setting what it did: --json tells it at the end, whatever the end. */
    static final class Progress {
        Boolean stored;
        Session session;
        Check check;
        List<Path> deleted;
        String authorizeUrl;
        String expiresAt;
        /** The reading of the key files, which a failure still tells (status --check). */
        KeyState state;
    }

    /** The one JSON object --json prints (README, "--json"), made once, at the end; null fields are left out. */
    record Summary(String source, String token, String configPath, Boolean demo, Boolean shadowed, Boolean stored, Boolean connected,
                   String sessionId, String dashboardUrl, String check, String checkReason, String authorizeUrl, String expiresAt,
                   List<String> deleted, String error, Integer exitCode) {
        static Summary of(Progress p, KeyState state, String error, int exit) {
            Optional<ResolvedKey> key = Optional.ofNullable(state).map(KeyState::effective);
            Optional<Session> session = Optional.ofNullable(p.session);
            return new Summary(key.map(ResolvedKey::source).orElse(null), key.map(ResolvedKey::masked).orElse(null),
                    state == null ? null : state.store().configPath().toString(), key.map(ResolvedKey::demo).orElse(null),
                    state == null ? null : state.shadowed(), Boolean.TRUE.equals(p.stored), session.isPresent(),
                    session.map(Session::id).orElse(null), session.map(Session::dashboardUrl).orElse(null),
                    p.check == null ? null : p.check.verdict().word(), p.check == null ? null : p.check.reason(), p.authorizeUrl, p.expiresAt,
                    p.deleted == null ? null : p.deleted.stream().map(Path::toString).toList(), error, error == null ? null : exit);
        }

        /** A command line that was not understood: nothing ran, so nothing else is said. */
        static Summary usageError(String message, int code) {
            return new Summary(null, null, null, null, null, null, null, null, null, null, null, null, null, null, message, code);
        }
    }

    /** The few tasks a run does beside its main thread, each on a daemon thread of its own; a failure is said where the result is needed. */
    static final class Background {
        static final Executor EXECUTOR = task -> daemonThread("clone-login", task).start();

        static void run(Runnable task) {
            EXECUTOR.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // done again, and said, where it is needed
                }
            });
        }
    }

    static Thread daemonThread(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }

    // ============================================================================================
    // The login (contract section 7) and its seams: a browser, a code receiver, the dashboard
    // ============================================================================================

    /** What a login does to the world, built where picocli is wired and handed in: the real ones, or a test's. */
    record Seams(Browser browser, CodeReceiver.Factory receiver, Dashboard.Factory dashboard) {
        static final Seams REAL = new Seams(Browsers::open, Receiver::start, HttpDashboard::new);
    }

    /** Shows the person an address; never fails the login (where no browser starts, it prints the address instead). */
    interface Browser {
        void open(Env env, Ui ui, String url);
    }

    /** Where the browser comes back: its address, the wait for this login's code, the page the browser is answered with. */
    interface CodeReceiver extends AutoCloseable {
        interface Factory {
            /** Listening on 127.0.0.1 at this port (0: any free one) before it returns, for the login with this state. */
            CodeReceiver start(int port, String state, Env env, Ui ui);
        }

        int port();

        default String redirectUri() { return "http://127.0.0.1:" + port() + "/callback"; }

        /** This login's callback (or pasted address) within the timeout; empty when the time is up; the login's failure thrown. */
        Optional<Callback> await(Duration timeout);

        /** The page the waiting browser gets, once the login has done all it will do. */
        void answer(Pages.Page page);

        /** Ends the wait with this failure, unless a callback came first. */
        void fail(CliException failure);

        @Override void close();
    }

    /** The Clone dashboard: can it be reached, the code exchange, an MCP session, an MCP key check. */
    interface Dashboard extends AutoCloseable {
        interface Factory {
            /** The dashboard at this site (null for a command that only speaks MCP) and CLONE_MCP_URL. */
            Dashboard open(Env env, Ui ui, Endpoint site);
        }

        /** Whether this machine reaches the site, asked in the background: a definite failure, or empty (reached, or no answer yet). */
        CompletableFuture<Optional<CliException>> reach();

        /** The key for this single-use code: sent once, never retried. */
        String exchange(Callback callback);

        /** MCP initialize, then start_session: the Clone session id. */
        String startSession(String key);

        /** MCP initialize only: whether the key is accepted. */
        Check check(String key);

        @Override void close();
    }

    /** How a login runs. noOpenGiven: the person asked for no browser (the timeout's advice then does not suggest it). */
    record LoginOptions(boolean openBrowser, int port, Duration timeout, boolean connect, boolean noOpenGiven) {}

    static final class LoginFlow {
        private final Env env;
        private final Ui ui;
        private final Seams seams;
        private final LoginOptions options;
        private final Progress progress;
        private final KeyStore store;

        LoginFlow(Env env, Ui ui, Seams seams, LoginOptions options, Progress progress) {
            this.env = env;
            this.ui = ui;
            this.seams = seams;
            this.options = options;
            this.progress = progress;
            this.store = KeyStore.of(env);
        }

        /** One step: listen, print the address, open the browser, wait for the callback or a paste, then complete. */
        int run() {
            Endpoint site = preflight();
            String state = Keys.newState(env.random().get());
            Interruption interruption = new Interruption(env, ui, store.configPath(), progress);
            try (Dashboard dashboard = seams.dashboard().open(env, ui, site);
                 CodeReceiver receiver = seams.receiver().start(options.port(), state, env, ui)) {
                interruption.install(receiver);
                CompletableFuture<Optional<CliException>> reach = dashboard.reach();
                String url = Urls.authorizeUrl(site, receiver.redirectUri(), state, Agent.id(env.vars()));
                ui.line("Authorize: " + url);
                if (options.openBrowser()) {
                    within(reach, env.limits().reachWait()).ifPresent(e -> { throw e; });
                    seams.browser().open(env, ui, url);
                }
                reach.thenAccept(failure -> failure.ifPresent(receiver::fail)); // a definite answer ends the wait whenever it comes
                Background.run(LoginFlow::rehearse);
                ui.line("Waiting for Clone browser authorization...");
                if (env.inputCanCome()) ui.note("If the browser cannot reach this machine, paste the address it ends on here and press Enter.");
                ui.note("Over SSH you can also forward the port: ssh -L " + receiver.port() + ":127.0.0.1:" + receiver.port()
                        + " <host>, then run " + env.quoted("login --port " + receiver.port()) + ".");
                // said once, never redrawn: a redraw moves the cursor, and terminals then lose a character typed or pasted just then
                ui.note("Waiting up to " + Durations.format(options.timeout()) + ", until " + DateTimeFormatter.ofPattern("HH:mm:ss")
                        .withZone(ZoneOffset.UTC).format(env.clock().instant().plus(options.timeout())) + " UTC (press Ctrl-C to cancel).");
                Callback callback = receiver.await(options.timeout()).orElseThrow(this::timedOut);
                try (KeyStore.Writer writer = lockBeforeTheCode(receiver)) {
                    return complete(callback, dashboard, options.connect(), writer, receiver::answer, interruption);
                }
            } finally {
                interruption.done();
            }
        }

        /** Two steps, first: everything up to the Authorize line; the pending login is saved and nothing listens. */
        int start() {
            Endpoint site = preflight();
            try (Dashboard dashboard = seams.dashboard().open(env, ui, site)) {
                within(dashboard.reach(), env.limits().reachWait().multipliedBy(2)).ifPresent(e -> { throw e; });
            }
            int port = options.port() != 0 ? options.port() : Urls.freeLoopbackPort();
            String state = Keys.newState(env.random().get());
            String redirectUri = "http://127.0.0.1:" + port + "/callback";
            String expires = DateTimeFormatter.ISO_INSTANT.format(env.clock().instant().plus(options.timeout()).truncatedTo(ChronoUnit.SECONDS));
            String url = Urls.authorizeUrl(site, redirectUri, state, Agent.id(env.vars()));
            new Pending(state, redirectUri, site.url(), expires, options.connect()).save(store, ui);
            progress.authorizeUrl = url;
            progress.expiresAt = expires;
            ui.line("Authorize: " + url);
            ui.line("Open the address above in a browser and approve. The browser then goes to " + redirectUri
                    + "?... and shows that it cannot connect: that is expected. Copy that address from the address bar, then run:");
            ui.line("  " + env.command("login --finish '<the address>'") + "      (or: " + env.command("login --finish -") + "  and paste it)");
            ui.line("This login expires at " + expires + " (in " + Durations.format(options.timeout()) + ").");
            if (options.openBrowser()) seams.browser().open(env, ui, url);
            return 0;
        }

        /**
         * Two steps, second: the address is judged as the receiver judges a callback. The pending login is spent
         * only once the key can be stored (the lock is held), so a fixable folder costs nothing; from then on it
         * is gone, so the code can never be sent twice.
         */
        int finish(String address) {
            String pasted = address.equals("-") ? readLine(env.stdin()) : address;
            Pending pending = Pending.load(store, env);
            Judgement judged = new Judge(pending.state(), pending.port(), env.secrets()).address(pasted);
            String kept = switch (judged.verdict()) {
                case CODE, DENIED, NO_CODE -> null;
                case MISMATCH -> " The address belongs to another login; the pending one is kept: paste the address from the tab of the latest --start.";
                case INCOMPLETE, NOT_AN_ADDRESS -> " The pending login is kept.";
                case ANOTHER_HOST, ANOTHER_PATH -> " It belongs to another login. The pending login is kept: paste the address from the tab of the latest --start.";
            };
            if (kept != null) {
                boolean expected = judged.verdict() == Judgement.Verdict.MISMATCH || judged.verdict() == Judgement.Verdict.INCOMPLETE;
                throw expected ? CliException.outcome(judged.reason() + kept) : new CliException(1, judged.reason() + kept);
            }
            if (judged.callback() == null) {
                Pending.delete(store); // the dashboard's own answer (an error, no code) ends this login
                throw CliException.outcome(judged.reason());
            }
            env.mcp();
            env.dashboard();
            Endpoint site = Endpoint.checked(env, pending.dashboard(), "the pending login's dashboard");
            Shadowing.warnBeforeLogin(env, ui);
            Interruption interruption = new Interruption(env, ui, store.configPath(), progress);
            interruption.install(null);
            try (KeyStore.Writer writer = store.lock(ui); Dashboard dashboard = seams.dashboard().open(env, ui, site)) {
                Pending.delete(store);
                return complete(judged.callback(), dashboard, options.connect() && pending.connects(), writer, page -> { }, interruption);
            } finally {
                interruption.done();
            }
        }

        /** Checked before anything starts: every endpoint (and its proxy), a store that can be written, and CLONE_API_TOKEN said to win. */
        private Endpoint preflight() {
            Endpoint site = env.dashboard();
            env.mcp();
            store.checkWritable();
            Shadowing.warnBeforeLogin(env, ui);
            return site;
        }

        /**
         * After a callback, a paste or --finish, with the config's lock held: exchange the single-use code,
         * store the key, connect. The browser's page is handed back last, with the outcome as it really was.
         */
        private int complete(Callback callback, Dashboard dashboard, boolean connect, KeyStore.Writer writer, Consumer<Pages.Page> page,
                             Interruption interruption) {
            Pages.Page outcome = Pages.failure("The login stopped before it finished.");
            try {
                interruption.exchanging(writer);
                String token = dashboard.exchange(callback);
                writer.write(token, env.clock(), interruption);
                writer.close(); // the key is written: other writers need not wait for the connect
                progress.stored = true;
                Printer.stored(ui, "Stored Clone API key from Clone OAuth login.", token, store);
                int exit = Shadowing.warnAfterStore(env, ui, token);
                outcome = Pages.stored();
                if (connect) {
                    Connection.ofStored(env, ui, dashboard, ResolvedKey.of(token, ResolvedKey.PLUGIN_CONFIG), store, progress);
                    outcome = Pages.connected(progress.session.dashboardUrl());
                }
                return exit;
            } catch (CliException e) {
                outcome = Boolean.TRUE.equals(progress.stored) ? Pages.storedNotConnected(e.getMessage()) : Pages.failure(e.getMessage());
                throw e;
            } finally {
                page.accept(outcome);
            }
        }

        /** The config's lock, before the single-use code is sent; when it cannot be had, the code is never sent and the page says why. */
        private KeyStore.Writer lockBeforeTheCode(CodeReceiver receiver) {
            try {
                return store.lock(ui);
            } catch (CliException e) {
                CliException unsent = new CliException(e.exitCode, e.getMessage() + " The authorization code was not sent; run " + env.quoted("login") + " again.");
                receiver.answer(Pages.failure(unsent.getMessage()));
                throw unsent;
            }
        }

        private CliException timedOut() {
            return CliException.outcome("Timed out after " + Durations.format(options.timeout()) + " waiting for the browser authorization. "
                    + "Run " + env.quoted("login") + " again (--timeout sets the wait). If the browser cannot reach this machine, "
                    + (options.noOpenGiven() ? "" : "use --no-open and ") + "paste the address the browser ends on, forward the port with "
                    + "ssh -L and pass --port, or use the two steps: " + env.quoted("login --start") + ", then " + env.quoted("login --finish") + ".");
        }

        /** A definite failure that came within the wait; empty when the dashboard was reached or is still being asked. */
        private static Optional<CliException> within(CompletableFuture<Optional<CliException>> reach, Duration wait) {
            try {
                return reach.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                throw CliException.interrupted();
            }
        }

        private static String readLine(InputStream in) {
            try {
                return Optional.ofNullable(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine()).orElse("").trim();
            } catch (IOException e) {
                return "";
            }
        }

        /**
         * While the person is in the browser, the code that runs after the callback is loaded and run once on the
         * other core, on values of its own: no network, no file, nothing printed. The login's own steps then find
         * it loaded (a tenth of a second, after a warm start).
         */
        static void rehearse() {
            Json.strictObject(Json.GSON.toJson(new HttpDashboard.ExchangeRequest("code", "state"))).flatMap(o -> Json.as(o, HttpDashboard.ExchangeAnswer.class));
            Json.GSON.toJson(new HttpDashboard.RpcRequest("2.0", 2, "tools/call", new HttpDashboard.ToolCall("start_session",
                    new HttpDashboard.StartSessionArguments("agent", "clone-loop:rehearsal"))));
            String text = Json.GSON.toJson(Map.of("session_id", "rehearsal"));
            Mcp.sessionId(Mcp.answer("tools/call", new Transport.Reply(200, Map.of(), "data: " + Json.GSON.toJson(Map.of("jsonrpc", "2.0", "id", 2,
                    "result", Map.of("content", List.of(Map.of("type", "text", "text", text))))) + "\n\n", false)));
            Secrets secrets = new Secrets();
            secrets.add("clone_rehearsal_key_0000");
            secrets.redact(Json.PRETTY.toJson(Map.of("clone_api_token", "x")) + Pages.connected("https://x/").body());
            DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        }
    }

    /** A Clone session a connect started, and its page on the dashboard. */
    record Session(String id, String dashboardUrl) {}

    /** Connecting a key to the Clone Dashboard as the person sees it: the contract's lines around MCP start_session. */
    static final class Connection {
        static Session of(Env env, Ui ui, Dashboard dashboard, ResolvedKey key) {
            if (key.demo()) {
                throw CliException.outcome("Private Clone API key is required. Run " + env.quoted("login") + " to sign in through the browser, "
                        + "or create a key in the Clone Dashboard and store it with " + env.quoted("set -") + " or " + env.quoted("import-env")
                        + ", then run " + env.quoted("connect") + ".");
            }
            env.mcp();
            Endpoint site = env.dashboard(); // the lines below link to it
            Keys.requireValid(key.token(), "The " + key.source() + " key", "it was not sent");
            ui.line("Connecting Clone Loop to Clone Dashboard via MCP...");
            ui.line("Source: " + key.source());
            ui.line("Token: " + key.masked());
            String id = dashboard.startSession(key.token());
            String page = site.url() + "/console?session=" + Urls.encodeComponent(id) + "#sources";
            ui.line("Connected Clone Loop to Clone Dashboard.");
            ui.line("Clone session: " + Text.clean(id, false));
            ui.line("Dashboard: " + page);
            return new Session(id, page);
        }

        /** A key just stored (login, set --connect, import-env --connect): a failure says the key is stored and that connect tries again. */
        static void ofStored(Env env, Ui ui, Dashboard dashboard, ResolvedKey key, KeyStore store, Progress progress) {
            try {
                progress.session = of(env, ui, dashboard, key);
            } catch (CliException e) {
                if (e.exitCode == 130) throw e;
                throw new CliException(e.exitCode, e.getMessage().replaceFirst("\\.?$", ".") + " The key is stored in " + store.configPath()
                        + "; run " + env.quoted("connect") + " to try connecting again.");
            }
        }
    }

    /** status --check's answer: the verdict, and the server's reason or the cause when it is not ACCEPTED. */
    record Check(Verdict verdict, String reason) {
        enum Verdict {
            ACCEPTED, /** the server refused the key (401, 403, a JSON-RPC error) */ REJECTED, /** no answer about the key */ UNREACHABLE;

            String word() { return name().toLowerCase(Locale.ROOT); }
        }

        String sentence(ResolvedKey key) {
            String which = key.demo() ? "The shared demo key" : "The key";
            return switch (verdict) {
                case ACCEPTED -> "Check: " + which + " is accepted by the Clone MCP endpoint." + (key.demo() ? " It is the public demo, not a private key." : "");
                case REJECTED -> "Check: " + which + " is rejected by the Clone MCP endpoint: " + reason;
                case UNREACHABLE -> "Check: the Clone MCP endpoint could not be reached: " + reason;
            };
        }
    }

    /**
     * A login started with --start and not yet finished: .login-pending.json in the data folder, written
     * like the config (owner-only, atomic, under the lock), single-use, valid until expires_at.
     */
    record Pending(String state, String redirectUri, String dashboard, String expiresAt, Boolean connect) {
        static final String FILE = ".login-pending.json";

        /** What --start wrote: a state, this machine's callback address, a dashboard and an expiry that parse. */
        boolean wellFormed() {
            try {
                Instant.parse(expiresAt);
                return !state.isBlank() && !dashboard.isBlank() && redirectUri.equals("http://127.0.0.1:" + port() + "/callback") && port() > 0;
            } catch (RuntimeException e) {
                return false;
            }
        }

        int port() { return URI.create(redirectUri).getPort(); }

        /** --start --no-connect is remembered: its --finish stores the key and does not connect. */
        boolean connects() { return !Boolean.FALSE.equals(connect); }

        void save(KeyStore store, Ui ui) {
            try (KeyStore.Writer writer = store.lock(ui, FILE)) {
                writer.replace(Json.PRETTY.toJson(this) + "\n", SafeFiles.Gate.OPEN);
            }
        }

        static Pending load(KeyStore store, Env env) {
            Path file = store.folder().resolve(FILE);
            Pending pending;
            try {
                pending = Json.strictObject(SafeFiles.readSmallText(file)).flatMap(o -> Json.as(o, Pending.class)).filter(Pending::wellFormed)
                        .orElseThrow(() -> CliException.outcome(file + " is not a pending login this tool wrote. Start again: " + env.command("login --start")));
            } catch (NoSuchFileException e) {
                throw CliException.outcome("No login is pending (nothing in " + file + "): it was finished already, or never started. "
                        + "Start one: " + env.command("login --start"));
            } catch (IOException e) {
                throw new CliException(1, "Could not read the pending login " + file + ": " + Text.describe(e) + ".");
            }
            if (!env.clock().instant().isBefore(Instant.parse(pending.expiresAt()))) {
                delete(store);
                throw CliException.outcome("The pending login expired at " + pending.expiresAt() + ". Start again: " + env.command("login --start"));
            }
            return pending;
        }

        static void delete(KeyStore store) {
            try {
                Files.deleteIfExists(store.folder().resolve(FILE));
            } catch (IOException e) {
                throw new CliException(1, "Could not remove the pending login: " + Text.describe(e) + ".");
            }
        }
    }

    /**
     * Ctrl-C during a login: the JVM runs this hook, then exits with 130. It closes the port and says exactly
     * what happened: the key's rename is the one commit point, and the hook and that rename take turns
     * (SafeFiles.Gate), so "nothing was stored" is never said of a key that was.
     */
    static final class Interruption implements SafeFiles.Gate {
        private enum Phase { WAITING, EXCHANGING, STORED, DONE }

        private final Env env;
        private final Ui ui;
        private final Path config;
        private final Progress progress;
        private final Thread hook = new Thread(this::interrupted, "clone-login-interrupt");
        private Phase phase = Phase.WAITING;
        private CodeReceiver receiver;
        private KeyStore.Writer writer;

        Interruption(Env env, Ui ui, Path config, Progress progress) {
            this.env = env;
            this.ui = ui;
            this.config = config;
            this.progress = progress;
        }

        void install(CodeReceiver receiver) {
            this.receiver = receiver;
            Runtime.getRuntime().addShutdownHook(hook);
        }

        /** The code is about to be sent, with the config's lock held: Ctrl-C from now on releases it. */
        synchronized void exchanging(KeyStore.Writer writer) {
            phase = Phase.EXCHANGING;
            this.writer = writer;
        }

        /** The key is written only if Ctrl-C has not already been reported. */
        @Override public synchronized boolean commit(SafeFiles.IoAction rename) throws IOException {
            if (phase == Phase.DONE) return false;
            rename.run();
            phase = Phase.STORED;
            return true;
        }

        /** The login ended on its own: the hook has nothing left to say. */
        synchronized void done() {
            phase = Phase.DONE;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }

        private void interrupted() {
            Phase seen;
            synchronized (this) {
                seen = phase;
                phase = Phase.DONE;
            }
            if (receiver != null) receiver.close();
            if (writer != null) writer.close();
            String message = switch (seen) {
                case WAITING -> "Login cancelled; nothing was stored.";
                case EXCHANGING -> "Login cancelled while the code was being exchanged; nothing was stored. Run " + env.quoted("login") + " again.";
                case STORED -> "Interrupted after the key was stored in " + config + ". Run " + env.quoted("connect")
                        + " to connect it to the Clone Dashboard.";
                case DONE -> null;
            };
            if (message == null) return;
            if (ui.json()) ui.json(Summary.of(progress, null, ui.safe(message), 130));
            ui.note(message);
        }
    }

    // ============================================================================================
    // The one judge of a callback address, the receiver, its pages, the browser
    // ============================================================================================

    record Callback(String code, String state) {}

    /** What an address means for this login: a verdict, the callback when it holds this login's code, and the reason in words. */
    record Judgement(Verdict verdict, Callback callback, String reason) {
        enum Verdict {
            /** This login's code: exchange it. */ CODE,
            /** The dashboard's error= for this login. */ DENIED,
            /** This login's state without a code. */ NO_CODE,
            /** Another login's state, or none. */ MISMATCH,
            /** The callback address with nothing the dashboard adds: no callback at all; the wait goes on. */ INCOMPLETE,
            /** Another host or port (DNS rebinding, another login's tab). */ ANOTHER_HOST,
            /** Another path on this login's port. */ ANOTHER_PATH,
            /** Not an http address at all. */ NOT_AN_ADDRESS
        }
    }

    /**
     * The one judge of a callback address, for the receiver, a paste and --finish alike: the Host must be
     * 127.0.0.1 or localhost at this login's port, the path /callback, the state this login's; then the
     * dashboard's error, or its code. A code is registered as a secret the moment it is judged.
     */
    static final class Judge {
        static final String MISMATCH = "Clone Loop login callback state mismatch.";
        static final String INCOMPLETE = "The address is incomplete: it holds no state, code or error. "
                + "Copy the whole address the browser ended on, including everything after '?'.";
        private final String state;
        private final int port;
        private final Secrets secrets;

        Judge(String state, int port, Secrets secrets) {
            this.state = state;
            this.port = port;
            this.secrets = secrets;
        }

        /** A request as the receiver got it: its Host header, path and query. */
        Judgement request(String host, String rawPath, String rawQuery) {
            String callback = "http://127.0.0.1:" + port + "/callback";
            if (host == null || !(host.equals("127.0.0.1:" + port) || host.equalsIgnoreCase("localhost:" + port))) {
                return refused(Judgement.Verdict.ANOTHER_HOST, "That address is not this login's callback (" + callback + "?...).");
            }
            if (!"/callback".equals(rawPath)) {
                return refused(Judgement.Verdict.ANOTHER_PATH, "That address is not this login's callback (" + callback + "?...).");
            }
            return query(Urls.parseQuery(rawQuery));
        }

        /** An address from the browser's address bar (pasted, or given to --finish), judged as the receiver would have judged it. */
        Judgement address(String text) {
            String address = text.trim().replaceAll("^[\"'<]+|[\"'>]+$", ""); // as copied with quotes or angle brackets
            try {
                URI uri = new URI(address);
                if ("http".equalsIgnoreCase(uri.getScheme()) && uri.getRawAuthority() != null) {
                    return request(uri.getRawAuthority(), uri.getRawPath(), uri.getRawQuery());
                }
            } catch (URISyntaxException e) {
                // said below
            }
            return refused(Judgement.Verdict.NOT_AN_ADDRESS, "That is not an address: paste the whole http://127.0.0.1:" + port
                    + "/callback?... address the browser ended on.");
        }

        Judgement query(Map<String, String> query) {
            if (!query.containsKey("state") && !query.containsKey("code") && !query.containsKey("error")) {
                return refused(Judgement.Verdict.INCOMPLETE, INCOMPLETE);
            }
            String given = query.getOrDefault("state", "");
            if (!Keys.constantTimeEquals(given, state)) return refused(Judgement.Verdict.MISMATCH, MISMATCH);
            String error = query.getOrDefault("error", "").trim();
            if (!error.isEmpty()) {
                String description = query.getOrDefault("error_description", "").trim();
                return refused(Judgement.Verdict.DENIED, "Clone login was not authorized: " + Text.clean(error, false)
                        + (description.isEmpty() ? "" : " (" + Text.clean(description, false) + ")") + ".");
            }
            String code = query.getOrDefault("code", "").trim();
            if (code.isEmpty()) return refused(Judgement.Verdict.NO_CODE, "The browser came back without an authorization code.");
            secrets.add(code);
            return new Judgement(Judgement.Verdict.CODE, new Callback(code, given), null);
        }

        private static Judgement refused(Judgement.Verdict verdict, String reason) { return new Judgement(verdict, null, reason); }
    }

    /**
     * The loopback receiver: the JDK's HTTP server on 127.0.0.1, and standard input, where the person may paste
     * the address the browser ended on when the browser cannot reach this machine. Both are judged by the one
     * Judge; the first of this login's answers ends the wait. The browser's request is held until the login
     * hands back its page.
     */
    static final class Receiver implements CodeReceiver {
        /** How long the browser's request may wait for its page: past every step's own deadline, so it only guards against a bug. */
        private static final Duration ANSWER_WAIT = Duration.ofMinutes(4);
        /** Idle or slow connections each hold a worker until the server drops them (see jdkServerSettings): dozens leave one free. */
        static final int WORKERS = 64;
        private final HttpServer server;
        private final ExecutorService executor;
        private final Judge judge;
        private final Env env;
        private final Ui ui;
        private final CompletableFuture<Callback> result = new CompletableFuture<>();
        private final CompletableFuture<Pages.Page> page = new CompletableFuture<>();
        private final CountDownLatch answered = new CountDownLatch(1);
        private final AtomicBoolean taken = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile boolean browserWaiting;

        private Receiver(HttpServer server, ExecutorService executor, String state, Env env, Ui ui) {
            this.server = server;
            this.executor = executor;
            this.judge = new Judge(state, port(), env.secrets());
            this.env = env;
            this.ui = ui;
        }

        static Receiver start(int port, String state, Env env, Ui ui) {
            // the JDK's server logs odd requests (any local process may send them) through java.util.logging, to the terminal
            java.util.logging.LogManager.getLogManager().reset();
            java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
            jdkServerSettings();
            HttpServer server;
            try {
                server = HttpServer.create(new InetSocketAddress(Urls.LOOPBACK, port), 16);
            } catch (BindException e) {
                throw bindFailure(port, e);
            } catch (IOException e) {
                throw new CliException(1, "Could not start the login callback server on 127.0.0.1:" + port + ": " + Text.describe(e) + ".");
            }
            var executor = new ThreadPoolExecutor(WORKERS, WORKERS, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    task -> daemonThread("clone-login-callback", task));
            executor.allowCoreThreadTimeOut(true); // threads are made as connections come, and go when idle
            Receiver receiver = new Receiver(server, executor, state, env, ui);
            server.createContext("/", receiver::handle);
            server.setExecutor(executor);
            server.start();
            return receiver;
        }

        /**
         * The JDK server's settings, read once per JVM when its first server is made (an embedding program or a test
         * JVM calls this first): a request must arrive whole within 2 s, after which its connection is closed, so a
         * client that connects and dawdles frees its worker; and a page goes out at once, not after a delayed ACK.
         */
        static void jdkServerSettings() {
            System.setProperty("sun.net.httpserver.maxReqTime", "2");
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }

        /** Says what really failed: a busy port, a port that needs privileges, or whatever the system reported. */
        static CliException bindFailure(int port, BindException e) {
            String reason = Optional.ofNullable(e.getMessage()).orElse("").toLowerCase(Locale.ROOT);
            if (reason.contains("in use")) {
                return new CliException(1, "Port " + port + " on 127.0.0.1 is already in use. Choose another --port, or leave it out to use any free port.");
            }
            if (reason.contains("permission") || reason.contains("access")) {
                return new CliException(1, "Not allowed to listen on port " + port + " of 127.0.0.1 (permission denied"
                        + (port < 1024 ? ": ports below 1024 need administrator rights" : "")
                        + "). Choose a port above 1023 with --port, or leave it out to use any free port.");
            }
            return new CliException(1, "Could not listen on port " + port + " of 127.0.0.1: " + Text.clean(e.getMessage(), false)
                    + ". Choose another --port, or leave it out to use any free port.");
        }

        @Override public int port() { return server.getAddress().getPort(); }

        @Override public Optional<Callback> await(Duration timeout) {
            if (env.inputCanCome()) daemonThread("clone-login-paste", this::readPastes).start();
            try {
                return Optional.of(result.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (TimeoutException e) {
                return Optional.empty();
            } catch (ExecutionException e) {
                throw CliException.of(e.getCause());
            } catch (InterruptedException e) {
                throw CliException.interrupted();
            }
        }

        @Override public void answer(Pages.Page p) {
            page.complete(p);
            if (!browserWaiting) return;
            try {
                answered.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override public void fail(CliException failure) {
            if (!taken.compareAndSet(false, true)) return;
            page.complete(Pages.failure(failure.getMessage()));
            result.completeExceptionally(failure);
        }

        @Override public void close() {
            if (!closed.compareAndSet(false, true)) return;
            page.complete(Pages.failure("The login was stopped."));
            server.stop(0);
            executor.shutdownNow();
        }

        private void handle(HttpExchange ex) throws IOException {
            try (ex) {
                ui.verbose("Callback server: " + ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
                Judgement judged = judge.request(ex.getRequestHeaders().getFirst("Host"), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery());
                if (judged.verdict() == Judgement.Verdict.ANOTHER_HOST) {
                    send(ex, Pages.plain(400, "Bad Request: unexpected Host header."));
                } else if (judged.verdict() == Judgement.Verdict.ANOTHER_PATH) {
                    send(ex, Pages.plain(404, "Not Found"));
                } else if (!ex.getRequestMethod().equals("GET")) {
                    ex.getResponseHeaders().set("Allow", "GET");
                    send(ex, Pages.plain(405, "Method Not Allowed"));
                } else {
                    callback(ex, judged);
                }
            }
        }

        private void callback(HttpExchange ex, Judgement judged) throws IOException {
            ui.verbose("Callback request: " + (judged.callback() != null ? "authorization code received" : judged.reason()));
            if (judged.verdict() == Judgement.Verdict.INCOMPLETE) { // someone opened the bare address: not a callback, the wait goes on
                send(ex, Pages.notACallback());
                return;
            }
            if (!taken.compareAndSet(false, true)) {
                send(ex, Pages.plain(409, "This login has already received its callback. Check the terminal."));
                return;
            }
            if (judged.callback() == null) { // a mismatch, the dashboard's error, no code: this login ends
                send(ex, Pages.failure(judged.reason()).withStatus(400));
                result.completeExceptionally(CliException.outcome(judged.reason()));
                return;
            }
            browserWaiting = true;
            result.complete(judged.callback());
            Pages.Page p;
            try {
                p = page.get(ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException e) {
                p = Pages.failure("The login did not finish in time.");
            }
            try {
                send(ex, p);
            } finally {
                answered.countDown();
            }
        }

        private void send(HttpExchange ex, Pages.Page p) throws IOException { Pages.send(ex, p, ui.secrets()); }

        /**
         * Each line on standard input, read as the address the browser ended on. A typo or an old tab is forgiven
         * (the person is told, the wait goes on); this login's own answer completes it like the HTTP callback.
         * Input is polled, not read blockingly: a thread parked in a native read holds up the JVM's exit by 0.3 s.
         */
        private void readPastes() {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            try {
                while (!result.isDone() && !closed.get()) {
                    int available = env.stdin().available();
                    if (available <= 0) {
                        Thread.sleep(100);
                        continue;
                    }
                    int n = env.stdin().read(buffer, 0, Math.min(available, buffer.length));
                    if (n < 0) return;
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] != '\n') {
                            line.write(buffer[i]);
                            continue;
                        }
                        String text = line.toString(StandardCharsets.UTF_8).trim();
                        line.reset();
                        if (!text.isEmpty()) pasted(judge.address(text));
                    }
                }
            } catch (IOException | InterruptedException e) {
                // standard input closed or unreadable: the HTTP callback still works
            }
        }

        private void pasted(Judgement judged) {
            switch (judged.verdict()) {
                case CODE, DENIED, NO_CODE -> {
                    if (!taken.compareAndSet(false, true)) return;
                    page.complete(Pages.plain(409, "This login was completed from the terminal."));
                    if (judged.callback() != null) result.complete(judged.callback());
                    else result.completeExceptionally(CliException.outcome(judged.reason()));
                }
                case MISMATCH -> ui.note("That address is from another login (its state does not match this one's). "
                        + "Still waiting: paste the address this login's browser tab ended on.");
                default -> ui.note(judged.reason() + " Still waiting: paste the address this login's browser tab ended on.");
            }
        }
    }

    static final class Pages {
        record Page(int httpStatus, String contentType, String body) {
            Page withStatus(int s) { return new Page(s, contentType, body); }
        }

        /* Each page says what is true when it is sent: it is sent once the login has done all it will do. A
           failure gives its reason, which says what to do, and points to the terminal, which says the same. */

        static Page connected(String sessionUrl) {
            return html(200, "Clone Loop connected", "Clone Loop is connected", "Your Clone API key is stored and connected to the Clone Dashboard: "
                    + "<a href=\"" + Text.escapeHtml(sessionUrl) + "\">open the Clone session</a>. You can close this tab.");
        }

        static Page stored() {
            return html(200, "Clone Loop key stored", "Your Clone API key is stored",
                    "It was not connected to the Clone Dashboard (--no-connect). You can close this tab.");
        }

        static Page storedNotConnected(String reason) {
            return html(502, "Clone Loop key stored, not connected", "Your key is stored, but not connected",
                    Text.escapeHtml(reason) + "</p><p>The terminal shows the same.");
        }

        static Page failure(String reason) {
            return html(502, "Clone Loop login failed", "Clone Loop login failed", Text.escapeHtml(reason) + "</p><p>The terminal shows the same.");
        }

        /** The callback address opened without what the dashboard adds to it: nothing failed, and the login goes on waiting. */
        static Page notACallback() {
            return html(400, "Clone Loop is waiting", "This is where the Clone dashboard sends you back",
                    "Opened by itself, this address has nothing to give the login, which is still waiting. Open the Authorize address "
                            + "from the terminal, approve, and the dashboard sends you back here with what the login needs.");
        }

        static Page plain(int status, String text) { return new Page(status, "text/plain; charset=utf-8", text + "\n"); }

        private static Page html(int status, String title, String heading, String paragraph) {
            return new Page(status, "text/html; charset=utf-8", "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + title + "</title>"
                    + "<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;"
                    + "background:#f6f6f4;color:#1d1d1b}main{max-width:32rem;padding:2rem;background:#fff;border-radius:12px;"
                    + "box-shadow:0 1px 4px #0002}h1{font-size:1.4rem;margin:0 0 .5rem}</style></head><body><main><h1>"
                    + heading + "</h1><p>" + paragraph + "</p></main></body></html>\n");
        }

        /** Sends a page; its body passes through the run's redaction like every line (a reason may quote a server). */
        static void send(HttpExchange ex, Page page, Secrets secrets) throws IOException {
            byte[] body = secrets.redact(page.body()).getBytes(StandardCharsets.UTF_8);
            var h = ex.getResponseHeaders();
            h.set("Content-Type", page.contentType());
            h.set("Cache-Control", "no-store");
            h.set("Referrer-Policy", "no-referrer");
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
            h.set("Connection", "close");
            boolean head = ex.getRequestMethod().equals("HEAD"); // headers only: a length here would have the JDK log a warning
            ex.sendResponseHeaders(page.httpStatus(), head ? -1 : body.length);
            try (OutputStream os = ex.getResponseBody()) {
                if (!head) os.write(body);
            }
        }
    }

    /** The real Browser: $BROWSER, else the platform's opener; where there is no display, the address printed. */
    static final class Browsers {
        static void open(Env env, Ui ui, String url) {
            Optional<List<String>> command = command(env, url);
            if (command.isEmpty()) {
                ui.line("Open this URL in your browser: " + url);
                return;
            }
            ui.verbose("Starting the browser: " + command.get().get(0));
            try {
                Process p = new ProcessBuilder(command.get()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                p.getOutputStream().close();
                p.onExit().thenAccept(done -> {
                    if (done.exitValue() == 0) return;
                    ui.line("Open this URL in your browser: " + url);
                    ui.note("The browser command exited with status " + done.exitValue() + ".");
                });
            } catch (IOException e) {
                ui.line("Open this URL in your browser: " + url);
                ui.note("Could not start a browser (" + command.get().get(0) + "): " + Text.describe(e));
            }
        }

        /** The opener for this platform, or empty where there is no display to open a browser on. */
        static Optional<List<String>> command(Env env, String url) {
            List<String> browser = ShellWords.split(env.get("BROWSER"));
            if (!browser.isEmpty()) {
                List<String> command = new ArrayList<>(browser);
                command.add(url);
                return Optional.of(command);
            }
            String os = env.osName().toLowerCase(Locale.ROOT);
            if (os.contains("win")) return Optional.of(List.of("rundll32", "url.dll,FileProtocolHandler", url));
            if (os.contains("mac")) return Optional.of(List.of("open", url));
            if (env.wsl()) return Optional.of(env.onPath("wslview") ? List.of("wslview", url) : List.of("cmd.exe", "/c", "start", "\"\"", url.replace("&", "^&")));
            if (env.get("DISPLAY").isBlank() && env.get("WAYLAND_DISPLAY").isBlank()) return Optional.empty();
            return Optional.of(List.of("xdg-open", url));
        }
    }

    // ============================================================================================
    // The dashboard over HTTP: the code exchange and MCP (contract section 5), one transport, trust, proxies
    // ============================================================================================

    /** The real Dashboard: every call through one Transport, made on another thread while the login prints its first lines. */
    static final class HttpDashboard implements Dashboard {
        record ExchangeRequest(String code, String state) {}
        record ExchangeAnswer(JsonElement key, JsonElement error) {}
        record RpcRequest(String jsonrpc, int id, String method, Object params) {}

        record InitializeParams(@SerializedName("protocolVersion") String protocolVersion, Map<String, Object> capabilities,
                                @SerializedName("clientInfo") ClientInfo clientInfo) {}

        record ClientInfo(String name, String version) {}
        record ToolCall(String name, StartSessionArguments arguments) {}
        record StartSessionArguments(String source, String sourceDetail) {}

        private final Env env;
        private final Ui ui;
        private final Endpoint site;
        private final Endpoint mcp;
        private final CompletableFuture<Transport> transport;

        HttpDashboard(Env env, Ui ui, Endpoint site) {
            this.env = env;
            this.ui = ui;
            this.site = site;
            this.mcp = env.mcp();
            Endpoint[] endpoints = site == null ? new Endpoint[] {mcp} : new Endpoint[] {site, mcp};
            this.transport = CompletableFuture.supplyAsync(() -> new Transport(env, ui, endpoints), Background.EXECUTOR);
        }

        private Transport transport() {
            try {
                return transport.join();
            } catch (CompletionException e) {
                throw CliException.of(e);
            }
        }

        @Override public CompletableFuture<Optional<CliException>> reach() {
            return transport.handleAsync((client, failure) -> failure != null ? Optional.of(CliException.of(failure))
                    : client.reach(site.url() + "/", "Reaching the Clone dashboard").map(e -> new CliException(1, e.getMessage()
                            + " This machine cannot reach the Clone dashboard, so the login cannot finish; nothing was stored.", e.network)),
                    Background.EXECUTOR);
        }

        /** POST the code once: no redirects followed, no retries, so it can never be sent twice. */
        @Override public String exchange(Callback callback) {
            Transport.Reply reply = transport().post(site.url() + "/api/auth/clone-loop/connect/exchange/", Map.of("Content-Type", "application/json"),
                    new ExchangeRequest(callback.code(), callback.state()), "Clone Loop login exchange", event -> false);
            ExchangeAnswer answer = Json.strictObject(reply.body()).flatMap(o -> Json.as(o, ExchangeAnswer.class)).orElse(new ExchangeAnswer(null, null));
            if (!reply.ok()) {
                String error = Json.stringOrEmpty(answer.error());
                throw new CliException(1, error.isBlank() ? "Clone Loop login exchange failed with HTTP " + reply.httpStatus() : Text.clean(error, false));
            }
            String key = Json.stringOrEmpty(answer.key()).trim(); // a key of true or 42 is no key
            if (key.isEmpty()) throw new CliException(1, "Clone Loop login exchange did not return an API key.");
            env.secrets().add(key);
            Keys.requireValid(key, "The key the dashboard returned", "it was not stored");
            return key;
        }

        @Override public String startSession(String key) {
            Transport.Reply initialized = rpc(key, null, "initialize", initializeParams());
            Mcp.answer("initialize", initialized);
            String mcpSession = Optional.ofNullable(initialized.header("mcp-session-id")).orElse("").trim();
            if (mcpSession.isEmpty()) throw new CliException(1, "Clone MCP initialize did not return an mcp-session-id header.");
            ToolCall call = new ToolCall("start_session", new StartSessionArguments("agent", "clone-loop:" + Agent.id(env.vars())));
            return Mcp.sessionId(Mcp.answer("tools/call", rpc(key, mcpSession, "tools/call", call)));
        }

        /** Rejected: the server refused the key (401, 403, a JSON-RPC error). Unreachable: no answer about it (network, deadline, any other status). */
        @Override public Check check(String key) {
            Transport.Reply reply;
            try {
                reply = rpc(key, null, "initialize", initializeParams());
            } catch (CliException e) {
                if (e.exitCode == 130) throw e;
                return new Check(Check.Verdict.UNREACHABLE, e.getMessage());
            }
            String status = "HTTP " + reply.httpStatus() + ": " + Text.clean(Text.first(reply.body(), 200), false).trim();
            if (reply.httpStatus() == 401 || reply.httpStatus() == 403) return new Check(Check.Verdict.REJECTED, status);
            if (!reply.ok()) return new Check(Check.Verdict.UNREACHABLE, status);
            Optional<Mcp.Answer> answer = Mcp.parse(reply, Mcp.requestId("initialize"));
            if (answer.isEmpty()) return new Check(Check.Verdict.UNREACHABLE, "Clone MCP initialize returned no JSON-RPC message.");
            return answer.get().failure("initialize").map(f -> new Check(Check.Verdict.REJECTED, f)).orElse(new Check(Check.Verdict.ACCEPTED, null));
        }

        @Override public void close() { transport.thenAccept(Transport::close); }

        /** The initialize params: clientInfo carries the plugin's version when run as part of it, else this tool's. */
        private InitializeParams initializeParams() {
            return new InitializeParams("2024-11-05", Map.of(), new ClientInfo("clone-loop", PluginVersion.of(env, ui)));
        }

        /** One JSON-RPC call to the MCP endpoint, the key in its header, the session once there is one. */
        private Transport.Reply rpc(String key, String sessionId, String method, Object params) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            headers.put("Accept", "application/json, text/event-stream");
            headers.put("X-Clone-API-Key", key);
            if (sessionId != null) headers.put("mcp-session-id", sessionId);
            int id = Mcp.requestId(method);
            return transport().post(mcp.url(), headers, new RpcRequest("2.0", id, method, params), "Clone MCP " + method,
                    event -> Mcp.answering(event, id).isPresent());
        }
    }

    /**
     * The version the MCP initialize announces, as the Node command does: the plugin's, from PLUGIN_ROOT (Codex,
     * first, as PLUGIN_DATA wins) or CLAUDE_PLUGIN_ROOT, reading .claude-plugin/plugin.json then
     * .codex-plugin/plugin.json; without a plugin, this tool's own.
     */
    static final class PluginVersion {
        static String of(Env env, Ui ui) {
            for (String variable : List.of("PLUGIN_ROOT", "CLAUDE_PLUGIN_ROOT")) {
                String value = env.get(variable).trim();
                if (value.isEmpty()) continue;
                Path root;
                try {
                    root = Env.folder(variable, value, env.vars());
                } catch (CliException e) {
                    ui.verbose(e.getMessage());
                    continue;
                }
                for (String manifest : List.of(".claude-plugin", ".codex-plugin")) {
                    Path file = root.resolve(manifest).resolve("plugin.json");
                    Optional<String> version = read(file);
                    if (version.isPresent()) {
                        ui.verbose("MCP clientInfo version " + version.get() + ", the plugin's (" + file + ").");
                        return version.get();
                    }
                }
            }
            ui.verbose("MCP clientInfo version " + VERSION + ", this tool's own (no plugin manifest with a version in PLUGIN_ROOT or CLAUDE_PLUGIN_ROOT).");
            return VERSION;
        }

        private static Optional<String> read(Path manifest) {
            try {
                return Json.strictObject(SafeFiles.readSmallText(manifest)).map(o -> Json.stringOrEmpty(o.get("version"))).filter(v -> !v.isBlank());
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }

    /** Reading MCP answers: plain JSON or server-sent events; JSON-RPC errors; the start_session result. */
    static final class Mcp {
        record Answer(JsonElement error, JsonElement result) {
            /** The JSON-RPC error, in the contract's words; empty for a result. */
            Optional<String> failure(String method) {
                if (error == null || error.isJsonNull()) return Optional.empty();
                String message = error.isJsonObject() ? Json.stringOrEmpty(error.getAsJsonObject().get("message")) : error.toString();
                return Optional.of("Clone MCP " + method + " failed: " + Text.clean(message, false));
            }
        }

        record ToolResult(List<Content> content, @SerializedName("isError") Boolean isError) {
            String text() { return content == null || content.isEmpty() || content.get(0) == null ? "" : Optional.ofNullable(content.get(0).text()).orElse(""); }
        }

        record Content(String text) {}

        /** start_session's JSON: the session id, under session_id or sessionId. */
        record Started(@SerializedName("session_id") String snakeCase, @SerializedName("sessionId") String camelCase) {
            String id() { return snakeCase != null && !snakeCase.isBlank() ? snakeCase : Optional.ofNullable(camelCase).orElse(""); }
        }

        /** Each call's JSON-RPC id: the two calls a connect makes, one after the other. */
        static int requestId(String method) { return method.equals("initialize") ? 1 : 2; }

        /** The JSON-RPC answer, or the failure the contract words: a non-2xx status, no message, or an error. */
        static Answer answer(String method, Transport.Reply reply) {
            if (!reply.ok()) {
                throw new CliException(1, "Clone MCP " + method + " failed with HTTP " + reply.httpStatus() + ": " + Text.clean(Text.first(reply.body(), 500), false));
            }
            Answer answer = parse(reply, requestId(method)).orElseThrow(() -> new CliException(1, "Clone MCP " + method + " returned no JSON-RPC message."));
            answer.failure(method).ifPresent(f -> { throw new CliException(1, f); });
            return answer;
        }

        static Optional<Answer> parse(Transport.Reply reply, int id) { return response(reply.body(), id).flatMap(o -> Json.as(o, Answer.class)); }

        /**
         * The response to request {@code id}: the body as plain JSON, or among server-sent events the first whose
         * data is the JSON-RPC response with that id (notifications and other requests' answers skipped).
         */
        static Optional<JsonObject> response(String body, int id) {
            Optional<JsonObject> plain = Json.strictObject(body);
            if (plain.isPresent()) return plain;
            for (String event : body.replace("\r\n", "\n").split("\n\n")) {
                Optional<JsonObject> answer = answering(Transport.eventData(event), id);
                if (answer.isPresent()) return answer;
            }
            return Optional.empty();
        }

        /** The event's JSON when it is the response to request {@code id} (a result or an error under that id). */
        static Optional<JsonObject> answering(String data, int id) {
            return Json.strictObject(data).filter(o -> (o.has("result") || o.has("error")) && o.get("id") != null
                    && o.get("id").isJsonPrimitive() && o.get("id").getAsString().equals(Integer.toString(id)));
        }

        /** start_session's answer: result.content[0].text is JSON holding session_id (or sessionId). */
        static String sessionId(Answer answer) {
            ToolResult result = Json.as(answer.result(), ToolResult.class).orElse(new ToolResult(List.of(), false));
            String text = result.text();
            if (Boolean.TRUE.equals(result.isError())) {
                throw new CliException(1, "start_session returned an error: " + (text.isBlank() ? "unknown MCP tool error" : Text.clean(text, false)));
            }
            if (text.isBlank()) throw new CliException(1, "start_session returned an empty response.");
            Started started = Json.strictObject(text).flatMap(o -> Json.as(o, Started.class)).orElseThrow(() -> new CliException(1,
                    "start_session returned a non-JSON response: " + Text.clean(Text.first(text, 200), false)));
            if (started.id().isBlank()) throw new CliException(1, "start_session did not return a Clone session id (no session_id in its answer).");
            return started.id().trim();
        }
    }

    /**
     * The one HTTP client every call goes through: proxies chosen per address as curl chooses them, a 10 s connect
     * timeout and one deadline for the whole answer, body included, at most 1 MiB read, no redirects, no retries.
     */
    static final class Transport implements AutoCloseable {
        static final int MAX_BODY = 1 << 20;
        private static final ExecutorService CALLS = Executors.newCachedThreadPool(task -> daemonThread("clone-login-http", task));

        record Reply(int httpStatus, Map<String, String> headers, String body, boolean tooLarge) {
            boolean ok() { return httpStatus >= 200 && httpStatus < 300; }
            String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
        }

        private final Env env;
        private final Ui ui;
        private final UnirestInstance http = new UnirestInstance(new Config());

        /** A client for calls to these endpoints: over https it trusts what {@link Trust} says. */
        Transport(Env env, Ui ui, Endpoint... endpoints) {
            this.env = env;
            this.ui = ui;
            if (Stream.of(endpoints).anyMatch(Endpoint::https)) {
                Trust.Loaded trust = env.trust().get();
                trust.warnings().forEach(ui::warn);
                http.config().sslContext(trust.context());
            }
            // proxy credentials go as a header on each CONNECT (send, below), not through Unirest: the Authenticator
            // it would install also answers the dashboard's own Basic challenge with them
            http.config().connectTimeout((int) env.limits().connect().toMillis()).requestTimeout((int) env.limits().response().toMillis())
                    .followRedirects(false).version(HttpClient.Version.HTTP_1_1).proxy(Proxies.selector(env.vars()))
                    .setObjectMapper(new GsonObjectMapper(Json.GSON));
        }

        /** One POST; lastEvent says which server-sent event is the answer (a server may keep the stream open after it). */
        Reply post(String url, Map<String, String> headers, Object body, String what, Predicate<String> lastEvent) {
            HttpRequestWithBody request = http.post(url);
            headers.forEach(request::header);
            return send(request.body(body), "POST", url, what, lastEvent);
        }

        /**
         * Whether this machine reaches the address (a HEAD request; any answer will do), for a login to know before
         * the browser opens: the definite failure (the name, the connection, the certificate, the proxy), or empty
         * when it did or no answer came in time. The login's calls then reuse the connection, or its TLS session.
         */
        Optional<CliException> reach(String url, String what) {
            try {
                send(http.head(url), "HEAD", url, what, event -> false);
                return Optional.empty();
            } catch (CliException e) {
                return e.network != null && e.network.definite() ? Optional.of(e) : Optional.empty();
            }
        }

        /**
         * One deadline for the whole answer, body included: the JDK's own timeout ends at the headers, and a peer
         * that then drips its body would hold the login forever. The call runs on a daemon thread; past the
         * deadline its stream is closed and the call abandoned, never retried.
         */
        private Reply send(HttpRequest<?> request, String method, String url, String what, Predicate<String> lastEvent) {
            URI uri = URI.create(url);
            Optional<Proxy> proxy = Proxies.forUri(uri, env.vars());
            proxy.filter(Proxy::isAuthenticated).ifPresent(p -> request.header("Proxy-Authorization", Proxies.basic(p)));
            long started = System.nanoTime();
            AtomicReference<InputStream> stream = new AtomicReference<>();
            CompletableFuture<HttpResponse<Reply>> call = CompletableFuture.supplyAsync(() -> request.asObject(raw -> read(raw, stream, lastEvent)), CALLS);
            try {
                HttpResponse<Reply> response = call.get(env.limits().response().toMillis(), TimeUnit.MILLISECONDS);
                Reply reply = response.getBody();
                if (reply == null) {
                    throw new CliException(1, what + " answer could not be read: " + response.getParsingError().map(Text::describe).orElse("no body"));
                }
                if (reply.tooLarge()) throw new CliException(1, what + " answered with more than 1 MiB; refusing to read it.");
                ui.verbose(method + " " + Urls.withoutQuery(url) + " -> HTTP " + reply.httpStatus() + " (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
                if (reply.httpStatus() == 407) throw Proxies.refused(what, proxy);
                return reply;
            } catch (TimeoutException e) {
                abandon(call, stream);
                throw new CliException(1, what + " got no complete answer from " + uri.getHost() + " within " + env.limits().response().toSeconds() + " s.",
                        Network.Kind.TIMEOUT);
            } catch (InterruptedException e) {
                abandon(call, stream);
                throw CliException.interrupted();
            } catch (ExecutionException e) {
                Network.Cause cause = Network.cause(e.getCause(), uri, proxy);
                throw new CliException(1, what + " failed: " + cause.words() + ".", cause.kind());
            }
        }

        private static void abandon(CompletableFuture<?> call, AtomicReference<InputStream> stream) {
            call.cancel(true);
            InputStream in = stream.get();
            if (in == null) return;
            try {
                in.close();
            } catch (IOException e) {
                // abandoned either way
            }
        }

        /** The status, headers and body (at most 1 MiB); server-sent events are read up to the one that is the answer. */
        private static Reply read(RawResponse raw, AtomicReference<InputStream> stream, Predicate<String> lastEvent) {
            Map<String, String> headers = new LinkedHashMap<>();
            raw.getHeaders().all().forEach(h -> headers.putIfAbsent(h.getName().toLowerCase(Locale.ROOT), h.getValue()));
            boolean events = headers.getOrDefault("content-type", "").toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            try (InputStream in = raw.getContent()) {
                stream.set(in);
                byte[] bytes = in == null ? new byte[0] : events ? readEvents(in, lastEvent) : in.readNBytes(MAX_BODY + 1);
                return new Reply(raw.getStatus(), headers, new String(bytes, 0, Math.min(bytes.length, MAX_BODY), StandardCharsets.UTF_8),
                        bytes.length > MAX_BODY);
            } catch (IOException e) {
                throw new UnirestException(e);
            }
        }

        /** Server-sent events up to the end of the one that is the answer (or the end of the stream, or past 1 MiB). */
        private static byte[] readEvents(InputStream raw, Predicate<String> lastEvent) throws IOException {
            InputStream in = new BufferedInputStream(raw);
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            StringBuilder event = new StringBuilder();
            for (int b; body.size() <= MAX_BODY && (b = in.read()) >= 0; ) {
                body.write(b);
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8).replaceFirst("\r$", "");
                line.reset();
                if (!text.isEmpty()) {
                    event.append(text).append('\n');
                } else if (lastEvent.test(eventData(event.toString()))) {
                    break; // the answer: nothing after it counts
                } else {
                    event.setLength(0);
                }
            }
            return body.toByteArray();
        }

        /** The data lines of one server-sent event, joined as the SSE format says. */
        static String eventData(String event) {
            StringBuilder data = new StringBuilder();
            for (String line : event.split("\n")) {
                if (!line.startsWith("data:")) continue;
                if (data.length() > 0) data.append('\n');
                data.append(line.startsWith("data: ") ? line.substring(6) : line.substring(5));
            }
            return data.toString();
        }

        /**
         * Closing also ends the client's selector thread, which waits in native code: at exit the JVM waits about
         * 0.3 s for such a thread. JDK 17 has no public way to stop it (21 has HttpClient.shutdownNow), but the
         * thread ends its loop when interrupted, as on the client's own shutdown. Its name holds the client's id,
         * which the client's toString ends with (the JDK's own tests find the thread so).
         */
        @Override public void close() {
            if (!http.config().isRunning()) return; // no call made: no client, no thread
            Object client = http.config().getClient().getClient(); // generic: String.valueOf would take it for a char[]
            String id = client.toString();
            String selector = "HttpClient-" + id.substring(id.lastIndexOf('(') + 1).replace(")", "") + "-SelectorManager";
            http.close();
            Thread[] threads = new Thread[Thread.activeCount() + 16];
            int n = Thread.currentThread().getThreadGroup().enumerate(threads, true);
            for (int i = 0; i < n; i++) {
                if (threads[i].getName().equals(selector)) threads[i].interrupt();
            }
        }
    }

    /**
     * The certificate authorities a call over https trusts: the JDK's own (or the trust store its options name),
     * the PEM certificates in NODE_EXTRA_CA_CERTS (which Claude Code users behind a TLS-inspecting proxy already set
     * for Node) and SSL_CERT_FILE (curl's), and the operating system's store where the JDK can read it:
     * Windows-ROOT, the macOS keychain, on Linux the distribution's bundle. A certificate is trusted when one of
     * these, asked in that order, trusts it; the system's store is read only when the others did not (parsing
     * Linux's bundle takes a quarter of a second).
     */
    static final class Trust {
        static final List<String> LINUX_BUNDLES = List.of("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem");

        /** The trust a run's calls use, and what could not be read for it (said when a call is made). */
        record Loaded(SSLContext context, List<String> warnings) {}

        /** This environment's trust, made on first need (main starts it early for a login, on the other core). */
        static Supplier<Loaded> once(Map<String, String> vars, String os) {
            return once(() -> load(vars, os, os.toLowerCase(Locale.ROOT).contains("linux") ? LINUX_BUNDLES : List.of()));
        }

        static Loaded load(Map<String, String> vars, String os, List<String> bundles) {
            try {
                List<String> warnings = new CopyOnWriteArrayList<>();
                List<X509Certificate> named = new ArrayList<>();
                for (String variable : List.of("NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE")) {
                    String file = vars.getOrDefault(variable, "").trim();
                    if (!file.isEmpty()) named.addAll(pem(Env.folder(variable, file, vars), variable, warnings));
                }
                X509ExtendedTrustManager jdk = manager(null), files = named.isEmpty() ? null : manager(named);
                Supplier<X509ExtendedTrustManager> system = once(() -> {
                    List<X509Certificate> all = new ArrayList<>(operatingSystem(os));
                    bundles.stream().map(Paths::get).filter(Files::isReadable).findFirst().ifPresent(b -> all.addAll(pem(b, b.toString(), warnings)));
                    return all.isEmpty() ? null : manager(all);
                });
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new FirstThatTrusts(List.of(() -> jdk, () -> files, system))}, null);
                return new Loaded(context, warnings);
            } catch (GeneralSecurityException | RuntimeException e) {
                throw e instanceof CliException cli ? cli : new CliException(1, "Could not set up TLS: " + Text.describe(e) + ".");
            }
        }

        /** A PKIX trust manager for these authorities; the JDK's own for null. */
        private static X509ExtendedTrustManager manager(List<X509Certificate> authorities) {
            try {
                var factory = TrustManagerFactory.getInstance("PKIX");
                if (authorities == null) {
                    factory.init((java.security.KeyStore) null);
                } else {
                    Set<TrustAnchor> anchors = new HashSet<>();
                    authorities.forEach(c -> anchors.add(new TrustAnchor(c, null)));
                    var parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
                    parameters.setRevocationEnabled(false); // as the JDK's own trust manager does by default
                    factory.init(new CertPathTrustManagerParameters(parameters));
                }
                return Stream.of(factory.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                        .map(X509ExtendedTrustManager.class::cast).findFirst().orElseThrow();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Made by the first caller; the others wait for it rather than make it again. */
        private static <T> Supplier<T> once(Supplier<T> make) {
            return new Supplier<>() {
                private Optional<T> made;

                @Override public synchronized T get() {
                    if (made == null) made = Optional.ofNullable(make.get());
                    return made.orElse(null);
                }
            };
        }

        /** Trusts a server the first of its managers that trusts it trusts; the first one's refusal otherwise. A client never asks. */
        private static final class FirstThatTrusts extends X509ExtendedTrustManager {
            private interface Check { void by(X509ExtendedTrustManager manager) throws CertificateException; }

            private final List<Supplier<X509ExtendedTrustManager>> managers;

            FirstThatTrusts(List<Supplier<X509ExtendedTrustManager>> managers) { this.managers = managers; }

            private void first(Check check) throws CertificateException {
                CertificateException refusal = null;
                for (var source : managers) {
                    var manager = source.get();
                    if (manager == null) continue;
                    try {
                        check.by(manager);
                        return;
                    } catch (CertificateException e) {
                        if (refusal == null) refusal = e;
                    }
                }
                throw refusal;
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException {
                first(m -> m.checkServerTrusted(chain, auth, s));
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine e) throws CertificateException {
                first(m -> m.checkServerTrusted(chain, auth, e));
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String auth) throws CertificateException {
                first(m -> m.checkServerTrusted(chain, auth));
            }

            @Override public void checkClientTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException { refuse(); }

            @Override public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine e) throws CertificateException { refuse(); }

            @Override public void checkClientTrusted(X509Certificate[] chain, String auth) throws CertificateException { refuse(); }

            private static void refuse() throws CertificateException { throw new CertificateException("this tool is never a TLS server"); }

            @Override public X509Certificate[] getAcceptedIssuers() { return managers.get(0).get().getAcceptedIssuers(); }
        }

        /** The certificates of a PEM file; one that cannot be read is said and left out, as Node does. */
        static List<X509Certificate> pem(Path file, String from, List<String> warnings) {
            try (InputStream in = Files.newInputStream(file)) {
                return CertificateFactory.getInstance("X.509").generateCertificates(in).stream().filter(X509Certificate.class::isInstance)
                        .map(X509Certificate.class::cast).toList();
            } catch (IOException | GeneralSecurityException e) {
                warnings.add("Warning: ignoring the certificates in " + from + " (" + file + "): " + Text.describe(e) + ".");
                return List.of();
            }
        }

        /** The system's own store where the JDK has a provider for it; none elsewhere. */
        private static List<X509Certificate> operatingSystem(String osName) {
            String os = osName.toLowerCase(Locale.ROOT);
            String type = os.contains("win") ? "Windows-ROOT" : os.contains("mac") ? "KeychainStore" : null;
            if (type == null) return List.of();
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(type);
                store.load(null, null);
                List<X509Certificate> found = new ArrayList<>();
                for (String alias : Collections.list(store.aliases())) {
                    if (store.getCertificate(alias) instanceof X509Certificate c) found.add(c);
                }
                return found;
            } catch (IOException | GeneralSecurityException e) {
                return List.of(); // not readable here: the JDK's own CAs and the files still count
            }
        }
    }

    /**
     * Proxy choice as curl makes it: scheme_proxy (either case), NO_PROXY host suffixes; loopback goes direct.
     * A value that cannot be used fails before anything starts, without being echoed: it may hold a password.
     */
    static final class Proxies {
        static Optional<Proxy> forUri(URI uri, Map<String, String> env) {
            String host = Optional.ofNullable(uri.getHost()).orElse("").toLowerCase(Locale.ROOT);
            if (Urls.isLoopbackHost(host) || bypassed(host, env.getOrDefault(first(env, "no_proxy", "NO_PROXY"), ""))) return Optional.empty();
            String variable = "https".equalsIgnoreCase(uri.getScheme()) ? first(env, "https_proxy", "HTTPS_PROXY") : first(env, "http_proxy", "HTTP_PROXY");
            return variable.isEmpty() ? Optional.empty() : Optional.of(parse(variable, env.get(variable).trim()));
        }

        static Proxy parse(String variable, String value) {
            URI p;
            try {
                p = new URI(value.contains("://") ? value : "http://" + value);
            } catch (URISyntaxException e) {
                throw unusable(variable, "it is not a URL");
            }
            String scheme = Optional.ofNullable(p.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            if (!scheme.equals("http")) throw unusable(variable, "only http:// proxies are supported, not " + Text.clean(scheme, false) + "://");
            if (p.getHost() == null) throw unusable(variable, "it names no valid host and port");
            int port = p.getPort() > 0 ? p.getPort() : 1080;
            if (port > 65535) throw unusable(variable, "its port is out of range");
            String userInfo = p.getUserInfo();
            if (userInfo == null) return new Proxy(p.getHost(), port);
            int colon = userInfo.indexOf(':');
            return new Proxy(p.getHost(), port, colon < 0 ? userInfo : userInfo.substring(0, colon), colon < 0 ? "" : userInfo.substring(colon + 1));
        }

        /** forUri as a java.net.ProxySelector, for the one HTTP client. */
        static ProxySelector selector(Map<String, String> env) {
            return new ProxySelector() {
                @Override public List<java.net.Proxy> select(URI uri) {
                    return forUri(uri, env).map(p -> List.of(new java.net.Proxy(java.net.Proxy.Type.HTTP,
                            InetSocketAddress.createUnresolved(p.getHost(), p.getPort())))).orElse(List.of(java.net.Proxy.NO_PROXY));
                }

                @Override public void connectFailed(URI uri, SocketAddress address, IOException e) {
                    // the call reports the failure itself
                }
            };
        }

        static String basic(Proxy proxy) {
            return "Basic " + Base64.getEncoder().encodeToString((proxy.getUsername() + ":" + proxy.getPassword()).getBytes(StandardCharsets.UTF_8));
        }

        static CliException refused(String what, Optional<Proxy> proxy) {
            if (proxy.isEmpty()) return new CliException(1, what + " failed with HTTP 407 (proxy authentication required).", Network.Kind.PROXY);
            return new CliException(1, what + " was refused by the proxy " + proxy.get().getHost() + ":" + proxy.get().getPort()
                    + " (HTTP 407 Proxy Authentication Required): " + (proxy.get().isAuthenticated() ? "check the user and password in HTTPS_PROXY."
                    : "it wants a user and password, as in HTTPS_PROXY=http://USER:PASSWORD@HOST:PORT."), Network.Kind.PROXY);
        }

        private static CliException unusable(String variable, String why) {
            return new CliException(1, variable + " is not a usable proxy (" + why + "); expected http://[user:password@]host:port.");
        }

        static boolean bypassed(String host, String noProxy) {
            for (String raw : noProxy.split(",")) {
                String entry = raw.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", "");
                if (entry.equals("*") || (!entry.isEmpty() && (host.equals(entry) || host.endsWith("." + entry)))) return true;
            }
            return false;
        }

        /** The first of these variables that is set to something, or "" for none. */
        private static String first(Map<String, String> env, String... names) {
            return Stream.of(names).filter(n -> !env.getOrDefault(n, "").isBlank()).findFirst().orElse("");
        }
    }

    /** Why a call did not reach its server, in plain words: which step failed (name, connection, certificate), never a class name. */
    static final class Network {
        /** Which step of reaching a server failed. Every one but a timeout is a definite answer: retrying now would not help. */
        enum Kind {
            NAME, REFUSED, TLS, PROXY, TIMEOUT, OTHER;

            boolean definite() { return this != TIMEOUT; }
        }

        record Cause(Kind kind, String words) {}

        static Cause cause(Throwable e, URI uri, Optional<Proxy> proxy) {
            String host = uri.getHost();
            int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            String through = proxy.map(p -> " through the proxy " + p.getHost() + ":" + p.getPort()).orElse("");
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                    return proxy.isPresent() ? new Cause(Kind.PROXY, "could not resolve the proxy host " + proxy.get().getHost())
                            : new Cause(Kind.NAME, "could not resolve host " + host + " (check the name and this machine's network and DNS)");
                }
            }
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof HttpConnectTimeoutException || t instanceof SocketTimeoutException) {
                    return new Cause(Kind.TIMEOUT, "connecting to " + host + ":" + port + through + " timed out");
                }
                if (t instanceof ConnectException) {
                    return proxy.map(p -> new Cause(Kind.PROXY, "connection refused by the proxy " + p.getHost() + ":" + p.getPort()))
                            .orElseGet(() -> new Cause(Kind.REFUSED, "connection refused by " + host + ":" + port));
                }
                if (t instanceof SSLException) return new Cause(Kind.TLS, tls(t, host));
            }
            return new Cause(Kind.OTHER, "could not reach " + host + through + ": " + Text.describe(e));
        }

        /** A failed TLS handshake: most often a certificate this machine does not trust (a proxy that inspects TLS). */
        static String tls(Throwable e, String host) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
                    return "certificate not trusted: " + host + " presented a certificate that no certificate authority this machine trusts has signed. "
                            + "Behind a proxy or a company network that inspects TLS, add its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem (or SSL_CERT_FILE)";
                }
                if (t instanceof CertificateExpiredException) return "the certificate of " + host + " has expired";
                if (t instanceof CertificateException && String.valueOf(t.getMessage()).contains("subject alternative")) {
                    return "the certificate " + host + " presented is for another name";
                }
            }
            return "the TLS handshake with " + host + " failed: " + Text.describe(e);
        }
    }

    /**
     * A dashboard or MCP address, parsed and normalised once: scheme and host in lower case, no user information,
     * no fragment; every check, proxy choice, call and printed line uses this one form. It must be https, or plain
     * http on loopback; anything else is refused before any network call, server or browser.
     */
    record Endpoint(String url, URI uri) {
        static Endpoint of(String value, String variable) {
            String shown = value.contains("@") ? "(not shown)" : Text.clean(value, false); // whatever stands before an @ may be a password
            URI parsed;
            try {
                parsed = new URI(value);
            } catch (URISyntaxException e) {
                throw new CliException(1, variable + " is not a valid URL (it must be an https URL): " + shown + ".");
            }
            if (parsed.getRawUserInfo() != null) {
                throw new CliException(1, variable + " holds a user name or password (user:password@), which this tool never sends or prints: "
                        + "remove it from the URL.");
            }
            String scheme = Optional.ofNullable(parsed.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            String host = Optional.ofNullable(parsed.getHost()).orElse("").toLowerCase(Locale.ROOT);
            if (host.isEmpty() || !(scheme.equals("https") || (scheme.equals("http") && Urls.isLoopbackHost(host)))) {
                throw new CliException(1, variable + " must be an https URL (plain http is allowed only for 127.0.0.1, ::1 and localhost), not " + shown + ".");
            }
            String url = scheme + "://" + host + (parsed.getPort() < 0 ? "" : ":" + parsed.getPort()) + Optional.ofNullable(parsed.getRawPath()).orElse("")
                    + (parsed.getRawQuery() == null ? "" : "?" + parsed.getRawQuery());
            return new Endpoint(url, URI.create(url));
        }

        /** Also the proxy this endpoint goes through: a value that cannot be used fails now, and its password is never printed. */
        static Endpoint checked(Env env, String value, String variable) {
            Endpoint endpoint = of(value, variable);
            Proxies.forUri(endpoint.uri(), env.vars()).filter(Proxy::isAuthenticated).ifPresent(p -> env.secrets().add(p.getPassword(), "***"));
            return endpoint;
        }

        boolean https() { return uri.getScheme().equals("https"); }
    }

    // ============================================================================================
    // The key store and key resolution (contract sections 2, 3 and 6)
    // ============================================================================================

    /** A key and where it came from (environment, plugin config, demo fallback), with the only form in which it is shown. */
    public record ResolvedKey(String token, String source, String masked, boolean demo) {
        static final String ENVIRONMENT = "environment";
        static final String PLUGIN_CONFIG = "plugin config";
        static final String DEMO = "demo fallback";

        static ResolvedKey of(String token, String source) { return new ResolvedKey(token, source, Mask.mask(token), source.equals(DEMO)); }

        @Override public String toString() { return source + " " + masked; }
    }

    record StoredKey(String token, Path path) {}

    /**
     * The key files as one reading found them, and what follows: the stored key (the first candidate that holds
     * one), the key in effect (CLONE_API_TOKEN, the stored key, the demo key), and whether the variable shadows the
     * stored key. A command reads it once (and once more after it wrote or cleared), so nothing it says disagrees.
     */
    record KeyState(KeyStore store, List<KeyStore.Reading> readings, Optional<StoredKey> stored, ResolvedKey effective, boolean shadowed) {
        static KeyState read(Env env, KeyStore store) {
            List<KeyStore.Reading> readings = store.readings();
            Optional<StoredKey> stored = readings.stream().filter(KeyStore.Reading::found).findFirst().map(r -> new StoredKey(r.token(), r.path()));
            stored.ifPresent(s -> env.secrets().add(s.token())); // a key read is a key in hand: redacted, whatever echoes it
            ResolvedKey effective = !env.token().isEmpty() ? ResolvedKey.of(env.token(), ResolvedKey.ENVIRONMENT)
                    : stored.map(s -> ResolvedKey.of(s.token(), ResolvedKey.PLUGIN_CONFIG)).orElseGet(() -> ResolvedKey.of(DEMO_TOKEN, ResolvedKey.DEMO));
            return new KeyState(store, readings, stored, effective, stored.map(s -> Shadowing.shadows(env, s.token())).orElse(false));
        }
    }

    /** Section 6: a nonblank CLONE_API_TOKEN that differs from the stored key wins over it, and the person is told how to unset it. */
    static final class Shadowing {
        static boolean shadows(Env env, String stored) { return !env.token().isEmpty() && !env.token().equals(stored); }

        static void warnBeforeLogin(Env env, Ui ui) {
            if (env.token().isEmpty()) return;
            ui.warn("Warning: CLONE_API_TOKEN is set (" + Mask.mask(env.token()) + ") and takes precedence over the key this login stores. "
                    + "Unset CLONE_API_TOKEN afterwards to use the new key.");
        }

        static int warnAfterStore(Env env, Ui ui, String stored) {
            if (!shadows(env, stored)) return 0;
            ui.warn("Warning: CLONE_API_TOKEN (" + Mask.mask(env.token()) + ") takes precedence over the stored key (" + Mask.mask(stored)
                    + "). To use the stored key, " + unsetAdvice(env) + ", and remove it from your shell profile or agent settings.");
            return 3;
        }

        /** How to unset the variable in the shell the person is using. */
        static String unsetAdvice(Env env) {
            if (env.osName().toLowerCase(Locale.ROOT).contains("win")) {
                return "unset CLONE_API_TOKEN (PowerShell: Remove-Item Env:CLONE_API_TOKEN; cmd: set CLONE_API_TOKEN=)";
            }
            return switch (env.get("SHELL").replaceAll(".*[/\\\\]", "")) {
                case "fish" -> "run: set -e CLONE_API_TOKEN";
                case "csh", "tcsh" -> "run: unsetenv CLONE_API_TOKEN";
                case "pwsh", "powershell" -> "run: Remove-Item Env:CLONE_API_TOKEN";
                default -> "run: unset CLONE_API_TOKEN";
            };
        }
    }

    /**
     * Where keys are stored (section 3): the config in the data folder, then, when no folder is injected, the legacy
     * folders in the contract's order. Writing goes through the one Writer, under the folder's lock.
     */
    record KeyStore(Path folder, boolean injected, List<Path> candidates, Duration lockWait) {
        static final List<String> LEGACY_FOLDERS = List.of("clone-loop-clone-loop", "clone-loop-clone-labs", "clone-clone-loop", "clone-clone-labs");

        static KeyStore of(Env env) {
            String codex = env.get("PLUGIN_DATA").trim(), claude = env.get("CLAUDE_PLUGIN_DATA").trim();
            if (!codex.isEmpty() || !claude.isEmpty()) {
                Path folder = codex.isEmpty() ? Env.folder("CLAUDE_PLUGIN_DATA", claude, env.vars()) : Env.folder("PLUGIN_DATA", codex, env.vars());
                return new KeyStore(folder, true, List.of(folder.resolve(AUTH_FILE)), env.limits().lockWait());
            }
            Path home = env.home() != null ? env.home() : Env.folder(Env.homeVariable(), env.get(Env.homeVariable()).trim(), env.vars());
            Path data = home.resolve(".claude").resolve("plugins").resolve("data");
            List<Path> candidates = new ArrayList<>(List.of(data.resolve("clone-labs-clone-loop").resolve(AUTH_FILE)));
            LEGACY_FOLDERS.forEach(f -> candidates.add(data.resolve(f).resolve(AUTH_FILE)));
            return new KeyStore(data.resolve("clone-labs-clone-loop"), false, List.copyOf(candidates), env.limits().lockWait());
        }

        Path configPath() { return folder.resolve(AUTH_FILE); }

        /** What one candidate file holds: a key, or why it was skipped (nothing there: neither). */
        record Reading(Path path, String token, String skipped) {
            boolean found() { return !token.isEmpty(); }
        }

        /** Every candidate up to and including the one in effect, each with what it held or why it was skipped. */
        List<Reading> readings() {
            List<Reading> seen = new ArrayList<>();
            for (Path candidate : candidates) {
                Reading r = readOne(candidate);
                if (r.found() || !r.skipped().isEmpty()) seen.add(r);
                if (r.found()) break;
            }
            return seen;
        }

        static Reading readOne(Path file) {
            try {
                return Json.strictObject(SafeFiles.readSmallText(file)).map(o -> Json.stringOrEmpty(o.get("clone_api_token")).trim())
                        .map(t -> new Reading(file, t, t.isEmpty() ? "it holds no clone_api_token" : ""))
                        .orElseGet(() -> new Reading(file, "", "it is not valid JSON"));
            } catch (NoSuchFileException e) {
                return new Reading(file, "", "");
            } catch (CharacterCodingException e) {
                return new Reading(file, "", "it is not valid UTF-8");
            } catch (IOException e) {
                return new Reading(file, "", Text.describe(e));
            }
        }

        void write(String token, Clock clock, Ui ui) {
            try (Writer writer = lock(ui)) {
                writer.write(token, clock, SafeFiles.Gate.OPEN);
            }
        }

        /**
         * The config's lock, held until closed: a login takes it before it sends its single-use code, so the key
         * that comes back can always be written. Only a lock that another live process holds is waited for.
         */
        Writer lock(Ui ui) { return lock(ui, AUTH_FILE); }

        /** The lock, for one of the tool's files in the data folder: the config, or the pending login. */
        Writer lock(Ui ui, String name) {
            Writer writer = new Writer(folder.resolve(name), ui);
            try {
                SafeFiles.ensureFolder(folder, ui);
                writer.target = SafeFiles.writeTarget(folder.resolve(name));
                writer.lock = FolderLock.acquire(folder, lockWait, ui);
                return writer;
            } catch (IOException e) {
                throw writer.failed(e);
            }
        }

        /** The one way this tool writes a file: under the lock, through a new owner-only temporary, renamed over atomically. */
        final class Writer implements AutoCloseable {
            private final Path file;
            private final Ui ui;
            private Path target;
            private FolderLock lock;

            private Writer(Path file, Ui ui) {
                this.file = file;
                this.ui = ui;
            }

            /** The config with this key, its other fields kept; a file that is not strict JSON in UTF-8 is moved aside, never lost. */
            void write(String token, Clock clock, SafeFiles.Gate gate) {
                JsonObject content;
                try {
                    content = Json.strictObject(SafeFiles.readSmallText(target)).orElse(null);
                } catch (NoSuchFileException e) {
                    content = new JsonObject();
                } catch (CharacterCodingException e) {
                    content = null; // not UTF-8: moved aside below
                } catch (IOException e) {
                    throw failed(e);
                }
                try {
                    if (content == null) {
                        ui.note("The existing " + target.getFileName() + " was not valid JSON; moved it aside to " + SafeFiles.moveAside(target, clock.instant()) + ".");
                        content = new JsonObject();
                    }
                } catch (IOException e) {
                    throw failed(e);
                }
                content.addProperty("clone_api_token", token);
                content.addProperty("updated_at", DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS)));
                replace(Json.PRETTY.toJson(content) + "\n", gate);
            }

            void replace(String content, SafeFiles.Gate gate) {
                try {
                    Temporaries.removeStale(target);
                    SafeFiles.replace(target, content, gate);
                    ui.verbose("Wrote " + target + " (mode 0600).");
                } catch (IOException e) {
                    throw failed(e);
                }
            }

            private CliException failed(IOException e) {
                return new CliException(1, (file.getFileName().toString().equals(AUTH_FILE) ? "Could not store the key in " + folder : "Could not write " + file)
                        + ": " + Text.describe(e) + ".");
            }

            /** Releases the lock (once: a login releases it as soon as the key is written, before it connects). */
            @Override public synchronized void close() {
                if (lock == null) return;
                try {
                    lock.close();
                } catch (IOException e) {
                    // the lock file stays; the next writer finds no live holder and removes it
                } finally {
                    lock = null;
                }
            }
        }

        /**
         * Fails now, before a login spends its single-use code, if the key could not be written later: a refused
         * link, something that is not a config file in its place, or a folder this user cannot write.
         */
        void checkWritable() {
            try {
                SafeFiles.writeTarget(configPath());
                Path existing = folder.toAbsolutePath();
                while (existing != null && !Files.exists(existing)) existing = existing.getParent();
                if (existing != null && !Files.isWritable(existing)) throw new AccessDeniedException(existing.toString(), null, "not writable");
            } catch (IOException e) {
                throw new CliException(1, "Could not store a key in " + folder + ": " + Text.describe(e) + ".");
            }
        }

        /**
         * Deletes every stored key in effect: the config (a link to it is removed, not its target), then each legacy
         * file that would take over. Needs no lock and no free space. Returns the files deleted.
         */
        List<Path> clear(Ui ui) {
            List<Path> deleted = new ArrayList<>();
            try {
                Path config = configPath();
                if (Files.isSymbolicLink(config)) {
                    Path target = config.resolveSibling(Files.readSymbolicLink(config));
                    ui.note("Removed the link " + config + (Files.exists(target) ? "; the file it points to, " + target + ", was left as it is."
                            : ", which pointed to " + target + ", a file that does not exist."));
                }
                if (Files.deleteIfExists(config)) deleted.add(config);
                for (List<Reading> left = readings(); !left.isEmpty() && left.get(left.size() - 1).found(); left = readings()) {
                    Path path = left.get(left.size() - 1).path();
                    if (!Files.deleteIfExists(path)) break;
                    deleted.add(path);
                }
            } catch (IOException e) {
                throw new CliException(1, "Could not delete the stored key: " + Text.describe(e) + ".");
            }
            return deleted;
        }
    }

    /**
     * How the tool's files are read and written, whatever they hold: small regular files only, strict UTF-8; atomic
     * replacement through a new owner-only temporary; never through a link, except a config linked to a JSON file
     * the user owns, which is written through; corrupt files kept aside.
     */
    static final class SafeFiles {
        /** A config holds a key and a date; anything larger is not one of ours, and is never read. */
        static final int MAX_SIZE = 1 << 20;

        interface IoAction { void run() throws IOException; }

        /** Decides, at the rename that makes a write visible, whether it may still happen (a login that Ctrl-C ended may not). */
        interface Gate {
            Gate OPEN = rename -> {
                rename.run();
                return true;
            };

            boolean commit(IoAction rename) throws IOException;
        }

        /** Reads a regular file of at most 1 MiB as strict UTF-8; a FIFO, a folder or a huge file is never opened. */
        static String readSmallText(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) throw new IOException("it is not a regular file");
            if (attributes.size() > MAX_SIZE) throw new IOException("it is larger than 1 MiB");
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_SIZE + 1);
            }
            if (bytes.length > MAX_SIZE) throw new IOException("it is larger than 1 MiB");
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        }

        /**
         * The file a write of this path replaces: the path itself, or, when it is a link to a JSON file this user owns
         * (a dotfiles setup), that file, so the link survives. Anything else is refused.
         */
        static Path writeTarget(Path path) throws IOException {
            BasicFileAttributes here;
            try {
                here = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return path;
            }
            Path target = here.isSymbolicLink() ? throughLink(path) : path;
            if (!here.isSymbolicLink() && !here.isRegularFile()) throw new IOException(path + " is not a regular file; move it away and try again");
            if (Files.size(target) > MAX_SIZE) throw new IOException(target + " is larger than 1 MiB, so it is not a config this tool wrote; move it away and try again");
            return target;
        }

        private static Path throughLink(Path link) throws IOException {
            Path target;
            try {
                target = link.toRealPath();
            } catch (NoSuchFileException e) {
                throw new IOException(link.getFileName() + " is a symbolic link to a file that does not exist; remove the link or create its target");
            }
            String refusal = link.getFileName() + " is a symbolic link to " + target + ", which is not ";
            BasicFileAttributes there = Files.readAttributes(target, BasicFileAttributes.class);
            if (!there.isRegularFile() || !Perms.ownedByCurrentUser(target)) throw new IOException(refusal + "a regular file you own; refusing to write through it");
            if (there.size() > 0 && there.size() <= MAX_SIZE && !isJson(target)) throw new IOException(refusal + "a JSON config; refusing to write through it");
            return target;
        }

        private static boolean isJson(Path file) {
            try {
                return Json.strictObject(readSmallText(file)).isPresent();
            } catch (IOException e) {
                return false;
            }
        }

        /** Copies a corrupt file to a new owner-only file beside it; the atomic write then replaces the original. */
        static Path moveAside(Path target, Instant now) throws IOException {
            byte[] content = Files.readAllBytes(target);
            String base = target.getFileName() + ".corrupt-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
            for (int i = 1; ; i++) {
                Path aside = target.resolveSibling(i == 1 ? base : base + "-" + i);
                try (FileChannel ch = FileChannel.open(aside, Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS), Perms.ownerOnlyFile(aside.getParent()))) {
                    ch.write(ByteBuffer.wrap(content));
                    ch.force(true);
                    return aside;
                } catch (FileAlreadyExistsException e) {
                    // taken: next suffix
                }
            }
        }

        /** Temporary file in the target's folder, owner-only from creation, flushed, then renamed over (if the gate allows). */
        static void replace(Path target, String content, Gate gate) throws IOException {
            Path tmp = Temporaries.write(target, content);
            try {
                boolean committed = gate.commit(() -> {
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                });
                if (!committed) throw CliException.interrupted();
                Perms.syncFolder(target.getParent());
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        /** Creates the folder owner-only when missing; warns, as ssh does, when others may write into it. */
        static void ensureFolder(Path folder, Ui ui) throws IOException {
            if (Files.exists(folder) && !Files.isDirectory(folder)) throw new IOException(folder + " is not a folder");
            if (!Files.isDirectory(folder)) {
                try {
                    Files.createDirectories(folder, Perms.ownerOnlyFolder(folder));
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(folder)) throw e;
                }
            } else if (Perms.writableByOthers(folder)) {
                ui.warn("Warning: " + folder + " can be written by other users, who could replace the key in it. Run: chmod go-w '" + folder + "'");
            }
        }
    }

    /**
     * The write's temporaries: ".auth.local.json.<uuid>.tmp" beside the file they replace, created new (never through
     * a link), owner-only, and locked while written, so the next write tells one a killed writer left from a live one.
     */
    static final class Temporaries {
        private static final Pattern NAME = Pattern.compile("\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

        static Path write(Path target, String content) throws IOException {
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS), Perms.ownerOnlyFile(tmp.getParent()));
                 FileLock held = ch.lock()) {
                ch.write(StandardCharsets.UTF_8.encode(content));
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
            return tmp;
        }

        /** Removes temporaries of this tool's naming beside the target that no live writer holds. */
        static void removeStale(Path target) throws IOException {
            String prefix = "." + target.getFileName() + ".";
            List<Path> stale;
            try (var files = Files.list(target.getParent())) {
                stale = files.filter(p -> p.getFileName().toString().startsWith(prefix) && NAME.matcher(p.getFileName().toString()).matches()).toList();
            }
            for (Path tmp : stale) {
                try (FileChannel ch = FileChannel.open(tmp, WRITE, NOFOLLOW_LINKS); FileLock free = ch.tryLock()) {
                    if (free != null) Files.deleteIfExists(tmp);
                } catch (OverlappingFileLockException e) {
                    // held by this very process
                } catch (IOException e) {
                    if (Files.isSymbolicLink(tmp)) Files.deleteIfExists(tmp); // a link in our naming is never ours to follow
                }
            }
        }
    }

    /**
     * Serialises writers across processes with a lock file that is deleted again, so nothing but auth.local.json stays
     * behind. Holding the lock means having created the file (create-new, never through a link); its holder also keeps
     * an OS lock on it, so that a lock file whose writer was killed can be told apart and removed. The holder never
     * opens the file a second time: on POSIX, closing any descriptor of a file drops the process's lock on it.
     */
    record FolderLock(Path path, FileChannel channel, FileLock lock) implements AutoCloseable {
        private static final Object IN_PROCESS = new Object();
        /** A live holder keeps the lock for milliseconds; a younger file may be one whose holder has not locked it yet. */
        private static final Duration STALE_AFTER = Duration.ofSeconds(10);

        static FolderLock acquire(Path folder, Duration wait, Ui ui) throws IOException {
            Path path = folder.resolve("." + AUTH_FILE + ".lock");
            long deadline = System.nanoTime() + wait.toNanos();
            boolean said = false;
            synchronized (IN_PROCESS) {
                while (true) {
                    FolderLock held = tryCreate(path);
                    if (held != null) return held;
                    if (removedStale(path)) continue;
                    if (!said) ui.verbose("Waiting for " + path + ", which another clone-login holds.");
                    said = true;
                    if (System.nanoTime() > deadline) throw new IOException("another process has held " + path + " for " + wait.toSeconds() + " s");
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted while waiting for " + path);
                    }
                }
            }
        }

        /** The lock, or null when the file exists (another writer, or one that was killed). */
        private static FolderLock tryCreate(Path path) throws IOException {
            FileChannel channel;
            try {
                channel = FileChannel.open(path, Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS), Perms.ownerOnlyFile(path.getParent()));
            } catch (FileAlreadyExistsException e) {
                return null;
            } catch (AccessDeniedException e) {
                // Windows: the previous holder's lock file is still being deleted; elsewhere, a folder we may not write
                if (!Perms.POSIX.test(path.getParent()) && Files.exists(path)) return null;
                throw e;
            }
            try {
                return new FolderLock(path, channel, channel.lock());
            } catch (IOException | RuntimeException e) {
                channel.close();
                Files.deleteIfExists(path);
                throw e;
            }
        }

        /** Removes a lock file no live process holds that is old enough not to be a new holder's, if the path still names it; a link is refused. */
        private static boolean removedStale(Path path) throws IOException {
            BasicFileAttributes seen;
            try {
                seen = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return true; // released meanwhile: try again at once
            }
            if (seen.isSymbolicLink()) throw new IOException(path + " is a symbolic link; remove it");
            if (seen.lastModifiedTime().toInstant().isAfter(Instant.now().minus(STALE_AFTER))) return false;
            try (FileChannel ch = FileChannel.open(path, WRITE, NOFOLLOW_LINKS); FileLock free = ch.tryLock()) {
                if (free == null) return false;
                Object key = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS).fileKey();
                if (key == null || key.equals(seen.fileKey())) Files.deleteIfExists(path);
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (OverlappingFileLockException e) {
                return false;
            }
        }

        @Override public void close() throws IOException {
            try {
                Files.deleteIfExists(path);
            } finally {
                lock.release();
                channel.close();
            }
        }
    }

    /** Owner-only permissions: POSIX modes where they exist, an owner-only ACL elsewhere (Windows). */
    static final class Perms {
        static final Predicate<Path> POSIX = p -> p.getFileSystem().supportedFileAttributeViews().contains("posix");

        static FileAttribute<?>[] ownerOnlyFile(Path folder) throws IOException { return attributes(folder, "rw-------"); }

        static FileAttribute<?>[] ownerOnlyFolder(Path folder) throws IOException {
            Path existing = folder.toAbsolutePath();
            while (existing != null && !Files.exists(existing)) existing = existing.getParent();
            return attributes(existing, "rwx------");
        }

        private static FileAttribute<?>[] attributes(Path near, String mode) throws IOException {
            if (near == null || Files.getFileStore(near).supportsFileAttributeView("posix")) {
                return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode))};
            }
            if (!Files.getFileStore(near).supportsFileAttributeView("acl")) return new FileAttribute<?>[0];
            UserPrincipal me = near.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(System.getProperty("user.name"));
            List<AclEntry> acl = List.of(AclEntry.newBuilder().setType(AclEntryType.ALLOW).setPrincipal(me).setPermissions(EnumSet.allOf(AclEntryPermission.class)).build());
            return new FileAttribute<?>[] {new FileAttribute<List<AclEntry>>() {
                @Override public String name() { return "acl:acl"; }

                @Override public List<AclEntry> value() { return acl; }
            }};
        }

        /** Whether group or others may create files in the folder (POSIX; an ACL folder is taken as it is). */
        static boolean writableByOthers(Path folder) {
            try {
                if (!POSIX.test(folder)) return false;
                Set<PosixFilePermission> p = Files.getPosixFilePermissions(folder);
                return p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        static boolean ownedByCurrentUser(Path file) throws IOException {
            String owner = Files.getOwner(file).getName(), me = System.getProperty("user.name", "");
            return owner.equals(me) || owner.endsWith("\\" + me);
        }

        /** Makes the rename durable where the platform allows opening a folder. */
        static void syncFolder(Path folder) {
            try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                // not supported here (Windows); the file itself was already forced
            }
        }
    }

    // ============================================================================================
    // Output
    // ============================================================================================

    /**
     * Where lines go: people's lines to out (standard error under --json), the JSON object to data, notes to err.
     * Every line leaves through safe(): whatever it quotes from a file, the environment or a server, no escape
     * sequence reaches the terminal and no registered secret is printed.
     */
    record Ui(PrintWriter out, PrintWriter data, PrintWriter err, boolean colour, boolean verbose, boolean json, Secrets secrets) {
        static final String RED = "\u001b[31m", YELLOW = "\u001b[33m", DIM = "\u001b[2m", RESET = "\u001b[0m";

        static Ui of(Env env, PrintWriter out, PrintWriter err, boolean verbose, boolean json) {
            return new Ui(json ? err : out, out, err, env.colour(), verbose, json, env.secrets());
        }

        /** For a program that uses the tool: people's lines dropped, notes and warnings on standard error. */
        static Ui quiet(Env env) {
            PrintWriter none = new PrintWriter(Writer.nullWriter());
            return new Ui(none, none, utf8(FileDescriptor.err), false, false, false, env.secrets());
        }

        void line(String text) { print(out, null, text); }
        void note(String text) { print(err, DIM, text); }
        void warn(String text) { print(err, YELLOW, text); }
        void error(String text) { print(err, RED, text); }

        void verbose(String text) {
            if (verbose) print(err, DIM, "[verbose] " + text);
        }

        /** A stack trace under --verbose, redacted and stripped like every other line. */
        void trace(Throwable e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            synchronized (err) {
                err.print(secrets.redact(Text.clean(trace.toString(), true)));
                err.flush();
            }
        }

        void json(Summary summary) {
            synchronized (data) {
                data.print(secrets.redact(Json.GSON.toJson(summary)) + "\n");
                data.flush();
            }
        }

        /** A line as it may be shown: no control characters or escape sequences, no secret. */
        String safe(String text) { return secrets.redact(Text.clean(text, true)); }

        private void print(PrintWriter to, String paint, String text) {
            String line = colour && paint != null ? paint + safe(text) + RESET : safe(text);
            synchronized (to) {
                to.print(line + "\n");
                to.flush();
            }
        }
    }

    /** The contract's blocks of lines: the effective key (status, clear), and a key just stored. */
    static final class Printer {
        static void effectiveKey(Ui ui, ResolvedKey key, KeyStore store) {
            ui.line("Source: " + key.source());
            ui.line("Token: " + key.masked());
            ui.line("Plugin config: " + store.configPath() + (store.injected() ? "" : " (fallback path \u2014 PLUGIN_DATA/CLAUDE_PLUGIN_DATA not injected)"));
            if (key.demo()) ui.line("Using the shared public demo fallback. Configure your own key for private Clone memory.");
        }

        static void stored(Ui ui, String headline, String token, KeyStore store) {
            ui.line(headline);
            ui.line("Token: " + Mask.mask(token));
            ui.line("Plugin config: " + store.configPath());
        }
    }

    /**
     * The values this run must never print in full: every key it resolves, sends or receives, the authorization
     * code, a proxy password. Every line, JSON object, page and --verbose stack trace leaves through redact(), which
     * also finds them JSON-, URL- and HTML-escaped. A long one is masked like a key; a short one is hidden, and only
     * where it stands alone, so it does not eat into other words. One registry per run (per Env). A secret may be as
     * long as an answer the tool reads (1 MiB), so it is searched for in time linear in the text and the secret
     * (Knuth-Morris-Pratt), never compiled into a pattern.
     */
    static final class Secrets {
        /** Hidden only where no letter, digit or one of these stands beside it. */
        private static final String WORD = "_.~-";

        private record Form(String text, String shown, int[] prefix) {
            static Form of(String text, String shown) {
                int[] prefix = new int[text.length()]; // the longest proper prefix of text[0..i] that is also its suffix
                for (int i = 1, k = 0; i < text.length(); i++) {
                    while (k > 0 && text.charAt(i) != text.charAt(k)) k = prefix[k - 1];
                    if (text.charAt(i) == text.charAt(k)) k++;
                    prefix[i] = k;
                }
                return new Form(text, shown, prefix);
            }

            /** Every occurrence replaced, one pass over the text; a short form only where it stands alone. */
            String replaceIn(String s) {
                int m = text.length();
                if (s.length() < m) return s;
                StringBuilder out = null;
                int copied = 0;
                for (int i = 0, k = 0; i < s.length(); i++) {
                    while (k > 0 && s.charAt(i) != text.charAt(k)) k = prefix[k - 1];
                    if (s.charAt(i) == text.charAt(k)) k++;
                    if (k < m) continue;
                    int start = i - m + 1;
                    if (m >= 8 || (!wordChar(s, start - 1) && !wordChar(s, i + 1))) {
                        if (out == null) out = new StringBuilder(s.length());
                        out.append(s, copied, start).append(shown);
                        copied = i + 1;
                        k = 0;
                    } else {
                        k = prefix[k - 1];
                    }
                }
                return out == null ? s : out.append(s, copied, s.length()).toString();
            }

            private static boolean wordChar(String s, int i) {
                if (i < 0 || i >= s.length()) return false;
                char c = s.charAt(i);
                return (c < 128 && Character.isLetterOrDigit(c)) || WORD.indexOf(c) >= 0;
            }
        }

        private final Map<String, Form> forms = new ConcurrentHashMap<>();

        void add(String secret) {
            String s = secret == null ? "" : secret.trim();
            add(s, s.length() > 10 ? Mask.mask(s) : "[redacted]");
        }

        void add(String secret, String shown) {
            String s = secret == null ? "" : secret.trim();
            if (s.isEmpty()) return;
            String json = Json.GSON.toJson(s);
            for (String form : List.of(s, json.substring(1, json.length() - 1), Urls.form(s), Urls.encodeComponent(s), Text.escapeHtml(s))) {
                forms.computeIfAbsent(form, f -> Form.of(f, shown));
            }
        }

        String redact(String text) {
            String s = text == null ? "" : text;
            List<Form> longestFirst = new ArrayList<>(forms.values());
            longestFirst.sort((a, b) -> b.text().length() - a.text().length());
            for (Form form : longestFirst) s = form.replaceIn(s);
            return s;
        }
    }

    /** JSON in and out through Gson: field names in snake case (the config, --json, the pending login, start_session). */
    static final class Json {
        static final Gson GSON = new GsonBuilder().disableHtmlEscaping().setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES).create();
        /** Two-space indented, as the Node command writes the config. */
        static final Gson PRETTY = GSON.newBuilder().setPrettyPrinting().create();

        /** A JSON object by RFC 8259 alone: no comments, single quotes, bare names or trailing data (Gson is lenient by default). */
        static Optional<JsonObject> strictObject(String text) {
            try {
                JsonReader reader = new JsonReader(new StringReader(text));
                reader.setStrictness(Strictness.STRICT);
                JsonElement e = JsonParser.parseReader(reader);
                return reader.peek() == JsonToken.END_DOCUMENT && e.isJsonObject() ? Optional.of(e.getAsJsonObject()) : Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        /** The element as a record, or empty when its shape does not fit. */
        static <T> Optional<T> as(JsonElement element, Class<T> type) {
            try {
                return element == null || element.isJsonNull() ? Optional.empty() : Optional.ofNullable(GSON.fromJson(element, type));
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }

        /** The element when it is a JSON string, else "": a key of true or 42 is no key. */
        static String stringOrEmpty(JsonElement e) { return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : ""; }
    }

    static final class Text {
        private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-?]*[ -/]*[@-~]|\u001b\\][^\u0007\u001b]*(\u0007|\u001b\\\\)?|\u001b[@-Z\\\\-_]|\u009b[0-?]*[ -/]*[@-~]");

        /** Strips escape sequences and control characters; keeps line breaks (and tabs) only when asked. */
        static String clean(String text, boolean keepNewlines) {
            if (text == null) return "";
            String s = ANSI.matcher(text).replaceAll("");
            StringBuilder b = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if ((c == '\n' || c == '\t') && keepNewlines) b.append(c);
                else if (c == '\n' || c == '\t' || c == '\r') b.append(' ');
                else if (!Character.isISOControl(c) && Character.getType(c) != Character.FORMAT) b.append(c);
            }
            return b.toString();
        }

        static String escapeHtml(String s) {
            StringBuilder b = new StringBuilder(s.length() + 16);
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '<' -> b.append("&lt;");
                    case '>' -> b.append("&gt;");
                    case '&' -> b.append("&amp;");
                    case '"' -> b.append("&quot;");
                    case '\'' -> b.append("&#39;");
                    default -> b.append(c);
                }
            }
            return b.toString();
        }

        static String first(String s, int n) { return s.length() <= n ? s : s.substring(0, n); }

        /** A short reason for a failure, from the most telling exception in the chain, in words (never a class name). */
        static String describe(Throwable e) {
            Throwable root = e;
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof AccessDeniedException a) return "permission denied (" + a.getFile() + ")";
                if (t instanceof NoSuchFileException n) return "no such file or folder (" + n.getFile() + ")";
                if (t instanceof FileSystemException f && f.getReason() != null) return f.getReason() + " (" + f.getFile() + ")";
                if (t instanceof NotDirectoryException f) return "not a folder (" + f.getFile() + ")";
                if (t instanceof FileAlreadyExistsException f) return "already exists (" + f.getFile() + ")";
                if (t instanceof HttpConnectTimeoutException) return "connection timed out";
                if (t instanceof HttpTimeoutException) return "no answer in time";
                if (t instanceof ConnectException) return "connection refused";
                if (t instanceof UnknownHostException) return "unknown host " + t.getMessage();
                if (t instanceof SSLException) return "TLS failed: " + withoutClassNames(String.valueOf(t.getMessage()));
                root = t;
            }
            if (root instanceof ClosedChannelException) return "the connection was closed";
            String message = withoutClassNames(Optional.ofNullable(root.getMessage()).orElse(""));
            return message.isBlank() ? "no reason given" : message;
        }

        /** A message without the Java class names some carry ("...: sun.security....Exception: ..."): none reaches a person. */
        static String withoutClassNames(String message) {
            return message.replaceAll("(?:class )?\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)?\\b:?\\s*", "").trim();
        }
    }

    // ============================================================================================
    // Small pure helpers
    // ============================================================================================

    /** Masking as the Node original does it: the only form in which a key is ever shown. */
    static final class Mask {
        static String mask(String token) {
            String v = token == null ? "" : token.trim();
            if (v.isEmpty()) return "";
            if (v.length() <= 10) return v.substring(0, Math.min(2, v.length())) + "..." + v.substring(Math.max(0, v.length() - 2));
            return v.substring(0, 8) + "..." + v.substring(v.length() - 4);
        }
    }

    static final class Keys {
        /** A Clone API key is a few dozen characters; anything past 4 KiB is not one, and is never stored or sent. */
        static final int MAX_LENGTH = 4096;

        static boolean isValid(String key) { return problem(key, "").isEmpty(); }

        /** Why this is no key ("<what> is ..."), or empty when it is one. */
        static Optional<String> problem(String key, String what) {
            if (key.length() > MAX_LENGTH) return Optional.of(what + " is longer than 4 KiB, so it is not a Clone API key");
            boolean printable = !key.isEmpty() && key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
            return printable ? Optional.empty() : Optional.of(what + " must be printable ASCII without spaces or line breaks");
        }

        /** Refuses what is no key, exit 1, saying what did not happen to it ("it was not stored", "it was not sent"). */
        static void requireValid(String key, String what, String consequence) {
            problem(key, what).ifPresent(p -> { throw new CliException(1, p + "; " + consequence + "."); });
        }

        static String newState(SecureRandom random) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        static boolean constantTimeEquals(String a, String b) { return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)); }
    }

    /** The agent id sent to the dashboard (contract section 2). */
    static final class Agent {
        static String id(Map<String, String> env) {
            String explicit = env.getOrDefault("CLONE_LOOP_AGENT_ID", "").trim();
            if (!explicit.isEmpty()) return explicit;
            Predicate<String> set = name -> !env.getOrDefault(name, "").isEmpty();
            if (set.test("CLAUDE_PLUGIN_DATA") || set.test("CLAUDE_PLUGIN_ROOT")) return "claude-code";
            boolean codex = set.test("PLUGIN_DATA") || set.test("PLUGIN_ROOT") || set.test("CODEX_HOME") || set.test("CODEX_SESSION_ID") || set.test("CODEX_THREAD_ID");
            return codex ? "codex" : "claude-code";
        }
    }

    static final class Urls {
        static final InetAddress LOOPBACK = loopback();
        private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

        private static InetAddress loopback() {
            try {
                return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static String baseUrl(String value, String fallback) {
            String v = value == null ? "" : value.trim();
            return (v.isEmpty() ? fallback : v).replaceAll("/+$", "");
        }

        static boolean isLoopbackHost(String host) {
            String h = host.toLowerCase(Locale.ROOT).replaceAll("^\\[(.*)]$", "$1");
            if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) return true;
            Matcher m = IPV4_LOOPBACK.matcher(h);
            return m.matches() && IntStream.rangeClosed(1, 3).allMatch(i -> Integer.parseInt(m.group(i)) <= 255);
        }

        /** A port of 127.0.0.1 that was free a moment ago (for --start, where nothing listens on it anyway). */
        static int freeLoopbackPort() {
            try (ServerSocket socket = new ServerSocket(0, 1, LOOPBACK)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new CliException(1, "Could not find a free port on 127.0.0.1: " + Text.describe(e) + ".");
            }
        }

        static String authorizeUrl(Endpoint dashboard, String redirectUri, String state, String agentId) {
            return dashboard.url() + "/clone-loop/connect?redirect_uri=" + form(redirectUri) + "&state=" + form(state) + "&agent_id=" + form(agentId);
        }

        static String form(String value) { return URLEncoder.encode(value, StandardCharsets.UTF_8); }

        /** encodeURIComponent: what the Node original puts into the dashboard link. */
        static String encodeComponent(String value) {
            return form(value).replace("+", "%20").replace("%21", "!").replace("%27", "'").replace("%28", "(").replace("%29", ")").replace("%7E", "~");
        }

        static Map<String, String> parseQuery(String rawQuery) {
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : rawQuery == null ? new String[0] : rawQuery.split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                params.putIfAbsent(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
            return params;
        }

        private static String decode(String s) {
            try {
                return URLDecoder.decode(s, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return s;
            }
        }

        static String withoutQuery(String url) { return url.replaceFirst("\\?.*", ""); }
    }

    /** Splits a command line into words as a POSIX shell does: quotes and backslashes, no expansion. */
    static final class ShellWords {
        static List<String> split(String line) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean inWord = false;
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quote == '\'') {
                    if (c == '\'') quote = 0; else word.append(c);
                } else if (quote == '"') {
                    if (c == '"') quote = 0;
                    else if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) word.append(line.charAt(++i));
                    else word.append(c);
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    inWord = true;
                } else if (c == '\\' && i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                    inWord = true;
                } else if (Character.isWhitespace(c)) {
                    if (inWord) words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                } else {
                    word.append(c);
                    inWord = true;
                }
            }
            if (inWord) words.add(word.toString());
            return words;
        }
    }

    static final class Durations {
        private static final Pattern FORM = Pattern.compile("(\\d+)|(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

        /** 90s, 5m, 2m30s, 1h, or plain seconds; empty when malformed or not positive. */
        static Optional<Duration> parse(String text) {
            Matcher m = FORM.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) return Optional.empty();
            try {
                Duration d = Duration.ofSeconds(num(m.group(1))).plusHours(num(m.group(2))).plusMinutes(num(m.group(3))).plusSeconds(num(m.group(4)));
                return d.isZero() || d.isNegative() ? Optional.empty() : Optional.of(d);
            } catch (ArithmeticException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        private static long num(String g) { return g == null ? 0 : Long.parseLong(g); }

        static String format(Duration d) {
            long s = d.getSeconds();
            return (s >= 3600 ? s / 3600 + "h" : "") + (s % 3600 >= 60 ? s % 3600 / 60 + "m" : "") + (s % 60 > 0 || s < 60 ? s % 60 + "s" : "");
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        /** A login waits for a person; a day is more than any will take, and keeps deadline arithmetic far from overflow. */
        static final Duration MAX = Duration.ofHours(24);

        @Override public Duration convert(String value) {
            Duration d = Durations.parse(value).orElseThrow(() -> new CommandLine.TypeConversionException(
                    "'" + value + "' is not a duration: use forms like 90s, 5m, 2m30s or plain seconds, greater than zero."));
            if (d.compareTo(MAX) > 0) throw new CommandLine.TypeConversionException("'" + value + "' is too long: the most a login waits is 24h.");
            return d;
        }
    }
}
