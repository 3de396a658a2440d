///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8 -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC
//SOURCES FakeDashboard.java
//SOURCES Tls.java
//DESCRIPTION Medians of clone-login's start-up and login timings, beside the Node original when present: ./jbang tests/Benchmark.java [runs]

package clone.login;

import javax.net.ssl.SSLContext;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Not a test: prints one table of medians over repeated runs on this machine. First the first run, the
 * one most people have: an empty JBang cache (the dependencies in the Maven repository already), JBang's
 * own JVM with the options a user has (none), the tool's status and login beside a hello world with the
 * same //DEPS and //JAVA_OPTIONS (tests/JBangFloor.java). Then warm runs against the fake dashboard on
 * loopback, over HTTP and over HTTPS (a certificate a test CA signed, which both trust through
 * NODE_EXTRA_CA_CERTS beside their own CAs, as behind a TLS-inspecting proxy). When the Node original is at
 * ../shared/peer and node is on the PATH, it runs the same logins against the same fake, run for run in
 * turn with the tool, and the table gives the ratio; otherwise the tool's numbers alone.
 * Run it from the repository root, with nothing else busy: ./jbang tests/Benchmark.java 10
 */
public class Benchmark {
    static final Path REPO = Paths.get("").toAbsolutePath();
    static final Path PEER = REPO.resolve("../shared/peer/scripts/manage-api-key.mjs").normalize();
    static final boolean WINDOWS = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win");
    /** How long the benchmark's "person" spends on the dashboard page before approving, in the slow case. */
    static final Duration PERSON_IN_BROWSER = Duration.ofSeconds(2);
    /**
     * Targets: the first run of status and the start of a login on an empty cache against the hello world's
     * first run; warm, status over JBang's floor, and tool/Node from the callback to the exit, after time in
     * the browser and at once.
     */
    static final double FIRST_STATUS_RATIO = 1.3, FIRST_AUTHORIZE_RATIO = 1.5, STATUS_OVER_FLOOR = 0.100, AFTER_BROWSER_RATIO = 0.75,
            AT_ONCE_RATIO = 2.00;

    static Path home;

    /** One way to run a login: the command and what it needs for HTTPS. */
    record Runner(String name, List<String> command, boolean node) {}

    /** Seconds from start to the Authorize line, and from sending the callback to the process exit. */
    record Timing(double toAuthorize, double callbackToExit) {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        if (runs < 1) throw new IllegalArgumentException("runs must be at least 1");
        if (!Files.isRegularFile(REPO.resolve("login.java"))) throw new IllegalStateException("run from the repository root");
        home = Files.createTempDirectory("clone-login-bench");
        List<String> launcher = WINDOWS ? List.of("cmd.exe", "/c", "jbang.cmd") : List.of("./jbang");
        String node = nodeVersion();
        Runner peer = node == null ? null : new Runner("Node", List.of("node", PEER.toString()), true);
        System.out.printf("clone-login benchmark: %d runs each, medians; %d cores, %s, Java %s%s\n", runs,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("java.version"),
                node == null ? "; Node original not found (" + PEER + " and node on the PATH): the tool alone" : "; Node " + node);

        Table table = new Table(peer != null);
        List<String> jbangStatus = concat(launcher, "login.java", "status");
        List<String> floor = concat(launcher, "tests/JBangFloor.java");
        firstRuns(table, jbangStatus, floor, concat(launcher, "login.java", "login", "--no-open"), runs);
        run(jbangStatus); // compile and cache before the warm runs
        run(floor);
        List<String> java = javaCommand(launcher);
        Runner tool = new Runner("clone-login", java, false);
        List<Double> floorS = new ArrayList<>(), jbangS = new ArrayList<>(), javaS = new ArrayList<>(), nodeS = new ArrayList<>();
        for (int i = 0; i < runs; i++) { // in turn, so a drift of the machine's speed hits all alike
            floorS.add(Quiet.wall(floor));
            jbangS.add(Quiet.wall(jbangStatus));
            javaS.add(Quiet.wall(concat(java, "status")));
            if (peer != null) nodeS.add(Quiet.wall(concat(peer.command(), "status")));
        }
        double floorMedian = median(floorS);
        table.row("warm: JBang's floor, ./jbang tests/JBangFloor.java", floorS, null, null);
        table.row("warm: ./jbang login.java status", jbangS, nodeS,
                new Target(String.format(Locale.ROOT, "<= floor + %.3f s", STATUS_OVER_FLOOR), median(jbangS) - floorMedian <= STATUS_OVER_FLOOR + 1e-9));
        table.row("warm: status, the java command JBang runs", javaS, nodeS, null);

        List<Timing> authorizeTool = new ArrayList<>(), authorizeNode = new ArrayList<>();
        List<Timing> atOnceTool = List.of(), atOnceNode = List.of();
        for (boolean https : List.of(false, true)) {
            try (FakeDashboard dash = https ? FakeDashboard.startHttps(REPO.resolve("fixtures")) : FakeDashboard.start(REPO.resolve("fixtures"))) {
                Browser browser = new Browser(dash, https ? Tls.caPem() : null);
                for (Duration inBrowser : List.of(Duration.ZERO, PERSON_IN_BROWSER)) {
                    login(tool, dash, browser, inBrowser); // warm-up, not counted: caches, the benchmark's own JIT
                    if (peer != null) login(peer, dash, browser, inBrowser);
                    List<Timing> t = new ArrayList<>(), n = new ArrayList<>();
                    for (int i = 0; i < runs; i++) { // in turn, the first of the pair alternating
                        boolean toolFirst = i % 2 == 0;
                        if (toolFirst) t.add(Quiet.login(tool, dash, browser, inBrowser));
                        if (peer != null) n.add(Quiet.login(peer, dash, browser, inBrowser));
                        if (!toolFirst) t.add(Quiet.login(tool, dash, browser, inBrowser));
                    }
                    authorizeTool.addAll(t);
                    authorizeNode.addAll(n);
                    boolean atOnce = inBrowser.isZero();
                    if (atOnce && https) { atOnceTool = t; atOnceNode = n; }
                    String what = String.format(Locale.ROOT, "warm: login over %s, callback to exit, %s", https ? "HTTPS" : "HTTP",
                            atOnce ? "at once" : "after " + inBrowser.toSeconds() + " s in the browser");
                    List<Double> tc = callbackToExit(t), nc = callbackToExit(n);
                    double limit = atOnce ? AT_ONCE_RATIO : AFTER_BROWSER_RATIO;
                    Target target = peer == null ? new Target(String.format(Locale.ROOT, "<= %.2f x Node", limit), null)
                            : new Target(String.format(Locale.ROOT, "<= %.2f x Node", limit), median(tc) <= limit * median(nc) + 1e-9);
                    table.row(what, tc, peer == null ? null : nc, target);
                }
            }
        }
        table.row("warm: login, start to the Authorize: line (java command; all logins)", toAuthorize(authorizeTool),
                peer == null ? null : toAuthorize(authorizeNode), null);
        table.row("warm: login over HTTPS at once, start to exit (java command)", startToExit(atOnceTool),
                peer == null ? null : startToExit(atOnceNode), null);
        table.print();
        if (Quiet.waited > 0 || Quiet.redone > 0) {
            System.out.printf(Locale.ROOT, "Others' work: waited %.0f s in all for a quiet machine; ran %d runs again.\n", Quiet.waited, Quiet.redone);
        }
    }

    // ---- the first run ----

    /**
     * Each run with a JBang cache of its own, new and empty (JBANG_CACHE_DIR), and JBang's own JVM as a user
     * has it (JBANG_JAVA_OPTIONS empty: no options of this repository's launcher); the hello world, status,
     * and a login to its Authorize line (then ended), in turn.
     */
    static void firstRuns(Table table, List<String> status, List<String> floor, List<String> login, int runs) throws Exception {
        List<Double> floorS = new ArrayList<>(), statusS = new ArrayList<>(), authorizeS = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            floorS.add(Quiet.measure(() -> firstRun(floor, null)));
            statusS.add(Quiet.measure(() -> firstRun(status, null)));
            authorizeS.add(Quiet.measure(() -> firstRun(login, "Authorize: ")));
        }
        double floorMedian = median(floorS);
        table.row("first run, empty JBang cache: ./jbang tests/JBangFloor.java (hello world, same deps and JVM options)", floorS, null, null);
        table.row("first run, empty JBang cache: ./jbang login.java status", statusS, null, new Target(String.format(Locale.ROOT,
                "<= %.1f x the hello world", FIRST_STATUS_RATIO), median(statusS) <= FIRST_STATUS_RATIO * floorMedian + 1e-9));
        table.row("first run, empty JBang cache: login, start to the Authorize: line", authorizeS, null, new Target(String.format(Locale.ROOT,
                "<= %.1f x the hello world", FIRST_AUTHORIZE_RATIO), median(authorizeS) <= FIRST_AUTHORIZE_RATIO * floorMedian + 1e-9));
    }

    /** Seconds from the start to the exit, or (with a line to wait for) to that line on standard output. */
    static double firstRun(List<String> command, String until) throws Exception {
        Path cache = Files.createTempDirectory(home, "jbang-cache");
        ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        clean(pb.environment());
        pb.environment().put("JBANG_CACHE_DIR", cache.toString());
        pb.environment().put("JBANG_JAVA_OPTIONS", "");
        pb.environment().put("CLAUDE_PLUGIN_DATA", Files.createTempDirectory(home, "data").toString());
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            if (until != null) {
                String line;
                while ((line = out.readLine()) != null && !line.startsWith(until)) { /* skip */ }
                if (line == null) throw new IllegalStateException(command + ": no " + until);
                return (System.nanoTime() - start) / 1e9;
            }
            out.transferTo(java.io.Writer.nullWriter());
            if (p.waitFor() != 0) throw new IllegalStateException(command + " exited " + p.exitValue());
            return (System.nanoTime() - start) / 1e9;
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
        }
    }

    // ---- the logins ----

    /**
     * The person's browser: follows the dashboard's approval to the callback address, as a browser would,
     * over the dashboard's TLS when it has it. One client for all runs, so only the tool's time is measured.
     */
    static final class Browser {
        final FakeDashboard dash;
        final HttpClient http;
        /** The test CA as PEM, for both over HTTPS (NODE_EXTRA_CA_CERTS); null over HTTP. */
        final Path pem;

        Browser(FakeDashboard dash, Path pem) {
            this.dash = dash;
            this.pem = pem;
            HttpClient.Builder b = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10));
            if (dash.https()) b.sslContext(Tls.clientContext());
            this.http = b.build();
        }

        /** The approval: the dashboard answers the authorize URL with a redirect to the tool's callback. */
        String approve(String authorizeUrl) throws IOException, InterruptedException {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).build(), HttpResponse.BodyHandlers.discarding());
            return r.headers().firstValue("Location").orElseThrow(() -> new IllegalStateException("no redirect from " + authorizeUrl));
        }

        void callback(String url) throws IOException, InterruptedException {
            http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    /**
     * One login: the process starts, prints its Authorize line; the browser gets the approval, the person
     * reads the page for {@code inBrowser} (zero: approves at once), then the callback goes out and the
     * clock runs until the process has exited.
     */
    static Timing login(Runner runner, FakeDashboard dash, Browser browser, Duration inBrowser) throws Exception {
        Path data = Files.createTempDirectory(home, "data");
        List<String> command = new ArrayList<>(runner.command());
        command.addAll(List.of("login", "--no-open"));
        ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        clean(env);
        env.put("CLAUDE_PLUGIN_DATA", data.toString());
        env.put("CLONE_DASHBOARD_URL", dash.url());
        env.put("CLONE_MCP_URL", dash.mcpUrl());
        if (browser.pem != null) env.put("NODE_EXTRA_CA_CERTS", browser.pem.toString()); // the test CA, for both: the JDK's CAs plus it
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            p.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("Authorize: ")) { /* skip */ }
            if (line == null) throw new IllegalStateException(runner.name() + ": no Authorize line");
            double toAuthorize = (System.nanoTime() - start) / 1e9;
            Thread drain = new Thread(() -> { try { out.transferTo(java.io.Writer.nullWriter()); } catch (IOException e) { /* gone */ } });
            drain.start();
            String callback = browser.approve(line.substring("Authorize: ".length()));
            if (!inBrowser.isZero()) Thread.sleep(inBrowser.toMillis()); // the person reads the page and clicks
            long sent = System.nanoTime();
            browser.callback(callback);
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException(runner.name() + ": login did not end within 60 s");
            double callbackToExit = (System.nanoTime() - sent) / 1e9;
            if (p.exitValue() != 0) throw new IllegalStateException(runner.name() + ": login failed, exit " + p.exitValue());
            drain.join();
            if (!Files.isRegularFile(data.resolve("auth.local.json"))) throw new IllegalStateException(runner.name() + ": no key stored");
            return new Timing(toAuthorize, callbackToExit);
        } finally {
            p.destroyForcibly();
        }
    }

    // ---- commands ----

    /** The java command line JBang runs for login.java (it prints it and exits 255). */
    static List<String> javaCommand(List<String> launcher) throws Exception {
        Path jar;
        try (var files = Files.list(REPO.resolve(".jbang"))) {
            jar = files.filter(p -> p.toString().endsWith("-all.jar")).findFirst().orElseThrow();
        }
        Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp", jar.toString(),
                "dev.jbang.Main", "login.java", "status").directory(REPO.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        List<String> words = shellWords(line);
        return words.subList(0, words.size() - 1); // drop the trailing "status"
    }

    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false, any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted) { if (any) words.add(w.toString()); w.setLength(0); any = false; }
            else { w.append(c); any = true; }
        }
        if (any) words.add(w.toString());
        return words;
    }

    /** Node's version when the original and node are both there, else null. */
    static String nodeVersion() {
        if (!Files.isRegularFile(PEER)) return null;
        try {
            Process p = new ProcessBuilder("node", "--version").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && !v.isEmpty() ? v : null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    /** This run's home and none of the variables either tool reads, whatever the machine has set. */
    static void clean(Map<String, String> env) {
        for (String v : List.of("CLONE_API_TOKEN", "CLONE_DASHBOARD_URL", "CLONE_MCP_URL", "CLONE_LOOP_AGENT_ID", "PLUGIN_DATA",
                "PLUGIN_ROOT", "CLAUDE_PLUGIN_DATA", "CLAUDE_PLUGIN_ROOT", "CODEX_HOME", "CODEX_SESSION_ID", "CODEX_THREAD_ID", "BROWSER",
                "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
                "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "NODE_OPTIONS", "NODE_EXTRA_CA_CERTS")) {
            env.remove(v);
        }
        env.put("HOME", home.toString());
        env.put("USERPROFILE", home.toString());
    }

    static double wall(List<String> command) {
        long start = System.nanoTime();
        run(command);
        return (System.nanoTime() - start) / 1e9;
    }

    static void run(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(REPO.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            clean(pb.environment());
            Process p = pb.start();
            p.getOutputStream().close();
            if (p.waitFor() != 0) throw new IllegalStateException(command + " exited " + p.exitValue());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- figures ----

    static List<Double> callbackToExit(List<Timing> ts) {
        List<Double> xs = new ArrayList<>();
        for (Timing t : ts) xs.add(t.callbackToExit());
        return xs;
    }

    static List<Double> startToExit(List<Timing> ts) {
        List<Double> xs = new ArrayList<>();
        for (Timing t : ts) xs.add(t.toAuthorize() + t.callbackToExit());
        return xs;
    }

    static List<Double> toAuthorize(List<Timing> ts) {
        List<Double> xs = new ArrayList<>();
        for (Timing t : ts) xs.add(t.toAuthorize());
        return xs;
    }

    static double median(List<Double> xs) {
        return quantile(xs, 0.5);
    }

    /** Linear interpolation between the order statistics. */
    static double quantile(List<Double> xs, double q) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        double pos = q * (s.size() - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return s.get(lo) + (s.get(hi) - s.get(lo)) * (pos - lo);
    }

    /** Whether the middle half of the runs spreads over more than a fifth of the median. */
    static boolean noisy(List<Double> xs) {
        return xs.size() >= 4 && quantile(xs, 0.75) - quantile(xs, 0.25) > 0.2 * median(xs);
    }

    /**
     * Where /proc/stat tells (Linux), each measured run starts when the machine is quiet: it waits while all
     * processors together are more than a tenth busy (at most a minute). A run during which others' work took
     * more than a tenth of the processors (the machine's busy time less this process's and its children's)
     * is run again, up to twice, so a neighbour's test suite does not land in the medians. Elsewhere runs
     * start at once and all count.
     */
    static final class Quiet {
        static final Path STAT = Paths.get("/proc/stat"), SELF = Paths.get("/proc/self/stat");
        static final double LIMIT = 0.10;
        static double waited;
        static int redone;

        interface Run<T> { T run() throws Exception; }

        static double wall(List<String> command) throws Exception {
            return measure(() -> Benchmark.wall(command));
        }

        static Timing login(Runner runner, FakeDashboard dash, Browser browser, Duration inBrowser) throws Exception {
            return measure(() -> Benchmark.login(runner, dash, browser, inBrowser));
        }

        static <T> T measure(Run<T> run) throws Exception {
            for (int attempt = 0; ; attempt++) {
                await();
                long[] before = ticks();
                long ownBefore = ownTicks();
                T result = run.run();
                long[] after = ticks();
                long own = ownTicks() - ownBefore;
                long busy = after[0] - before[0], total = busy + after[1] - before[1];
                if (before.length == 0 || own < 0 || total <= 0 || (busy - own) <= LIMIT * total || attempt == 2) return result;
                redone++;
            }
        }

        static void await() throws InterruptedException {
            long start = System.nanoTime();
            while (busy(Duration.ofMillis(250)) > LIMIT && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(1)) { /* again */ }
            double w = (System.nanoTime() - start) / 1e9;
            if (w > 0.3) waited += w;
        }

        /** The busy share of all processors over the window; 0 where /proc/stat cannot tell. */
        static double busy(Duration window) throws InterruptedException {
            long[] a = ticks();
            Thread.sleep(window.toMillis());
            long[] b = ticks();
            if (a.length == 0 || b.length == 0) return 0;
            double busy = b[0] - a[0], idle = b[1] - a[1];
            return busy + idle <= 0 ? 0 : busy / (busy + idle);
        }

        /** Busy and idle clock ticks of all processors (user nice system idle iowait irq softirq steal); empty if unknown. */
        static long[] ticks() {
            try {
                String[] f = Files.readAllLines(STAT, StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
                long busy = 0, idle = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                    long v = Long.parseLong(f[i]);
                    if (i == 4 || i == 5) idle += v;
                    else busy += v;
                }
                return new long[] {busy, idle};
            } catch (IOException | RuntimeException e) {
                return new long[0];
            }
        }

        /** Clock ticks used by this process and its reaped children (utime stime cutime cstime); -1 if unknown. */
        static long ownTicks() {
            try {
                String line = Files.readAllLines(SELF, StandardCharsets.US_ASCII).get(0);
                String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    /** A target and whether it is met (null: cannot tell, e.g. without Node). */
    record Target(String text, Boolean met) {}

    /** One Markdown table: what, the tool's median, Node's, tool/Node, the target and whether it is met. */
    static final class Table {
        final boolean withNode;
        final List<String[]> rows = new ArrayList<>();
        final List<String> noisy = new ArrayList<>();

        Table(boolean withNode) {
            this.withNode = withNode;
        }

        void row(String what, List<Double> tool, List<Double> node, Target target) {
            String ratio = node == null || node.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f", median(tool) / median(node));
            String verdict = target == null ? "" : target.met() == null ? "needs Node" : target.met() ? "met" : "missed";
            rows.add(new String[] {what, seconds(tool), node == null || node.isEmpty() ? "" : seconds(node), ratio,
                    target == null ? "" : target.text(), verdict});
            if (noisy(tool) || (node != null && noisy(node))) noisy.add(what);
        }

        void print() {
            List<String[]> all = new ArrayList<>();
            all.add(withNode ? new String[] {"what", "clone-login", "Node", "ratio", "target", ""}
                    : new String[] {"what", "clone-login", "", "", "target", ""});
            all.addAll(rows);
            int columns = 6;
            int[] width = new int[columns];
            for (String[] r : all) for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], Math.max(3, r[i].length()));
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < all.size(); k++) {
                String[] r = all.get(k);
                sb.append('|');
                for (int i = 0; i < columns; i++) {
                    if (!withNode && (i == 2 || i == 3)) continue;
                    String cell = r[i];
                    boolean right = i >= 1 && i <= 3;
                    sb.append(' ').append(right ? pad(cell, width[i], true) : pad(cell, width[i], false)).append(" |");
                }
                sb.append('\n');
                if (k == 0) {
                    sb.append('|');
                    for (int i = 0; i < columns; i++) {
                        if (!withNode && (i == 2 || i == 3)) continue;
                        sb.append(' ').append("-".repeat(width[i] - 1)).append(i >= 1 && i <= 3 ? ":" : "-").append(" |");
                    }
                    sb.append('\n');
                }
            }
            System.out.print(sb);
            if (!noisy.isEmpty()) {
                System.out.print("Noisy (middle half of the runs wider than a fifth of the median), run again: "
                        + String.join("; ", noisy) + "\n");
            }
            System.out.flush();
        }

        static String seconds(List<Double> xs) {
            return String.format(Locale.ROOT, "%.3f s", median(xs));
        }

        static String pad(String s, int width, boolean right) {
            String fill = " ".repeat(Math.max(0, width - s.length()));
            return right ? fill + s : s + fill;
        }
    }

    static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
