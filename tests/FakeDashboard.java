///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8 -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC
//DEPS com.google.code.gson:gson:2.13.2
//DEPS info.picocli:picocli:4.7.7
//SOURCES Tls.java

package clone.login;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
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
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
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
 *   <li>{@code GET /clone-loop/connect?redirect_uri=...&state=...&agent_id=...}: approves at once with a 302
 *       to the loopback {@code redirect_uri} (see {@link #approval(String)}).</li>
 *   <li>{@code POST /api/auth/clone-loop/connect/exchange/}: serves the exchange fixture.</li>
 *   <li>{@code POST /mcp}: JSON-RPC; {@code initialize} and {@code tools/call} each serve their fixture.</li>
 *   <li>anything else: 404 (a known path with the wrong method: 405).</li>
 * </ul>
 *
 * <p>Fixtures are raw HTTP responses ({@code fixtures/*.http}): a status line, header lines, a blank
 * line, then the body verbatim. They are read on every request, so they can be edited while it runs.
 * Pseudo-headers, stripped before sending, make a slow peer: {@code X-Fake-Delay-Ms: N} waits N ms
 * before the status line and headers; {@code X-Fake-Drip-Ms: N} sends the headers at once, then the
 * body one byte every N ms; {@code X-Fake-Hold-Open-Ms: N} sends the body chunked and keeps the stream
 * open N ms after it. In a body, {@code {{code}}} and {@code {{state}}} become those fields of the
 * request's JSON body and {@code {{api_key}}} its {@code X-Clone-API-Key} header (JSON-escaped when the
 * fixture's Content-Type is JSON or server-sent events), so a fixture can echo what the tool sent.
 *
 * <p>In-process: {@code try (var dash = FakeDashboard.start(fixturesDir)) { ... }}, or over TLS with the
 * certificate of {@link Tls}: {@code FakeDashboard.startHttps(fixturesDir)}.
 * Standalone: {@code ./jbang tests/FakeDashboard.java [--port N] [--https] [--fixtures DIR] ...} (see {@code --help}).
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
    }

    private final HttpServer server;
    private final boolean https;
    private final ExecutorService executor;
    private final Path fixturesDir;
    /** Opened by close(): ends every delay and drip at once. */
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Call> calls = new ArrayList<>(); // guarded by itself

    private volatile String exchangeFixture = DEFAULT_EXCHANGE;
    private volatile String initializeFixture = DEFAULT_INITIALIZE;
    private volatile String startSessionFixture = DEFAULT_START_SESSION;
    private volatile String approvalMode = "approve";
    private volatile String code = DEFAULT_CODE;
    private volatile String issuedKey = "";
    private volatile PrintStream log; // null: quiet

    static {
        // answers go out at once, so timings measure the tool and not a delayed ACK
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private FakeDashboard(Path fixturesDir, int port, boolean https) throws IOException {
        this.fixturesDir = fixturesDir.toAbsolutePath().normalize();
        this.https = https;
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
        if (https) {
            HttpsServer tls = HttpsServer.create(address, 50);
            tls.setHttpsConfigurator(new HttpsConfigurator(Tls.serverContext()));
            this.server = tls;
        } else {
            this.server = HttpServer.create(address, 50);
        }
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
        return start(fixturesDir, 0, false);
    }

    /**
     * Starts over TLS on a free port of 127.0.0.1, with the self-signed certificate of {@link Tls}
     * (valid for dashboard.test, localhost and 127.0.0.1). A tool trusts it with {@link Tls#jvmOptions()}.
     */
    public static FakeDashboard startHttps(Path fixturesDir) {
        return start(fixturesDir, 0, true);
    }

    /** Starts on the given port of 127.0.0.1 (0: a free one), over TLS when asked. */
    public static FakeDashboard start(Path fixturesDir, int port, boolean https) {
        try {
            return new FakeDashboard(fixturesDir, port, https);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the fake dashboard on 127.0.0.1:" + port, e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Whether it serves over TLS. */
    public boolean https() {
        return https;
    }

    /** {@code http://127.0.0.1:PORT} ({@code https://} over TLS), no trailing slash. */
    public String url() {
        return (https ? "https" : "http") + "://127.0.0.1:" + port();
    }

    /** {@code url() + "/mcp"}. */
    public String mcpUrl() {
        return url() + MCP_PATH;
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

    /** The key {@code {{issued_key}}} stands for in a fixture (exchange-issued-key.http): a key of the test's choosing, any length. */
    public FakeDashboard issuedKey(String key) {
        this.issuedKey = Objects.requireNonNull(key);
        return this;
    }

    /** Logs one line per request (method, path, status, fixture) to the stream; null: quiet (the default). */
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

    /** Every request but the login's reachability check ({@code HEAD /}): what a login asked of the dashboard itself. */
    public List<Call> loginCalls() {
        synchronized (calls) {
            return calls.stream().filter(c -> !(c.method().equals("HEAD") && c.path().equals("/"))).toList();
        }
    }

    /** Requests to exactly this path, in arrival order. */
    public List<Call> calls(String path) {
        synchronized (calls) {
            return calls.stream().filter(c -> c.path().equals(path)).toList();
        }
    }

    /** Waits until at least n requests to this path have arrived; false on timeout. */
    public boolean awaitCalls(String path, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (calls) {
            while (calls.stream().filter(c -> c.path().equals(path)).count() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(calls, left);
            }
            return true;
        }
    }

    /** Stops at once, ending any delayed or dripping answer. */
    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- request handling ----

    /**
     * An answer: {@code delayMs} before the head, then the body at once or one byte every {@code dripMs};
     * with {@code holdMs}, the body goes out chunked and the stream stays open that long after it.
     */
    private record Response(int status, Headers headers, byte[] body, long delayMs, long dripMs, long holdMs, String note) {
        static Response text(int status, String text) {
            Headers h = new Headers();
            h.add("Content-Type", "text/plain; charset=utf-8");
            return new Response(status, h, (text + "\n").getBytes(StandardCharsets.UTF_8), 0, 0, 0, null);
        }

        Response withNote(String note) {
            return new Response(status, headers, body, delayMs, dripMs, holdMs, note);
        }

        Response withBody(byte[] body) {
            return new Response(status, headers, body, delayMs, dripMs, holdMs, note);
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
            send(ex, response);
        } catch (IOException e) {
            // the client went away: nothing to do
        } finally {
            ex.close();
            PrintStream out = log;
            if (out != null) {
                out.print(ex.getRequestMethod() + " " + path + " -> " + response.status()
                        + (response.note() == null ? "" : " (" + response.note() + ")") + "\n");
                out.flush();
            }
        }
    }

    private void send(HttpExchange ex, Response response) throws IOException {
        if (response.delayMs() > 0 && pause(response.delayMs())) return; // closed while waiting
        ex.getResponseHeaders().putAll(response.headers());
        byte[] body = response.body();
        if (ex.getRequestMethod().equals("HEAD")) { // headers only (a length here has the JDK log a warning)
            ex.sendResponseHeaders(response.status(), -1);
            return;
        }
        ex.sendResponseHeaders(response.status(), response.holdMs() > 0 ? 0 : body.length == 0 ? -1 : body.length);
        if (body.length == 0 && response.holdMs() <= 0) return;
        try (OutputStream out = ex.getResponseBody()) {
            if (response.holdMs() > 0) { // the body, then a stream that stays open, as a server that keeps sending events may
                out.write(body);
                out.flush();
                pause(response.holdMs());
                return;
            }
            if (response.dripMs() <= 0) {
                out.write(body);
                return;
            }
            out.flush(); // the head now, the body byte by byte
            for (byte b : body) {
                out.write(b);
                out.flush();
                if (pause(response.dripMs())) return;
            }
        }
    }

    /** Waits, unless the server closes first; true if it did. */
    private boolean pause(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
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
                return method.equals("POST") ? fixture(exchangeFixture, call) : notAllowed("POST");
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
        Response r = Response.text(302, "Approved (" + mode + "), redirecting to the agent").withNote("approval " + mode);
        r.headers().add("Location", location.toString());
        return r;
    }

    /** Null if the URI is http://127.0.0.1:PORT/... or http://localhost:PORT/..., else why not. */
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
            case "initialize" -> fixture(initializeFixture, call);
            case "tools/call" -> fixture(startSessionFixture, call);
            default -> Response.text(400, "Unexpected JSON-RPC method: " + rpcMethod);
        };
    }

    // ---- fixtures ----

    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/\\d(?:\\.\\d)? +(\\d{3})(?: .*)?");
    private static final Set<String> COMPUTED_HEADERS = Set.of("content-length", "transfer-encoding", "connection");
    static final String DELAY_HEADER = "X-Fake-Delay-Ms";
    static final String DRIP_HEADER = "X-Fake-Drip-Ms";
    static final String HOLD_HEADER = "X-Fake-Hold-Open-Ms";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(code|state|api_key|issued_key)}}");

    private static String fixtureFile(String name) {
        if (name == null || name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("bad fixture name: " + name);
        }
        return name.endsWith(".http") ? name : name + ".http";
    }

    private Response fixture(String name, Call call) {
        Path file = fixturesDir.resolve(name);
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Response.text(500, "Fake dashboard: missing fixture " + file).withNote("missing " + name);
        } catch (IOException e) {
            return Response.text(500, "Fake dashboard: cannot read fixture " + file + ": " + e).withNote("unreadable " + name);
        }
        try {
            Response r = parseFixture(raw);
            return r.withBody(fill(r.body(), r.headers().getFirst("Content-Type"), call)).withNote(name);
        } catch (IllegalArgumentException e) {
            return Response.text(500, "Fake dashboard: bad fixture " + file + ": " + e.getMessage()).withNote("bad " + name);
        }
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
        long delayMs = 0, dripMs = 0, holdMs = 0;
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("bad header line: " + line);
            String name = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (name.equalsIgnoreCase(DELAY_HEADER)) {
                delayMs = millis(name, value);
            } else if (name.equalsIgnoreCase(DRIP_HEADER)) {
                dripMs = millis(name, value);
            } else if (name.equalsIgnoreCase(HOLD_HEADER)) {
                holdMs = millis(name, value);
            } else if (!COMPUTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                headers.add(name, value);
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, Math.min(bodyStart, raw.length), raw.length);
        return new Response(status, headers, body, delayMs, dripMs, holdMs, null);
    }

    private static long millis(String header, String value) {
        try {
            long ms = Long.parseLong(value);
            if (ms >= 0) return ms;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(header + " must be a number of milliseconds, not '" + value + "'");
    }

    /** Replaces the placeholders of a fixture body with what this request carried. */
    private byte[] fill(byte[] body, String contentType, Call call) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.contains("{{")) return body;
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        boolean json = type.contains("json") || type.contains("event-stream");
        JsonObject request;
        try {
            JsonElement parsed = JsonParser.parseString(call.body());
            request = parsed.isJsonObject() ? parsed.getAsJsonObject() : new JsonObject();
        } catch (RuntimeException e) {
            request = new JsonObject();
        }
        JsonObject fields = request;
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "api_key" -> Objects.requireNonNullElse(call.header("X-Clone-API-Key"), "");
                case "issued_key" -> issuedKey;
                default -> {
                    JsonElement v = fields.get(m.group(1));
                    yield v == null || v.isJsonNull() ? "" : v.isJsonPrimitive() ? v.getAsString() : v.toString();
                }
            };
            m.appendReplacement(out, Matcher.quoteReplacement(json ? jsonEscape(value) : value));
        }
        m.appendTail(out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The inside of a JSON string literal holding the value. */
    private static String jsonEscape(String value) {
        StringBuilder b = new StringBuilder(value.length() + 8);
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.toString();
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

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        System.exit(new CommandLine(new Standalone()).setOut(out).setErr(err).execute(args));
    }

    /** The approval modes, for picocli's help and completion. */
    static final class ApprovalModes extends ArrayList<String> {
        ApprovalModes() {
            super(APPROVAL_MODES);
        }
    }

    @Command(name = "FakeDashboard", sortOptions = false, usageHelpAutoWidth = true,
            description = {"A fake Clone dashboard and MCP server on 127.0.0.1 that serves fixtures/.",
                    "Standard output gets exactly two lines to paste into a shell:",
                    "  export CLONE_DASHBOARD_URL=...  and  export CLONE_MCP_URL=...",
                    "The banner and one line per request go to standard error. Ctrl-C stops it.", ""},
            customSynopsis = "./jbang tests/FakeDashboard.java [OPTIONS]")
    static final class Standalone implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = "--port", paramLabel = "N", defaultValue = "8787",
                description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: a free one).")
        int port;

        @Option(names = "--https", description = "Serve over TLS with a self-signed certificate for dashboard.test, "
                + "localhost and 127.0.0.1; standard error shows the JVM options that make the tool trust it.")
        boolean https;

        @Option(names = "--fixtures", paramLabel = "DIR",
                description = "Fixtures directory (default: ./fixtures if it exists, else ../fixtures).")
        Path fixtures;

        @Option(names = "--exchange", paramLabel = "FILE", defaultValue = DEFAULT_EXCHANGE,
                description = "Exchange fixture (default ${DEFAULT-VALUE}).")
        String exchange;

        @Option(names = "--initialize", paramLabel = "FILE", defaultValue = DEFAULT_INITIALIZE,
                description = "MCP initialize fixture (default ${DEFAULT-VALUE}).")
        String initialize;

        @Option(names = "--start-session", paramLabel = "FILE", defaultValue = DEFAULT_START_SESSION,
                description = "MCP tools/call start_session fixture (default ${DEFAULT-VALUE}).")
        String startSession;

        @Option(names = "--approval", paramLabel = "MODE", defaultValue = "approve", completionCandidates = ApprovalModes.class,
                description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        String approval;

        @Option(names = "--code", paramLabel = "CODE", defaultValue = DEFAULT_CODE,
                description = "Authorization code handed to the callback.")
        String code;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (port < 0 || port > 65535) throw new ParameterException(spec.commandLine(), "--port: out of range: " + port);
            Path dir = fixtures != null ? fixtures
                    : Files.isDirectory(Path.of("fixtures")) ? Path.of("fixtures") : Path.of("..", "fixtures");
            if (!Files.isDirectory(dir)) {
                throw new ParameterException(spec.commandLine(), "no fixtures directory at " + dir.toAbsolutePath().normalize()
                        + " (use --fixtures DIR)");
            }

            FakeDashboard dash;
            try {
                dash = start(dir, port, https);
            } catch (UncheckedIOException e) {
                err.print("FakeDashboard: " + e.getMessage() + ": " + e.getCause().getMessage() + "\n");
                err.flush();
                return 1;
            }
            try {
                dash.exchange(exchange).initialize(initialize).startSession(startSession).approval(approval).code(code);
            } catch (IllegalArgumentException e) {
                dash.close();
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            dash.log(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
            Runtime.getRuntime().addShutdownHook(new Thread(dash::close, "fake-dashboard-stop"));

            out.print("export CLONE_DASHBOARD_URL=" + dash.url() + "\n" + "export CLONE_MCP_URL=" + dash.mcpUrl() + "\n");
            out.flush();
            StringBuilder banner = new StringBuilder();
            banner.append("Fake Clone dashboard on ").append(dash.url()).append(" (fixtures: ").append(dash.fixturesDir).append(")\n");
            banner.append("Serving: exchange=").append(dash.exchangeFixture).append(" initialize=").append(dash.initializeFixture)
                    .append(" start_session=").append(dash.startSessionFixture).append(" approval=").append(dash.approvalMode).append("\n");
            if (https) {
                String options = String.join(" ", Tls.jvmOptions());
                banner.append("TLS: the tool must trust the test certificate; give its JVM: ").append(options).append("\n");
                banner.append("  e.g. ./jbang -R'").append(options).append("' login.java login\n");
            }
            banner.append("Ctrl-C to stop.\n");
            err.print(banner);
            err.flush();
            new CountDownLatch(1).await(); // until Ctrl-C
            return 0;
        }
    }
}
