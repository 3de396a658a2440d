
package clone.login;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tool behind an HTTPS proxy that demands Basic credentials ({@code HTTPS_PROXY=http://user:pass@host:port}):
 * the real script reaches {@code https://dashboard.test} only through a CONNECT tunnel of {@link ConnectProxy}
 * (nothing resolves dashboard.test), which leads to the fake dashboard served over TLS. The JDK disables
 * Basic for CONNECT tunnels by default, so this needs the tool to allow it for itself. Proxy credentials
 * are never printed. The tool trusts the test CA through NODE_EXTRA_CA_CERTS. Main allows Basic for tunnels
 * through a JVM-wide property, which the suite's JVM sets as main does: the runs are in it, except one
 * process, which shows that main does.
 */
class ProxyTest {
    static final String DASHBOARD = "https://" + Tls.HOST;
    static final String MCP = DASHBOARD + "/mcp";
    static final String USER = "proxyuser-Qm4";
    static final String PASSWORD = "secret-pass-Zx81";
    static final String KEY = "clone_live_connect_Wd73hLq0Zx4e";
    static final Duration WAIT = Browser.WAIT;
    /** A browser that trusts the test certificate and follows no redirect by itself (the login's goes https -> http). */
    static final HttpClient BROWSER = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .sslContext(Tls.clientContext()).followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir Path tmp;
    FakeDashboard dash;
    ConnectProxy proxy;
    final List<Running> started = new ArrayList<>();

    @BeforeEach void start() {
        dash = FakeDashboard.startHttps(Checkout.fixtures());
        proxy = ConnectProxy.start(USER, PASSWORD).route(Tls.HOST + ":443", dash.port());
    }

    @AfterEach void stop() {
        started.forEach(Running::stop);
        proxy.close();
        dash.close();
    }

    @ParameterizedTest(name = "connect {0}")
    @ValueSource(strings = {"", "--verbose"})
    void connectGoesThroughTheAuthenticatingProxy(String flag) throws IOException {
        Tool tool = flag.isEmpty() ? tool(USER, PASSWORD).process() : tool(USER, PASSWORD); // a process: main's own setting
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = flag.isEmpty() ? tool.run("connect") : tool.run("connect", flag);

        assertEquals(0, r.exit(), r + "\nproxy saw: " + proxy.requests());
        assertEquals(Contract.connectBlock("plugin config", KEY, DASHBOARD), r.outLines());
        assertTunnelledWithCredentials();
        Contract.assertConnectCalls(dash, KEY, "claude-code");
        if (!flag.isEmpty()) assertTrue(r.err().contains("POST " + MCP + " -> HTTP 200"), r.toString());
        r.assertNoSecrets(KEY, USER, PASSWORD, basic(USER, PASSWORD)).assertNoStackTrace();
    }

    @ParameterizedTest(name = "wrong credentials {0}")
    @ValueSource(strings = {"", "--verbose"})
    void wrongProxyCredentialsFailNamingTheRefusal(String flag) throws IOException {
        String wrong = "wrong-pass-Lk27";
        Tool tool = tool(USER, wrong);
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = flag.isEmpty() ? tool.run("connect") : tool.run("connect", flag);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.errLines().stream().anyMatch(l -> l.contains("407") && l.toLowerCase(Locale.ROOT).contains("proxy")),
                "no line names the proxy's refusal (407):\n" + r);
        assertFalse(r.out().contains("Connected"), r.toString());
        assertEquals(List.of(), dash.calls(), "nothing may reach the dashboard");
        List<ConnectProxy.Request> seen = proxy.requests();
        assertTrue(seen.stream().anyMatch(q -> q.credentialsSent() && !q.validCredentials()),
                "the tool never offered the (wrong) credentials: " + seen);
        assertTrue(seen.stream().noneMatch(q -> q.status() == 200), "no tunnel may open: " + seen);
        if (flag.isEmpty()) r.assertNoStackTrace();
        r.assertNoSecrets(KEY, USER, wrong, basic(USER, wrong));
    }

    /** A value that is not a URL fails before any call, and the message does not repeat it (it holds a password). */
    @ParameterizedTest(name = "malformed value {index}")
    @ValueSource(strings = {"http://" + USER + ":secret pass-Zx81@127.0.0.1:3128", "http://" + USER + ":secret%zzpass-Zx81@127.0.0.1:3128"})
    void aMalformedProxyValueFailsWithoutPrintingIt(String value) throws IOException {
        Tool tool = tool(USER, PASSWORD).with("HTTPS_PROXY", value);
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("HTTPS_PROXY"), r.toString());
        assertEquals(List.of(), proxy.requests());
        assertEquals(List.of(), dash.calls());
        r.assertNoSecrets(KEY, USER, "secret pass", "secret%zzpass").assertNoStackTrace();
    }

    /** A scheme in capitals is still https: the proxy is chosen for it like for any other, and the lines show the one normal form. */
    @Test void anUppercaseSchemeGoesThroughTheProxyToo() throws IOException {
        Tool tool = tool(USER, PASSWORD).with("CLONE_DASHBOARD_URL", "HTTPS://Dashboard.TEST/").with("CLONE_MCP_URL", "HTTPS://DASHBOARD.test/mcp");
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        assertEquals(0, r.exit(), r + "\nproxy saw: " + proxy.requests());
        assertEquals(Contract.connectBlock("plugin config", KEY, DASHBOARD), r.outLines());
        assertTunnelledWithCredentials();
        r.assertNoSecrets(KEY, USER, PASSWORD).assertNoStackTrace();
    }

    /** The proxy's credentials are for the proxy: a dashboard that asks for Basic credentials must not get them. */
    @Test void aBasicChallengeFromTheDashboardNeverGetsTheProxyCredentials() throws IOException {
        dash.initialize("mcp-initialize-401-basic-challenge");
        Tool tool = tool(USER, PASSWORD);
        Contract.writeConfig(tool.defaultFolder(), KEY);

        Result r = tool.run("connect");

        List<FakeDashboard.Call> calls = dash.calls(FakeDashboard.MCP_PATH);
        assertTrue(calls.stream().allMatch(c -> c.header("Authorization") == null && c.header("Proxy-Authorization") == null),
                "credentials reached the dashboard: " + calls.stream().map(FakeDashboard.Call::headers).toList() + "\n" + r);
        assertEquals(1, calls.size(), "initialize is not retried: " + calls);
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone MCP initialize failed with HTTP 401"), r.toString());
        r.assertNoSecrets(KEY, USER, PASSWORD, basic(USER, PASSWORD)).assertNoStackTrace();
    }

    @Test void loginExchangesThroughTheTunnelWhileTheCallbackStaysDirect() throws Exception {
        Tool tool = tool(USER, PASSWORD);
        Running run = tool.start("login", "--no-open").closeInput();
        started.add(run);
        String authorize = run.awaitOut(Contract.AUTHORIZE, WAIT).group(1);
        assertTrue(authorize.startsWith(DASHBOARD + FakeDashboard.CONNECT_PATH + "?"), authorize);

        // the browser reaches the fake directly (it resolves no dashboard.test), then follows the 302 to the callback
        HttpResponse<String> approval = get(dash.url() + authorize.substring(DASHBOARD.length()));
        assertEquals(302, approval.statusCode(), approval.body());
        String callback = approval.headers().firstValue("Location").orElseThrow();
        assertTrue(callback.startsWith("http://127.0.0.1:"), callback);
        HttpResponse<String> page = get(callback);
        Result r = run.waitFor(WAIT);

        assertEquals(200, page.statusCode(), page.body() + "\n" + r);
        assertTrue(page.body().contains("Clone Loop is connected"), page.body());
        assertEquals(0, r.exit(), r + "\nproxy saw: " + proxy.requests());
        Path config = tool.defaultFolder().resolve("auth.local.json");
        List<String> expected = new ArrayList<>(List.of("Authorize: " + authorize, "Waiting for Clone browser authorization...",
                "Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(Contract.LOGIN_KEY), "Plugin config: " + config));
        expected.addAll(Contract.connectBlock("plugin config", Contract.LOGIN_KEY, DASHBOARD));
        assertEquals(expected, r.outLines(), r.toString());
        Contract.assertStoredAlone(config, Contract.LOGIN_KEY);
        assertEquals(1, dash.calls(FakeDashboard.EXCHANGE_PATH).size(), "exchanges");
        assertTunnelledWithCredentials(); // and never the loopback callback
        Contract.assertConnectCalls(dash, Contract.LOGIN_KEY, "claude-code");
        r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE, USER, PASSWORD, basic(USER, PASSWORD)).assertNoStackTrace();
    }

    // ---- helpers ----

    Tool tool(String user, String password) {
        return new Tool(tmp).with("CLONE_DASHBOARD_URL", DASHBOARD).with("CLONE_MCP_URL", MCP)
                .with("HTTPS_PROXY", proxy.url(user, password)).with("NODE_EXTRA_CA_CERTS", Tls.caPem().toString());
    }

    /** Every request the proxy saw was a CONNECT to dashboard.test:443, and a tunnel opened with the right credentials. */
    void assertTunnelledWithCredentials() {
        List<ConnectProxy.Request> seen = proxy.requests();
        assertTrue(seen.stream().allMatch(q -> q.method().equals("CONNECT") && q.target().equals(Tls.HOST + ":443")), seen.toString());
        assertTrue(seen.stream().anyMatch(q -> q.validCredentials() && q.credentialsSent() && q.status() == 200),
                "no tunnel with valid credentials: " + seen);
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return BROWSER.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The credentials as they travel in Proxy-Authorization: must not be printed either. */
    static String basic(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
