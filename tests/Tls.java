//DEPS org.bouncycastle:bcpkix-jdk18on:1.87

package clone.login;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;

/**
 * TLS material for tests, made once per JVM and cached (Bouncy Castle, EC P-256): a test certificate
 * authority, as a company's TLS-inspecting proxy has, and the dashboard's certificate it signed, whose SANs
 * are {@code DNS:dashboard.test}, {@code DNS:localhost} and {@code IP:127.0.0.1}; the CA as a PEM file (for
 * NODE_EXTRA_CA_CERTS and SSL_CERT_FILE); and a trust store that holds the JDK's own CAs (a copy of
 * {@code $JAVA_HOME/lib/security/cacerts}) plus the test CA, so a tool that trusts it loads as many CAs as
 * it would in real use.
 *
 * <p>The files live in a temporary folder deleted when the JVM exits.
 */
final class Tls {
    /** The host name the certificate is made for (besides localhost and 127.0.0.1). */
    static final String HOST = "dashboard.test";
    /** Password of both stores (the JDK's cacerts password). */
    static final String PASSWORD = "changeit";

    /** The made files: the server's key store (PKCS12, alias {@code dashboard}, its chain up to the CA), the trust store, the CA as PEM. */
    record Material(Path dir, Path keyStore, Path trustStore, Path caPem) {}

    private static Material material; // guarded by Tls.class

    private Tls() {}

    /** Makes the material on first use, then returns the same. */
    static synchronized Material material() {
        if (material == null) material = make();
        return material;
    }

    /** What the server side presents: the dashboard's certificate and the CA that signed it, with its key. */
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

    /** A client side that trusts the trust store (the JDK's CAs and the test CA), e.g. a test's browser. */
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

    /** The test CA's certificate as a PEM file: what NODE_EXTRA_CA_CERTS or SSL_CERT_FILE name. */
    static Path caPem() { return material().caPem(); }

    /** JVM options that make another JVM (the tool's) trust the test CA through its own trust store. */
    static List<String> jvmOptions() {
        return List.of("-Djavax.net.ssl.trustStore=" + material().trustStore(), "-Djavax.net.ssl.trustStorePassword=" + PASSWORD);
    }

    // ---- making it ----

    private static Material make() {
        try {
            Path dir = Files.createTempDirectory("clone-login-tls");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "tls-cleanup"));
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair caKeys = generator.generateKeyPair();
            KeyPair serverKeys = generator.generateKeyPair();
            X500Name caName = new X500Name("CN=Clone Login Test CA, O=Inspecting Proxy");
            ContentSigner bySigningCa = new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate());

            X509v3CertificateBuilder ca = builder(caName, 1, caName, caKeys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate authority = new JcaX509CertificateConverter().getCertificate(ca.build(bySigningCa));
            X509v3CertificateBuilder server = builder(caName, 2, new X500Name("CN=" + HOST), serverKeys)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.dNSName, HOST), new GeneralName(GeneralName.dNSName, "localhost"),
                            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            X509Certificate dashboard = new JcaX509CertificateConverter().getCertificate(server.build(bySigningCa));

            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("dashboard", serverKeys.getPrivate(), PASSWORD.toCharArray(), new Certificate[] {dashboard, authority});
            Path keyStore = store(keys, dir.resolve("server.p12"));

            // the JDK's own CAs plus the test CA, in the format the JDK keeps them
            KeyStore trust = load(Paths.get(System.getProperty("java.home"), "lib", "security", "cacerts"));
            trust.setCertificateEntry("clone-login-test-ca", authority);
            Path trustStore = store(trust, dir.resolve("truststore.p12"));

            Path caPem = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(authority.getEncoded())
                    + "\n-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
            return new Material(dir, keyStore, trustStore, caPem);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the test TLS material", e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the test TLS material", e);
        }
    }

    /** A certificate valid from a day ago for 30 days. */
    private static X509v3CertificateBuilder builder(X500Name issuer, long serial, X500Name subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(serial), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
    }

    private static Path store(KeyStore store, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    private static KeyStore load(Path file) throws GeneralSecurityException {
        try {
            return KeyStore.getInstance(file.toFile(), PASSWORD.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the key store " + file, e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            // a temporary folder: the system cleans it up eventually
        }
    }
}
