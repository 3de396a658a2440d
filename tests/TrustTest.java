
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS as the machine trusts it (contract section 8): on company machines a TLS-inspecting proxy signs
 * every certificate with the company's CA, which people add through NODE_EXTRA_CA_CERTS (Node's, which the
 * plugin's own command honours) or SSL_CERT_FILE (curl's and OpenSSL's). The fake dashboard here serves a
 * certificate that a test CA signed, which the JDK does not trust by itself. In this JVM: the trust the
 * tool builds comes from its Env, and this JVM trusts only the JDK's CAs.
 */
class TrustTest {
    static final String KEY = "clone_live_trust_Hq72Lm0Zx4Wd";

    @TempDir Path tmp;
    FakeDashboard dash;

    @BeforeEach void start() { dash = FakeDashboard.startHttps(Checkout.fixtures()); }

    @AfterEach void stop() { dash.close(); }

    Tool tool() {
        Tool tool = new Tool(tmp).against(dash);
        Contract.writeConfig(tool.defaultFolder(), KEY);
        return tool;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"})
    void aCaInAPemFileNamedByTheEnvironmentIsTrusted(String variable) {
        Result r = tool().with(variable, Tls.caPem().toString()).run("connect");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.connectBlock("plugin config", KEY, dash.url()), r.outLines());
        r.assertNoSecrets(KEY).assertNoStackTrace();
    }

    @Test
    void anUntrustedCertificateIsSaidInPlainWordsWithTheVariablesThatAddACa() {
        Result r = tool().run("connect");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("Clone MCP initialize failed: certificate not trusted: 127.0.0.1 presented a certificate"), r.toString());
        assertTrue(r.err().contains("NODE_EXTRA_CA_CERTS") && r.err().contains("SSL_CERT_FILE"), r.toString());
        for (String javaWords : List.of("PKIX", "Exception", "sun.security", "certpath")) assertFalse(r.all().contains(javaWords), r.toString());
        assertEquals(List.of(), dash.calls(), "nothing reached the dashboard");
        r.assertNoSecrets(KEY);
    }

    @Test
    void aPemFileThatCannotBeReadIsSaidAndLeftOut() throws IOException {
        Path notPem = Files.writeString(tmp.resolve("not.pem"), "not a certificate\n");
        Result r = tool().with("NODE_EXTRA_CA_CERTS", notPem.toString()).with("SSL_CERT_FILE", Tls.caPem().toString()).run("connect");

        assertEquals(0, r.exit(), "the other file still counts: " + r);
        assertTrue(r.err().contains("ignoring the certificates in NODE_EXTRA_CA_CERTS (" + notPem + ")"), r.toString());
        r.assertNoStackTrace();
    }

    /** Behind the proxy that inspects TLS: the tunnel leads to a certificate the company's CA signed. */
    @Test
    void aLoginThroughATlsInspectingProxyTrustsItsCa() throws Exception {
        try (ConnectProxy proxy = ConnectProxy.start().route(Tls.HOST + ":443", dash.port())) {
            String dashboard = "https://" + Tls.HOST;
            Tool tool = tool().with("CLONE_DASHBOARD_URL", dashboard).with("CLONE_MCP_URL", dashboard + "/mcp")
                    .with("HTTPS_PROXY", proxy.url()).with("NODE_EXTRA_CA_CERTS", Tls.caPem().toString());

            Result r = tool.run("connect");

            assertEquals(0, r.exit(), r + "\nproxy saw: " + proxy.requests());
            assertEquals(Contract.connectBlock("plugin config", KEY, dashboard), r.outLines());
            assertTrue(proxy.requests().stream().allMatch(q -> q.target().equals(Tls.HOST + ":443")), proxy.requests().toString());
        }
    }

    /** Linux keeps its CAs in a bundle the JDK's own store may not hold (Temurin's does not): it is trusted too. */
    @Test
    void theOperatingSystemsBundleIsTrusted() throws Exception {
        Path bundle = Files.copy(Tls.caPem(), tmp.resolve("ca-certificates.crt"));
        login.Trust.Loaded withBundle = login.Trust.load(Map.of(), "Linux", List.of(tmp.resolve("absent").toString(), bundle.toString()));
        login.Trust.Loaded without = login.Trust.load(Map.of(), "Linux", List.of());
        HttpRequest request = HttpRequest.newBuilder(URI.create(dash.url() + "/anything")).build();

        assertEquals(404, HttpClient.newBuilder().sslContext(withBundle.context()).build().send(request, HttpResponse.BodyHandlers.discarding())
                .statusCode(), "the fake answered over TLS");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> HttpClient.newBuilder().sslContext(without.context())
                .build().send(request, HttpResponse.BodyHandlers.discarding())) instanceof javax.net.ssl.SSLException);
        assertEquals(List.of(), withBundle.warnings());
    }
}
