
package clone.login;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP proxy on 127.0.0.1 (a free port) for tests: it only tunnels ({@code CONNECT host:port}),
 * to a loopback port that each requested {@code host:port} is mapped to beforehand, so a test can reach
 * {@code https://dashboard.test} without DNS. With credentials configured it demands
 * {@code Proxy-Authorization: Basic base64(user:pass)} and answers {@code 407} with
 * {@code Proxy-Authenticate: Basic realm="test"} otherwise. Every request is recorded.
 *
 * <p>{@code try (var proxy = ConnectProxy.start("user", "pass").route("dashboard.test:443", dash.port())) { ... }}
 * Closing it closes every socket and waits for its threads to end.
 */
final class ConnectProxy implements Closeable {
    /**
     * One request as the proxy saw it: its method and target ({@code host:port} for CONNECT), whether it
     * carried a {@code Proxy-Authorization} header at all, and whether that held the right credentials
     * (always true when the proxy demands none). {@code status} is what the proxy answered.
     */
    record Request(String method, String target, boolean credentialsSent, boolean validCredentials, int status) {}

    private static final int MAX_HEAD = 16 * 1024;
    private static final int HEAD_TIMEOUT_MS = 10_000;

    private final ServerSocket server;
    private final String expectedAuthorization; // null: no credentials demanded
    private final Map<String, Integer> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new ArrayList<>(); // guarded by itself
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private ConnectProxy(String user, String password) throws IOException {
        this.expectedAuthorization = user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        this.acceptor = spawn("connect-proxy-accept", this::acceptLoop);
    }

    /** A proxy that demands no credentials. */
    static ConnectProxy start() {
        return start(null, null);
    }

    /** A proxy that demands Basic credentials (null user: none). */
    static ConnectProxy start(String user, String password) {
        try {
            return new ConnectProxy(user, password);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the test proxy", e);
        }
    }

    /** Tunnels {@code CONNECT hostPort} (e.g. {@code dashboard.test:443}) to 127.0.0.1:loopbackPort. */
    ConnectProxy route(String hostPort, int loopbackPort) {
        routes.put(hostPort.toLowerCase(Locale.ROOT), loopbackPort);
        return this;
    }

    int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    String url() {
        return "http://127.0.0.1:" + port();
    }

    /** {@code http://user:password@127.0.0.1:PORT}, as a proxy variable holds it (no escaping: test values only). */
    String url(String user, String password) {
        return "http://" + user + ":" + password + "@127.0.0.1:" + port();
    }

    /** Every request so far, in arrival order. */
    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Waits until at least n requests have come; false on timeout. */
    boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (requests) {
            while (requests.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(requests, left);
            }
            return true;
        }
    }

    /** Stops accepting, closes every connection and tunnel, and waits (bounded) for its threads to end. */
    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5)); // after this no connection is accepted
            while (!threads.isEmpty() && System.nanoTime() < deadline) {
                sockets.forEach(ConnectProxy::closeQuietly);
                for (Thread t : List.copyOf(threads)) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- serving ----

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            track(client);
            spawn("connect-proxy-client", () -> serve(client));
        }
    }

    private void serve(Socket client) {
        Socket upstream = null;
        try {
            client.setSoTimeout(HEAD_TIMEOUT_MS);
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            List<String> head = readHead(in);
            if (head == null) return;
            String[] requestLine = head.get(0).split(" ");
            String method = requestLine[0];
            String target = requestLine.length > 1 ? requestLine[1] : "";
            String authorization = null;
            for (String line : head.subList(1, head.size())) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Proxy-Authorization")) {
                    authorization = line.substring(colon + 1).trim();
                }
            }
            boolean sent = authorization != null;
            boolean valid = expectedAuthorization == null || expectedAuthorization.equals(authorization);

            if (!method.equals("CONNECT")) {
                answer(out, record(method, target, sent, valid, 405), "Allow: CONNECT\r\n", "this test proxy only tunnels (CONNECT)");
                return;
            }
            if (!valid) {
                answer(out, record(method, target, sent, false, 407), "Proxy-Authenticate: Basic realm=\"test\"\r\n",
                        sent ? "wrong proxy credentials" : "proxy credentials required");
                return;
            }
            Integer port = routes.get(target.toLowerCase(Locale.ROOT));
            if (port == null) {
                answer(out, record(method, target, sent, true, 502), "", "no route to " + target + " in this test proxy");
                return;
            }
            upstream = new Socket();
            track(upstream);
            try {
                upstream.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            } catch (IOException e) {
                answer(out, record(method, target, sent, true, 502), "", "cannot reach 127.0.0.1:" + port);
                return;
            }
            record(method, target, sent, true, 200);
            out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            client.setSoTimeout(0);
            Socket up = upstream;
            Thread back = spawn("connect-proxy-pipe", () -> pipe(up, client));
            pipe(client, up, in);
            back.join();
        } catch (IOException e) {
            // the peer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            sockets.remove(client);
            if (upstream != null) sockets.remove(upstream);
        }
    }

    /** The request line and header lines, up to the blank line; null if the peer sent nothing usable. */
    private static List<String> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>();
        int total = 0;
        while (true) {
            int b = in.read();
            if (b < 0 || ++total > MAX_HEAD) return null;
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
                line.reset();
                if (s.isEmpty()) return lines.isEmpty() ? null : lines;
                lines.add(s);
            } else {
                line.write(b);
            }
        }
    }

    private static void answer(OutputStream out, int status, String extraHeaders, String text) throws IOException {
        String reason = switch (status) {
            case 405 -> "Method Not Allowed";
            case 407 -> "Proxy Authentication Required";
            default -> "Bad Gateway";
        };
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + reason + "\r\n" + extraHeaders + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private int record(String method, String target, boolean sent, boolean valid, int status) {
        synchronized (requests) {
            requests.add(new Request(method, target, sent, valid, status));
            requests.notifyAll();
        }
        return status;
    }

    private static void pipe(Socket from, Socket to) {
        try {
            pipe(from, to, from.getInputStream());
        } catch (IOException e) {
            // closed
        }
    }

    /** Copies until end of stream, then half-closes the other side so it sees the end too. */
    private static void pipe(Socket from, Socket to, InputStream in) {
        byte[] buffer = new byte[16 * 1024];
        try {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed or reset: end both
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void track(Socket socket) {
        sockets.add(socket);
        if (closed) closeQuietly(socket);
    }

    private Thread spawn(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return t;
    }

    private static void closeQuietly(Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
