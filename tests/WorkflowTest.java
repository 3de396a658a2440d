
package clone.login;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI as GitHub runs it (.github/workflows/ci.yml): once per commit, the launcher's jar cached, the README's
 * test command on every platform, and the workflow linted by .ci/run before the tests (actionlint checks
 * what this reads as text).
 */
class WorkflowTest {
    static String workflow() { return Checkout.read(Checkout.repo().resolve(".github/workflows/ci.yml")); }

    @Test
    void runsOncePerCommitAndCancelsWhatANewerPushReplaces() {
        String ci = workflow();
        assertTrue(Pattern.compile("(?m)^  push:\n    branches: \\[main]").matcher(ci).find(), "push only for main (pull requests run as such):\n" + ci);
        assertTrue(Pattern.compile("(?m)^  pull_request:").matcher(ci).find(), ci);
        assertTrue(Pattern.compile("(?m)^concurrency:\n  group: .*github\\.ref").matcher(ci).find(), "a concurrency group per ref:\n" + ci);
        assertTrue(ci.contains("cancel-in-progress: ${{ github.event_name == 'pull_request' }}"), ci);
    }

    /** The jar ./jbang downloads is cached by the launchers' hash (its version and SHA-256 are pinned there). */
    @Test
    void cachesTheLaunchersJar() {
        Matcher jar = Pattern.compile("(?m)^JBANG_WRAPPER_JAR_NAME=\"(jbang-cli-\\$\\{JBANG_WRAPPER_VERSION}-all\\.jar)\"$")
                .matcher(Checkout.read(Checkout.repo().resolve("jbang")));
        assertTrue(jar.find(), "the launcher keeps the jar in .jbang/");
        String ci = workflow();
        assertTrue(ci.contains("path: .jbang/*.jar") && ci.contains("hashFiles('jbang', 'jbang.cmd')"), ci);
    }

    @Test
    void runsTheReadmesTestCommandAndLintsFirst() {
        String ci = workflow();
        assertTrue(ci.contains("./jbang tests/AllTests.java") && ci.contains(".\\jbang.cmd tests\\AllTests.java"), ci);
        assertTrue(ci.contains("run: .ci/run --lint-only"), ci);
        String run = Checkout.read(Checkout.repo().resolve(".ci/run"));
        assertTrue(run.contains("actionlint") && run.contains("shellcheck jbang .ci/run"), run);
        assertTrue(run.indexOf("actionlint") < run.indexOf("./jbang tests/AllTests.java"), "lint before the tests");
        for (String os : List.of("ubuntu-latest", "macos-latest", "windows-latest")) assertTrue(ci.contains(os), os);
        assertFalse(Pattern.compile("uses: actions/(checkout|setup-java|cache)@v[1-4]\\b").matcher(ci).find(), "actions a major release behind:\n" + ci);
        assertEquals(2, Pattern.compile("java: \\['17', '25'\\]|java: '17'").matcher(ci).results().count(), ci);
        // the suite's own build without a locale (LocaleTest builds the tool so; CI runners start with an empty JBang cache)
        assertTrue(Pattern.compile("- os: ubuntu-latest\n\\s+java: '17'\n\\s+locale: C\n").matcher(ci).find(), ci);
        assertTrue(ci.contains("export LC_ALL=\"${{ matrix.locale }}\" LANG=\"${{ matrix.locale }}\"; fi\n          ./jbang tests/AllTests.java"), ci);
        assertFalse(Pattern.compile("path: .*\\.jbang/cache|path: ~/\\.jbang").matcher(ci).find(), "JBang's compile cache is not kept between runs");
    }
}
