///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8
//DEPS com.google.code.gson:gson:2.13.2

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Clone dashboard + MCP server for tests, built on the JDK's HttpServer.
 *
 * <p>Routes:
 * <ul>
 *   <li>{@code GET /clone-loop/connect?redirect_uri=…&state=…&agent_id=…}: approves at once with a 302
 *       to the loopback {@code redirect_uri} (see {@link #approval(String)}).</li>
 *   <li>{@code POST /api/auth/clone-loop/connect/exchange/}: serves the exchange fixture.</li>
 *   <li>{@code POST /mcp}: JSON-RPC; {@code initialize} and {@code tools/call} each serve their fixture.</li>
 *   <li>anything else: 404 (a known path with the wrong method: 405).</li>
 * </ul>
 *
 * <p>Fixtures are raw HTTP responses ({@code fixtures/*.http}): a status line, header lines, a blank
 * line, then the body verbatim. They are read on every request, so they can be edited while it runs.
 *
 * <p>In-process: {@code try (var dash = FakeDashboard.start(fixturesDir)) { … }}.
 * Standalone: {@code ./jbang tests/FakeDashboard.java [--port N] [--fixtures DIR] …} (see {@code --help}).
 */
public class FakeDashboard implements AutoCloseable {

    public static final String CONNECT_PATH = "/clone-loop/connect";
    public static final String EXCHANGE_PATH = "/api/auth/clone-loop/connect/exchange/";
    public static final String MCP_PATH = "/mcp";

    public static final String DEFAULT_CODE = "code_fixture_Q7mZ2xK9pL4w";
    public static final String DEFAULT_EXCHANGE = "exchange-ok.http";
    public static final String DEFAULT_INITIALIZE = "mcp-initialize.http";
    public static final String DEFAULT_START_SESSION = "mcp-start-session.http";
    /** The state sent back in approval mode {@code wrong-state}. */
    public static final String WRONG_STATE = "state_from_another_login";

    /** Approval modes of the connect page. */
    public static final List<String> APPROVAL_MODES = List.of("approve", "deny", "wrong-state", "no-code");

    /** One recorded request. Header names are lower-case. {@code query} is the raw query (null if none). */
    public record Call(String method, String path, String query, Map<String, List<String>> headers, String body) {
        /** First value of a header (name case-insensitive), or null. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** Decoded query parameters (first value of each). */
        public Map<String, String> queryParams() {
            return parseQuery(query);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Path fixturesDir;
    private final List<Call> calls = new ArrayList<>(); // guarded by itself

    private volatile String exchangeFixture = DEFAULT_EXCHANGE;
    private volatile String initializeFixture = DEFAULT_INITIALIZE;
    private volatile String startSessionFixture = DEFAULT_START_SESSION;
    private volatile String approvalMode = "approve";
    private volatile String code = DEFAULT_CODE;
    private volatile PrintStream log; // null: quiet

    static {
        // answers go out at once, so timings measure the tool and not a delayed ACK
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private FakeDashboard(Path fixturesDir, int port) throws IOException {
        this.fixturesDir = fixturesDir.toAbsolutePath().normalize();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 50);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-dashboard");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts on a free port of 127.0.0.1. */
    public static FakeDashboard start(Path fixturesDir) {
        return start(fixturesDir, 0);
    }

    /** Starts on the given port of 127.0.0.1 (0: a free one). */
    public static FakeDashboard start(Path fixturesDir, int port) {
        try {
            return new FakeDashboard(fixturesDir, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake dashboard on 127.0.0.1:" + port, e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT}, no trailing slash. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** {@code url() + "/mcp"}. */
    public String mcpUrl() {
        return url() + MCP_PATH;
    }

    public Path fixturesDir() {
        return fixturesDir;
    }

    // ---- configuration (thread-safe, may change between requests) ----

    /** Fixture served by the exchange endpoint (".http" may be left off). */
    public FakeDashboard exchange(String fixtureName) {
        this.exchangeFixture = fixtureFile(fixtureName);
        return this;
    }

    /** Fixture served for the MCP {@code initialize} call. */
    public FakeDashboard initialize(String fixtureName) {
        this.initializeFixture = fixtureFile(fixtureName);
        return this;
    }

    /** Fixture served for the MCP {@code tools/call} (start_session) call. */
    public FakeDashboard startSession(String fixtureName) {
        this.startSessionFixture = fixtureFile(fixtureName);
        return this;
    }

    /** One of {@code approve} (default), {@code deny}, {@code wrong-state}, {@code no-code}. */
    public FakeDashboard approval(String mode) {
        if (!APPROVAL_MODES.contains(mode)) {
            throw new IllegalArgumentException("unknown approval mode '" + mode + "', expected one of " + APPROVAL_MODES);
        }
        this.approvalMode = mode;
        return this;
    }

    /** The authorization code handed to the callback (default {@value #DEFAULT_CODE}). */
    public FakeDashboard code(String code) {
        if (code == null || code.isEmpty()) throw new IllegalArgumentException("code must not be empty");
        this.code = code;
        return this;
    }

    /** Logs one line per request (method, path, status) to the stream; null: quiet (the default). */
    public FakeDashboard log(PrintStream out) {
        this.log = out;
        return this;
    }

    // ---- recorded calls ----

    /** All requests so far, in arrival order. */
    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Requests to exactly this path, in arrival order. */
    public List<Call> calls(String path) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.path().equals(path)).toList();
        }
    }

    /** Waits until at least n requests to this path (null: any path) have arrived; false on timeout. */
    public boolean awaitCalls(String path, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (calls) {
            while (count(path) < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(calls, left);
            }
            return true;
        }
    }

    /** Waits until at least n requests (any path) have arrived; false on timeout. */
    public boolean awaitCalls(int n, Duration timeout) throws InterruptedException {
        return awaitCalls(null, n, timeout);
    }

    /** Forgets the recorded requests. */
    public FakeDashboard clearCalls() {
        synchronized (calls) {
            calls.clear();
        }
        return this;
    }

    private int count(String path) { // holds the lock
        if (path == null) return calls.size();
        int n = 0;
        for (Call c : calls) if (c.path().equals(path)) n++;
        return n;
    }

    /** Stops at once. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- request handling ----

    private record Response(int status, Headers headers, byte[] body, String note) {
        static Response text(int status, String text) {
            Headers h = new Headers();
            h.add("Content-Type", "text/plain; charset=utf-8");
            return new Response(status, h, (text + "\n").getBytes(StandardCharsets.UTF_8), null);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        Response response;
        String path = ex.getRequestURI().getRawPath();
        try {
            Call call = record(ex);
            response = route(call);
        } catch (Throwable t) {
            response = Response.text(500, "fake dashboard error: " + t);
        }
        try {
            ex.getResponseHeaders().putAll(response.headers());
            int length = response.body().length;
            ex.sendResponseHeaders(response.status(), length == 0 ? -1 : length);
            if (length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(response.body());
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to do
        } finally {
            ex.close();
            PrintStream out = log;
            if (out != null) {
                out.println(ex.getRequestMethod() + " " + path + " -> " + response.status()
                        + (response.note() == null ? "" : " (" + response.note() + ")"));
            }
        }
    }

    private Call record(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, List<String>> headers = new TreeMap<>();
        ex.getRequestHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        headers.replaceAll((k, v) -> List.copyOf(v));
        URI uri = ex.getRequestURI();
        Call call = new Call(ex.getRequestMethod(), uri.getRawPath(), uri.getRawQuery(),
                Collections.unmodifiableMap(headers), new String(body, StandardCharsets.UTF_8));
        synchronized (calls) {
            calls.add(call);
            calls.notifyAll();
        }
        return call;
    }

    private Response route(Call call) {
        String method = call.method();
        switch (call.path()) {
            case CONNECT_PATH:
                return method.equals("GET") ? connect(call) : notAllowed("GET");
            case EXCHANGE_PATH:
                return method.equals("POST") ? fixture(exchangeFixture) : notAllowed("POST");
            case MCP_PATH:
                return method.equals("POST") ? mcp(call) : notAllowed("POST");
            default:
                return Response.text(404, "Not found: " + method + " " + call.path());
        }
    }

    private static Response notAllowed(String allowed) {
        Response r = Response.text(405, "Method not allowed (use " + allowed + ")");
        r.headers().add("Allow", allowed);
        return r;
    }

    private Response connect(Call call) {
        Map<String, String> q = parseQuery(call.query());
        String redirectUri = q.get("redirect_uri");
        String state = q.get("state");
        if (redirectUri == null || redirectUri.isEmpty()) return Response.text(400, "Missing redirect_uri");
        if (state == null || state.isEmpty()) return Response.text(400, "Missing state");
        String refusal = checkLoopback(redirectUri);
        if (refusal != null) return Response.text(400, "Refused redirect_uri: " + refusal);

        Map<String, String> params = new LinkedHashMap<>();
        String mode = approvalMode;
        switch (mode) {
            case "deny" -> {
                params.put("error", "access_denied");
                params.put("error_description", "The user denied access");
                params.put("state", state);
            }
            case "wrong-state" -> {
                params.put("code", code);
                params.put("state", WRONG_STATE);
            }
            case "no-code" -> params.put("state", state);
            default -> {
                params.put("code", code);
                params.put("state", state);
            }
        }
        StringBuilder location = new StringBuilder(redirectUri);
        char sep = redirectUri.contains("?") ? '&' : '?';
        for (Map.Entry<String, String> e : params.entrySet()) {
            location.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        Response r = withNote(Response.text(302, "Approved (" + mode + "), redirecting to the agent"), "approval " + mode);
        r.headers().add("Location", location.toString());
        return r;
    }

    /** Null if the URI is http://127.0.0.1:PORT/… or http://localhost:PORT/…, else why not. */
    private static String checkLoopback(String uri) {
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            return "not a URI";
        }
        if (!"http".equals(u.getScheme())) return "scheme must be http";
        if (u.getRawUserInfo() != null) return "no user info allowed";
        String host = u.getHost();
        if (!"127.0.0.1".equals(host) && !"localhost".equalsIgnoreCase(host)) return "host must be 127.0.0.1 or localhost";
        if (u.getPort() <= 0) return "an explicit port is required";
        String p = u.getRawPath();
        if (p == null || !p.startsWith("/")) return "a path is required";
        return null;
    }

    private Response mcp(Call call) {
        String rpcMethod;
        try {
            JsonElement el = JsonParser.parseString(call.body());
            if (!el.isJsonObject()) return Response.text(400, "JSON-RPC body must be an object");
            JsonObject obj = el.getAsJsonObject();
            JsonElement m = obj.get("method");
            if (m == null || !m.isJsonPrimitive()) return Response.text(400, "JSON-RPC body has no method");
            rpcMethod = m.getAsString();
        } catch (RuntimeException e) {
            return Response.text(400, "Body is not JSON: " + e.getMessage());
        }
        return switch (rpcMethod) {
            case "initialize" -> fixture(initializeFixture);
            case "tools/call" -> fixture(startSessionFixture);
            default -> Response.text(400, "Unexpected JSON-RPC method: " + rpcMethod);
        };
    }

    // ---- fixtures ----

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? +(\\d{3})(?: .*)?");
    private static final Set<String> COMPUTED_HEADERS = Set.of("content-length", "transfer-encoding", "connection");

    private static String fixtureFile(String name) {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad fixture name: " + name);
        }
        return name.endsWith(".http") ? name : name + ".http";
    }

    private Response fixture(String name) {
        Path file = fixturesDir.resolve(name);
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return withNote(Response.text(500, "Fake dashboard: missing fixture " + file), "missing " + name);
        } catch (IOException e) {
            return withNote(Response.text(500, "Fake dashboard: cannot read fixture " + file + ": " + e), "unreadable " + name);
        }
        try {
            return withNote(parseFixture(raw), name);
        } catch (IllegalArgumentException e) {
            return withNote(Response.text(500, "Fake dashboard: bad fixture " + file + ": " + e.getMessage()), "bad " + name);
        }
    }

    private static Response withNote(Response r, String note) {
        return new Response(r.status(), r.headers(), r.body(), note);
    }

    /** Parses a raw HTTP response: the head ends at the first blank line (LF or CRLF). */
    static Response parseFixture(byte[] raw) {
        int headEnd = -1, bodyStart = raw.length;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] != '\n') continue;
            int j = i + 1;
            if (j < raw.length && raw[j] == '\r') j++;
            if (j < raw.length && raw[j] == '\n') {
                headEnd = i;
                bodyStart = j + 1;
                break;
            }
        }
        if (headEnd < 0) headEnd = raw.length; // no body
        String head = new String(raw, 0, headEnd, StandardCharsets.UTF_8);
        String[] lines = head.split("\r?\n");
        Matcher m = STATUS_LINE.matcher(lines[0].strip());
        if (!m.matches()) throw new IllegalArgumentException("bad status line: " + lines[0].strip());
        int status = Integer.parseInt(m.group(1));
        Headers headers = new Headers();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("bad header line: " + line);
            String name = line.substring(0, colon).strip();
            if (COMPUTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) continue;
            headers.add(name, line.substring(colon + 1).strip());
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, Math.min(bodyStart, raw.length), raw.length);
        return new Response(status, headers, body, null);
    }

    // ---- helpers ----

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Decodes a raw query string; the first value of each name wins. */
    static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return out;
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                // a malformed escape: skip the pair
            }
        }
        return out;
    }

    // ---- standalone ----

    private static final String USAGE = """
            Usage: ./jbang tests/FakeDashboard.java [options]
              --port N              port on 127.0.0.1 (default 8787; 0: a free one)
              --fixtures DIR        fixtures directory (default: ./fixtures if it exists, else ../fixtures)
              --exchange FILE       exchange fixture (default exchange-ok.http)
              --initialize FILE     MCP initialize fixture (default mcp-initialize.http)
              --start-session FILE  MCP tools/call start_session fixture (default mcp-start-session.http)
              --approval MODE       approve | deny | wrong-state | no-code (default approve)
              --code CODE           authorization code handed to the callback
              -h, --help            this help
            """;

    public static void main(String[] args) throws Exception {
        int port = 8787;
        Path fixtures = null;
        String exchange = DEFAULT_EXCHANGE, initialize = DEFAULT_INITIALIZE, startSession = DEFAULT_START_SESSION;
        String approval = "approve", code = DEFAULT_CODE;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String opt = a, val = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    opt = a.substring(0, eq);
                    val = a.substring(eq + 1);
                }
                if (opt.equals("-h") || opt.equals("--help")) {
                    System.out.print(USAGE);
                    return;
                }
                if (!Set.of("--port", "--fixtures", "--exchange", "--initialize", "--start-session", "--approval", "--code").contains(opt)) {
                    throw new IllegalArgumentException("unknown option: " + a);
                }
                if (val == null) {
                    if (i + 1 >= args.length) throw new IllegalArgumentException(opt + " needs a value");
                    val = args[++i];
                }
                switch (opt) {
                    case "--port" -> {
                        try {
                            port = Integer.parseInt(val);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--port: not a number: " + val);
                        }
                        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port: out of range: " + val);
                    }
                    case "--fixtures" -> fixtures = Path.of(val);
                    case "--exchange" -> exchange = val;
                    case "--initialize" -> initialize = val;
                    case "--start-session" -> startSession = val;
                    case "--approval" -> approval = val;
                    case "--code" -> code = val;
                    default -> throw new IllegalStateException(opt);
                }
            }
            if (fixtures == null) {
                fixtures = Files.isDirectory(Path.of("fixtures")) ? Path.of("fixtures") : Path.of("..", "fixtures");
            }
            if (!Files.isDirectory(fixtures)) {
                throw new IllegalArgumentException("no fixtures directory at " + fixtures.toAbsolutePath().normalize() + " (use --fixtures DIR)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("FakeDashboard: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }

        FakeDashboard dash;
        try {
            dash = start(fixtures, port);
        } catch (UncheckedIOException e) {
            System.err.println("FakeDashboard: " + e.getMessage() + ": " + e.getCause().getMessage());
            System.exit(1);
            return;
        }
        try {
            dash.exchange(exchange).initialize(initialize).startSession(startSession).approval(approval).code(code);
        } catch (IllegalArgumentException e) {
            dash.close();
            System.err.println("FakeDashboard: " + e.getMessage());
            System.exit(2);
            return;
        }
        dash.log(System.err);
        Runtime.getRuntime().addShutdownHook(new Thread(dash::close));

        System.out.println("Fake Clone dashboard on " + dash.url() + " (fixtures: " + dash.fixturesDir() + ")");
        System.out.println("Serving: exchange=" + dash.exchangeFixture + " initialize=" + dash.initializeFixture
                + " start_session=" + dash.startSessionFixture + " approval=" + dash.approvalMode);
        System.out.println("Try: CLONE_DASHBOARD_URL=" + dash.url() + " CLONE_MCP_URL=" + dash.mcpUrl() + " ./jbang login.java login");
        System.out.println("Ctrl-C to stop.");
        System.out.flush();
        new CountDownLatch(1).await(); // until Ctrl-C
    }
}
