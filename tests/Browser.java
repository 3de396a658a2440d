
package clone.login;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The browser's side of a login, played by an HTTP client (or a raw socket) against the fake dashboard and the tool. */
final class Browser {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** Follows the dashboard's 302 to the tool's loopback callback, as a browser does. */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(5)).build();
    private static final HttpClient NO_REDIRECTS = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    private Browser() {}

    /** What a browser does: open the URL, follow the dashboard's redirect to the loopback callback; the page is audited. */
    static HttpResponse<String> browse(String url) throws IOException, InterruptedException {
        return browse(url, WAIT);
    }

    static HttpResponse<String> browse(String url, Duration timeout) throws IOException, InterruptedException {
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        Harness.capture(page.body());
        return page;
    }

    /** The person approves in a browser that cannot reach this machine: the address it ends on is what they copy. */
    static String approve(String authorizeUrl) throws IOException, InterruptedException {
        HttpResponse<Void> approval = NO_REDIRECTS.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(302, approval.statusCode());
        return approval.headers().firstValue("Location").orElseThrow();
    }

    /** One request over a raw socket (HttpClient will not send a Host of our choosing); returns the status. */
    static int rawRequest(int port, String method, String target, String host) throws IOException {
        return rawRequest(port, method, target, host, Duration.ofSeconds(15));
    }

    static int rawRequest(int port, String method, String target, String host, Duration wait) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
            s.setSoTimeout((int) wait.toMillis());
            OutputStream out = s.getOutputStream();
            out.write((method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            if (status == null) throw new IOException("no answer to " + method + " " + target);
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /**
     * Nothing the tool started listens on the port of 127.0.0.1 any more. The port is free again, and with
     * classes running side by side another process may bind it at once (a server of its own, for a
     * moment): such a listener is not the tool's. So the port must refuse a connection, or be held by
     * another process, at some moment within 3 s; a receiver left open would hold it all that time.
     */
    static void assertRefused(int port) { assertRefused(port, Duration.ofSeconds(3)); }

    static void assertRefused(int port, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        String seen;
        do {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 2000);
            } catch (IOException refused) {
                return;
            }
            seen = listener(port);
            if (seen.startsWith("listener pid ") && !seen.contains("(this JVM)")) return;
            try {
                Thread.sleep(250); // each look reads every process's descriptors
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        String answer;
        try {
            answer = Integer.toString(rawRequest(port, "GET", "/", "127.0.0.1:" + port, Duration.ofSeconds(1))); // for the message only
        } catch (IOException e) {
            answer = e.toString();
        }
        fail("something still listens on port " + port + " after " + wait.toMillis() + " ms (it answers GET / with " + answer + "; " + seen + ")");
    }

    /** Which process listens on the port of 127.0.0.1, as Linux tells (for a failure message). */
    private static String listener(int port) {
        try {
            String hexPort = String.format(java.util.Locale.ROOT, ":%04X", port);
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/net/tcp"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[1].endsWith(hexPort) || !f[3].equals("0A")) continue;
                String socket = "socket:[" + f[9] + "]";
                try (var procs = java.nio.file.Files.list(java.nio.file.Path.of("/proc"))) {
                    for (java.nio.file.Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                        try (var fds = java.nio.file.Files.list(proc.resolve("fd"))) {
                            for (java.nio.file.Path fd : fds.toList()) {
                                if (socket.equals(java.nio.file.Files.readSymbolicLink(fd).toString())) {
                                    String pid = proc.getFileName().toString();
                                    return "listener pid " + pid + (pid.equals(Long.toString(ProcessHandle.current().pid())) ? " (this JVM)" : "")
                                            + ": " + new String(java.nio.file.Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ');
                                }
                            }
                        } catch (IOException | RuntimeException e) {
                            // gone, or not ours to read
                        }
                    }
                }
                return "listening socket " + f[9] + " of no process found";
            }
            return "no listening socket in /proc/net/tcp now";
        } catch (IOException | RuntimeException e) {
            return "no /proc/net/tcp";
        }
    }

    /** The loopback port of an authorize URL's redirect_uri. */
    static int callbackPort(String authorizeUrl) {
        return URI.create(FakeDashboard.parseQuery(URI.create(authorizeUrl).getRawQuery()).get("redirect_uri")).getPort();
    }
}
