import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * TLS material for tests, made once per JVM and cached: a self-signed certificate (keytool, EC P-256)
 * whose SANs are {@code DNS:dashboard.test}, {@code DNS:localhost} and {@code IP:127.0.0.1}, and a trust
 * store that holds the JDK's own CAs (a copy of {@code $JAVA_HOME/lib/security/cacerts}) plus that
 * certificate, so a tool that trusts it loads as many CAs as it would in real use.
 *
 * <p>The files live in a temporary folder deleted when the JVM exits.
 */
final class Tls {
    /** The host name the certificate is made for (besides localhost and 127.0.0.1). */
    static final String HOST = "dashboard.test";
    /** Password of both stores (the JDK's cacerts password). */
    static final String PASSWORD = "changeit";

    /** The made files: the server's key store (PKCS12, alias {@code dashboard}) and the trust store. */
    record Material(Path dir, Path keyStore, Path trustStore) {}

    private static Material material; // guarded by Tls.class

    private Tls() {}

    /** Makes the material on first use (about a second: one keytool run), then returns the same. */
    static synchronized Material material() {
        if (material == null) material = make();
        return material;
    }

    /** What the server side presents: the self-signed certificate and its key. */
    static SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(material().keyStore()), PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the server TLS context", e);
        }
    }

    /** A client side that trusts the trust store (the JDK's CAs and the test certificate), e.g. a test's browser. */
    static SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(material().trustStore()));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the client TLS context", e);
        }
    }

    /** JVM options that make another JVM (the tool's) trust the test certificate. */
    static List<String> jvmOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + material().trustStore(), "-Djavax.net.ssl.trustStorePassword=" + PASSWORD);
    }

    // ---- making it ----

    private static Material make() {
        try {
            Path dir = Files.createTempDirectory("clone-login-tls");
            Path keyStore = dir.resolve("server.p12");
            Path trustStore = dir.resolve("truststore.p12");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "tls-cleanup"));

            keytool("-genkeypair", "-alias", "dashboard", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + HOST, "-ext", "SAN=dns:" + HOST + ",dns:localhost,ip:127.0.0.1",
                    "-validity", "30", "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                    "-storepass", PASSWORD, "-keypass", PASSWORD);
            Certificate certificate = load(keyStore).getCertificate("dashboard");

            // the JDK's own CAs plus ours, in the format the JDK keeps them
            Path cacerts = Paths.get(System.getProperty("java.home"), "lib", "security", "cacerts");
            Files.copy(cacerts, trustStore);
            KeyStore trust = load(trustStore);
            trust.setCertificateEntry("clone-login-test-" + HOST, certificate);
            try (OutputStream out = Files.newOutputStream(trustStore)) {
                trust.store(out, PASSWORD.toCharArray());
            }
            return new Material(dir, keyStore, trustStore);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the test TLS material", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make the test TLS material", e);
        }
    }

    private static KeyStore load(Path file) throws GeneralSecurityException {
        try {
            return KeyStore.getInstance(file.toFile(), PASSWORD.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key store " + file, e);
        }
    }

    private static void keytool(String... args) throws IOException {
        String exe = System.getProperty("os.name", "").startsWith("Windows") ? "keytool.exe" : "keytool";
        List<String> command = Stream.concat(Stream.of(Paths.get(System.getProperty("java.home"), "bin", exe).toString()),
                Stream.of(args)).toList();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        }
        if (p.exitValue() != 0) throw new IOException("keytool " + args[0] + " failed (exit " + p.exitValue() + "): " + output.strip());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            // a temporary folder: the system cleans it up eventually
        }
    }
}
