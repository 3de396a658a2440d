
package clone.login;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The tool in a JVM of its own: the java command the script's //JAVA_OPTIONS make, and what makes it start fast and run as another user. */
final class Jvm {
    private Jvm() {}

    private static List<String> scriptJavaOptions;

    /** What login.java's //JAVA_OPTIONS lines give its JVM, as JBang reads them: words of the header's lines. */
    static synchronized List<String> scriptJavaOptions() {
        if (scriptJavaOptions == null) {
            List<String> options = new ArrayList<>();
            for (String line : Checkout.read(Checkout.repo().resolve("login.java")).lines().toList()) {
                if (line.startsWith("import ")) break;
                if (line.startsWith("//JAVA_OPTIONS ")) options.addAll(Arrays.asList(line.substring("//JAVA_OPTIONS ".length()).trim().split("\\s+")));
            }
            assertFalse(options.isEmpty(), "login.java has no //JAVA_OPTIONS lines");
            scriptJavaOptions = List.copyOf(options);
        }
        return scriptJavaOptions;
    }

    /**
     * The script's main class in a JVM of its own, with the script's JVM options and this run's class
     * path, and this run's archive of the tool's classes ({@link #classArchive()}).
     */
    static List<String> javaCommand() {
        List<String> command = new ArrayList<>(javaCommand(System.getProperty("java.class.path")));
        command.addAll(1, classArchive());
        return command;
    }

    static List<String> javaCommand(String classPath) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(scriptJavaOptions());
        command.addAll(List.of("-cp", classPath, login.class.getName()));
        return command;
    }

    private static String java() { return Paths.get(System.getProperty("java.home"), "bin", Harness.WINDOWS ? "java.exe" : "java").toString(); }

    private static List<String> classArchive;

    /**
     * JVM options that map a class-data archive of the tool's classes, made once per test run by one
     * tool run that loads them (status --check against a closed port: the command tree, JSON, the HTTP
     * client): each later tool JVM starts with about a third less CPU, as ./jbang does for JBang's own.
     * The options are those the launcher uses, which keep the JVM quiet about the archive. Empty when
     * no archive could be made.
     */
    static synchronized List<String> classArchive() {
        if (classArchive != null) return classArchive;
        classArchive = List.of();
        try {
            Path dir = Checkout.temporaryFolder("clone-login-cds");
            Path archive = dir.resolve("tool.jsa");
            List<String> command = new ArrayList<>(javaCommand(System.getProperty("java.class.path")));
            command.addAll(1, List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            command.addAll(List.of("status", "--check"));
            Tool tool = new Tool(dir).with("CLONE_MCP_URL", "http://127.0.0.1:9/mcp");
            Result made = Running.start(command, tool.env, dir).closeInput().waitFor(Running.RUN_LIMIT);
            if (made.exit() == 1 && made.out().contains("connection refused") && Files.isRegularFile(archive) && Files.size(archive) > 0) {
                classArchive = List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
            }
        } catch (IOException e) {
            // no archive: every tool JVM loads its classes itself
        }
        return classArchive;
    }

    private static String sharedClassPath;

    /** This run's class path copied where any user can read it (the originals sit in root's home). */
    static synchronized String sharedClassPath() {
        if (sharedClassPath != null) return sharedClassPath;
        try {
            Path dir = Files.createTempDirectory("clone-login-cp");
            dir.toFile().deleteOnExit();
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> copies = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                Path source = Paths.get(entry);
                if (!Files.isRegularFile(source)) continue;
                Path copy = Files.copy(source, dir.resolve(i++ + "-" + source.getFileName()));
                Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                copy.toFile().deleteOnExit();
                copies.add(copy.toString());
            }
            return sharedClassPath = String.join(java.io.File.pathSeparator, copies);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
