
package clone.login;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repository this suite runs in: its files, its fixtures, its README's sections. */
final class Checkout {
    private Checkout() {}

    /** The repository root: where login.java is, found from the working folder upwards. */
    static Path repo() {
        Path dir = Paths.get("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("login.java")) && Files.isDirectory(d.resolve("fixtures"))) return d;
        }
        throw new IllegalStateException("run the tests from the repository (no login.java above " + dir + ")");
    }

    static Path fixtures() { return repo().resolve("fixtures"); }

    static Path fixture(String name) { return fixtures().resolve(name); }

    /** The lines of a README section, from its heading (e.g. "### --json") to the next heading of that level or above. */
    static List<String> readmeSection(String heading) {
        List<String> readme = read(repo().resolve("README.md")).lines().toList();
        int from = readme.indexOf(heading);
        assertTrue(from >= 0, "README.md has no heading " + heading);
        int to = from + 1;
        for (boolean inCode = false; to < readme.size(); to++) {
            String line = readme.get(to);
            if (line.startsWith("```")) inCode = !inCode;
            if (!inCode && headingLevel(line) > 0 && headingLevel(line) <= headingLevel(heading)) break;
        }
        return readme.subList(from + 1, to);
    }

    /** 1 for "# x", 2 for "## x" and so on; 0 for a line that is no heading. */
    private static int headingLevel(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == '#') n++;
        return n > 0 && n < line.length() && line.charAt(n) == ' ' ? n : 0;
    }

    /** The ```sh code blocks of a README section, each as its lines. */
    static List<List<String>> readmeShellBlocks(String heading) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = null;
        for (String line : readmeSection(heading)) {
            if (block == null && line.equals("```sh")) {
                block = new ArrayList<>();
            } else if (block != null && line.equals("```")) {
                blocks.add(List.copyOf(block));
                block = null;
            } else if (block != null) {
                block.add(line);
            }
        }
        return blocks;
    }

    /** Copies a fixture config file to folder/auth.local.json (creating the folder). */
    static Path placeConfig(String fixtureName, Path folder) {
        try {
            Files.createDirectories(folder);
            return Files.copy(fixture(fixtureName), folder.resolve("auth.local.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The names in a folder, sorted. */
    static List<String> names(Path folder) {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new temporary folder, deleted with all it holds when this JVM exits. */
    static Path temporaryFolder(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            } catch (IOException e) {
                // a temporary folder: the system cleans it up eventually
            }
        }, "delete " + dir));
        return dir;
    }

    /** A word as a POSIX shell reads it back: single-quoted. */
    static String shellQuote(String word) { return "'" + word.replace("'", "'\\''") + "'"; }
}
