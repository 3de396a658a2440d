
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as a newcomer meets it, through the script's own command tree: help on a command,
 * usage errors and their exit code 2, and --json keeping its one-object promise even then (contract
 * sections 1, 4). Help and version on every command are in UnitTest; WholeProcessTest sees exit code 2
 * and the JSON bytes leave a real process.
 */
class CommandLineTest {
    @TempDir Path tmp;

    @Test
    void helpOnACommandIsUsageOnStdoutAndExitZero() {
        Result r = new Tool(tmp).run("login", "--help");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: clone-login login"), r.out());
        assertTrue(r.out().contains("--timeout=D") && r.out().contains("--no-open"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void setHelpIsHelpNotAMissingKey() {
        Result r = new Tool(tmp).run("set", "-h");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("Usage: clone-login set"), r.out());
        assertFalse(r.all().contains("Missing required parameter"), r.toString());
    }

    @Test
    void aKeyThatLooksLikeAnOptionIsRefusedWithAHint() throws Exception {
        Tool tool = new Tool(tmp);
        Result r = tool.run("set", "--", "--help");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("cannot start with '-'") && r.err().contains("set -"), r.toString());
        assertFalse(Files.exists(tool.defaultFolder()), "nothing was written");
    }

    @Test
    void aTimeoutBeyondADayIsAUsageErrorBeforeAnythingStarts() {
        Result r = new Tool(tmp).run("login", "--no-open", "--timeout", "9223372036854775807");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("the most a login waits is 24h"), r.toString());
        assertFalse(r.out().contains("Authorize:"), "nothing started: " + r);
        assertFalse(r.all().contains("Unexpected error"), r.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "status --json --bogus | Unknown option: '--bogus'",
            "login --json --port x | Invalid value for option '--port'",
            "login --json --timeout 0 | is not a duration",
            "set --json | Missing required parameter",
            "bogus --json | Unmatched argument",
    })
    void aUsageErrorUnderJsonIsStillOneObject(String args, String message) {
        Result r = new Tool(tmp).run(args.split(" "));
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.outLines().size(), "exactly one line on stdout: " + r);
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(Set.of("error", "exit_code"), o.keySet());
        assertEquals(2, o.get("exit_code").getAsInt());
        assertTrue(o.get("error").getAsString().contains(message), o.toString());
        assertTrue(r.err().contains(message) && r.err().contains("--help' for usage."), "people still get the sentence: " + r);
    }

    @Test
    void withoutJsonAUsageErrorLeavesStdoutEmpty() {
        Result r = new Tool(tmp).run("status", "--bogus");
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertEquals(List.of("Unknown option: '--bogus'", "See 'clone-login status --help' for usage."), r.errLines());
    }
}
