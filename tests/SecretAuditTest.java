
package clone.login;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs after every other class (AllTests runs it last): greps everything the suite captured, every
 * line the tool printed and every page it served, for every key and authorization code in the
 * fixtures. None may appear in full, with or without --verbose and --json.
 */
class SecretAuditTest {
    static final Pattern FIXTURE_SECRET = Pattern.compile("\\b(clone_(?!api_token)[A-Za-z0-9_-]{6,}|code_[A-Za-z0-9_]{6,})\\b");

    /** The keys and codes the fixtures hand out or hold, and the fake dashboard's default code. */
    static Set<String> fixtureSecrets() throws IOException {
        Set<String> secrets = new TreeSet<>();
        try (Stream<Path> files = Files.list(Checkout.fixtures())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".http") || p.toString().endsWith(".json")).toList()) {
                Matcher m = FIXTURE_SECRET.matcher(Files.readString(f));
                while (m.find()) secrets.add(m.group(1));
            }
        }
        secrets.add(FakeDashboard.DEFAULT_CODE);
        return secrets;
    }

    @Test
    void noFixtureKeyOrCodeWasEverPrintedOrServed() throws IOException {
        List<String> captured = Harness.captured();
        assumeTrue(captured.size() > 20, "runs after the suite; alone it has nothing to read");
        Set<String> secrets = fixtureSecrets();
        assertTrue(secrets.size() >= 6, "the fixtures' keys and codes: " + secrets);
        for (String text : captured) {
            for (String secret : secrets) {
                assertFalse(text.contains(secret), secret.substring(0, 6) + "... was printed or served:\n" + text);
            }
        }
    }
}
