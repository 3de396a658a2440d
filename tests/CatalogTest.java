
package clone.login;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The catalog over HTTP, the way a machine without a checkout uses it: a copy of the files git tracks
 * is served from 127.0.0.2 (loopback, but not a host JBang trusts by default), and the repository's own
 * ./jbang runs {@code clone-login@<url>} with a fresh, empty JBang home (JBANG_DIR: no trust, no catalog,
 * no installed command) that reuses the local Maven repository and the suite's compile cache (a build from
 * an empty cache is LocaleTest's), standard input closed. It proves that the script needs nothing beside itself.
 *
 * One server and one JBang home serve the whole class, so the steps run in order: the untrusted run
 * comes before anything is trusted. Each step has a home folder of its own for the tool.
 *
 * The README's "In setup scripts and Dockerfiles" section is run here line by line with bash. Only
 * these placeholders are replaced, in this order:
 * {@code https://github.com/<org>/<repo>/} by the served root {@code http://127.0.0.2:PORT/};
 * {@code <org>/<repo>} by {@code http://127.0.0.2:PORT} (JBang appends /jbang-catalog.json);
 * {@code <ref>} by the checkout's HEAD commit, whose files the server also serves under
 * {@code /<commit>/} (as GitHub serves /blob/<ref>/); {@code /run/secrets/clone_api_key} by a
 * temporary file holding a key. A code block whose first line is {@link #NOT_RUN} needs the network
 * and is not run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatalogTest {
    static final String SECTION = "## In setup scripts and Dockerfiles";
    static final String NOT_RUN = "# needs the network: not run by the tests";
    static final String SECRET_PATH = "/run/secrets/clone_api_key";
    static final String SECRET = "clone_ci_secret_key_Q7w2e9R4";
    static final Duration RUN_LIMIT = Duration.ofMinutes(3);

    Path tmp;
    HttpServer server;
    ExecutorService serverThreads;
    final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    Path site;
    Path pinnedSite;
    String commit;
    String base;
    Path jbangDir;
    Path shims;
    final List<Running> started = new ArrayList<>();

    @BeforeAll void serveACopyOfTheCheckout(@TempDir Path classTmp) throws Exception {
        tmp = classTmp;
        // Windows does reach 127.0.0.2, but these steps run ./jbang and the README's lines with bash
        assumeTrue(!Harness.WINDOWS, "runs the bash launcher and sh lines (Windows runs jbang.cmd)");
        Path repo = Checkout.repo();
        site = copyTrackedFiles(repo, Files.createDirectories(tmp.resolve("site")));
        commit = git(repo, "rev-parse", "HEAD").trim();
        pinnedSite = Files.createDirectories(tmp.resolve("pinned"));
        Path tar = tmp.resolve("pinned.tar");
        git(repo, "archive", "--format=tar", "-o", tar.toString(), commit);
        run(List.of("tar", "-xf", tar.toString(), "-C", pinnedSite.toString()), repo);

        InetAddress host = InetAddress.getByName("127.0.0.2");
        try {
            server = HttpServer.create(new InetSocketAddress(host, 0), 50);
        } catch (BindException e) {
            // Linux routes all of 127.0.0.0/8 to loopback; macOS only 127.0.0.1 unless told otherwise
            assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                    "127.0.0.2 is not a loopback address here");
            throw e;
        }
        serverThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "catalog-server");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(serverThreads);
        server.createContext("/", this::serve);
        server.start();
        base = "http://127.0.0.2:" + server.getAddress().getPort();

        jbangDir = Files.createDirectories(tmp.resolve("jbang-home"));
        // app install writes commands that call "jbang" from PATH: here that is the repository's launcher
        shims = Files.createDirectories(tmp.resolve("shims"));
        Files.createSymbolicLink(shims.resolve("jbang"), repo.resolve("jbang"));
    }

    @AfterAll void stopEverything() throws IOException {
        if (shims != null) Files.deleteIfExists(shims.resolve("jbang")); // the link only, not the launcher
        started.forEach(Running::stop);
        for (Running r : started) {
            try {
                r.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (server == null) return;
        server.stop(0);
        serverThreads.shutdownNow();
    }

    // ---- the steps --------------------------------------------------------------------------------

    @Test @Order(1) void untrustedCatalogScriptIsRefused() {
        String url = base + "/login.java";
        Result r = jbang(tool("untrusted"), "clone-login@" + catalogUrl(), "status");

        // JBang's exit code for an untrusted source is what the README documents; its wording is JBang's own and changes between releases
        assertEquals(10, r.exit(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().contains(url), "says which script it refused: " + r);
        assertEquals(0, servedCount("/login.java"), "the script was downloaded before it was trusted");
        assertEquals(1, servedCount("/jbang-catalog.json"), "JBang reads the catalog itself without asking");
    }

    @Test @Order(2) void readmeSetupLinesRunAsWritten() throws Exception {
        Path secretFile = Files.writeString(tmp.resolve("clone_api_key"), SECRET + "\n", StandardCharsets.UTF_8);
        FakeDashboard dash = FakeDashboard.start(Checkout.fixtures()); // for status --check
        Tool tool = tool("readme").with("CLONE_MCP_URL", dash.mcpUrl());
        Path config = tool.defaultFolder().resolve("auth.local.json");
        List<String> lines = readmeCommandLines();
        List<String> kinds = new ArrayList<>();

        for (String readmeLine : lines) {
            String line = readmeLine.replace("https://github.com/<org>/<repo>/", base + "/")
                    .replace("<org>/<repo>", base)
                    .replace("<ref>", commit)
                    .replace(SECRET_PATH, secretFile.toString());
            assertFalse(line.matches(".*<(org|repo|ref)>.*"), "placeholder left in: " + line);
            Result r = bash(tool, line);
            assertEquals(0, r.exit(), readmeLine + "\n" + r);
            r.assertNoSecrets(SECRET).assertNoStackTrace();

            if (readmeLine.startsWith("jbang build ")) {
                kinds.add("build");
                assertEquals("", r.out(), r.toString());
            } else if (readmeLine.startsWith("jbang trust add ")) {
                kinds.add("trust");
                assertTrue(Checkout.read(jbangDir.resolve("trusted-sources.json")).contains("\"" + base + "/\""), r.toString());
            } else if (readmeLine.contains(" import-env")) {
                kinds.add("import-env");
                assertEquals(List.of("Stored Clone API key from CLONE_API_TOKEN.", "Token: " + Contract.mask(SECRET),
                        "Plugin config: " + config), r.outLines(), r.toString());
                Contract.assertStoredAlone(config, SECRET);
            } else if (readmeLine.contains(" set - < ")) {
                kinds.add(readmeLine.contains("/<ref> ") ? "pinned set -" : "set -");
                assertEquals(List.of("Stored Clone API key in plugin config.", "Token: " + Contract.mask(SECRET),
                        "Plugin config: " + config), r.outLines(), r.toString());
                Contract.assertStoredAlone(config, SECRET);
            } else if (readmeLine.endsWith(" status --json")) {
                kinds.add("status --json");
                assertEquals(1, r.outLines().size(), r.toString());
                JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
                assertEquals("plugin config", json.get("source").getAsString(), r.toString());
                assertEquals(Contract.mask(SECRET), json.get("token").getAsString());
                assertFalse(json.get("demo").getAsBoolean(), r.toString());
            } else if (readmeLine.endsWith(" status --check")) {
                kinds.add("status --check");
                assertEquals("Check: The key is accepted by the Clone MCP endpoint.", r.outLines().get(r.outLines().size() - 1), r.toString());
                assertEquals(SECRET, dash.calls(FakeDashboard.MCP_PATH).get(0).header("X-Clone-API-Key"));
            } else {
                fail("a README line this test does not know how to check: " + readmeLine);
            }
        }
        dash.close();
        assertEquals(List.of("trust", "build", "import-env", "set -", "status --json", "status --check", "pinned set -"), kinds,
                "the README's setup lines, in order");
        assertTrue(servedCount("/" + commit + "/login.java") > 0, "the pinned line did not read the pinned script");
    }

    @Test @Order(3) void trustedCatalogPrintsTheStatus() {
        ensureTrusted();
        Tool tool = tool("status");
        Result r = jbang(tool, "clone-login@" + catalogUrl(), "status");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.demoStatus(tool.defaultFolder()), r.outLines(), r.toString());
        r.assertNoStackTrace();
    }

    @Test @Order(4) void loginCompletesAgainstTheDashboard() throws Exception {
        ensureTrusted();
        try (FakeDashboard dash = FakeDashboard.start(Checkout.fixtures())) {
            Tool tool = tool("login").against(dash);
            Running run = start(tool, List.of(shims.resolve("jbang").toString(), "clone-login@" + catalogUrl(),
                    "login", "--no-open"));
            String url = run.awaitOut(Contract.AUTHORIZE, RUN_LIMIT).group(1);

            Browser.browse(url);
            Result r = run.waitFor(RUN_LIMIT);

            assertEquals(0, r.exit(), r.toString());
            Path config = tool.defaultFolder().resolve("auth.local.json");
            List<String> expected = new ArrayList<>(List.of("Authorize: " + url, "Waiting for Clone browser authorization...",
                    "Stored Clone API key from Clone OAuth login.", "Token: " + Contract.mask(Contract.LOGIN_KEY),
                    "Plugin config: " + config));
            expected.addAll(Contract.connectBlock("plugin config", Contract.LOGIN_KEY, dash.url()));
            assertEquals(expected, r.outLines(), r.toString());
            Contract.assertStoredAlone(config, Contract.LOGIN_KEY);
            r.assertNoSecrets(Contract.LOGIN_KEY, Contract.CODE).assertNoStackTrace();
        }
    }

    @Test @Order(5) void installedCommandRunsFromTheJBangHome() {
        ensureTrusted();
        Result install = jbang(tool("install"), "app", "install", "clone-login@" + catalogUrl());
        assertEquals(0, install.exit(), install.toString());
        Path command = jbangDir.resolve("bin").resolve("clone-login");
        assertTrue(Files.isExecutable(command), install.toString());
        assertEquals(List.of("#!/bin/sh", "exec jbang run clone-login@" + catalogUrl() + " \"$@\""),
                Checkout.read(command).lines().toList(), "it runs the alias through the jbang on PATH");

        Tool tool = tool("installed");
        Result r = start(tool, List.of(command.toString(), "status")).waitFor(RUN_LIMIT);

        assertEquals(0, r.exit(), r.toString());
        assertEquals(Contract.demoStatus(tool.defaultFolder()), r.outLines(), r.toString());
    }

    // ---- helpers ----------------------------------------------------------------------------------

    String catalogUrl() { return base + "/jbang-catalog.json"; }

    /** The tool's own home folder for one step. */
    Tool tool(String step) { return new Tool(tmp.resolve("step-" + step)); }

    /** The steps after the README's share its trust; run alone, they add it themselves. */
    void ensureTrusted() {
        Path sources = jbangDir.resolve("trusted-sources.json");
        if (Files.isRegularFile(sources) && Checkout.read(sources).contains("\"" + base + "/\"")) return;
        Result r = jbang(tool("trust"), "trust", "add", base + "/");
        assertEquals(0, r.exit(), r.toString());
    }

    Result jbang(Tool tool, String... args) {
        List<String> command = new ArrayList<>(List.of(shims.resolve("jbang").toString()));
        command.addAll(List.of(args));
        return start(tool, command).waitFor(RUN_LIMIT);
    }

    Result bash(Tool tool, String line) {
        return start(tool, List.of("bash", "-c", line)).waitFor(RUN_LIMIT);
    }

    /**
     * Starts a command in a folder of its own (no catalog nearby), standard input closed, with the fresh
     * JBang home, the Maven repository in use, the JDK running these tests, and on PATH first the JBang
     * home's bin folder (so app install does not try to change shell startup files), then "jbang".
     */
    Running start(Tool tool, List<String> command) {
        Map<String, String> env = new HashMap<>(tool.env);
        String userHome = System.getProperty("user.home");
        env.put("JBANG_DIR", jbangDir.toString());
        env.put("JBANG_CACHE_DIR", Running.sharedJBangCache());
        env.put("JBANG_REPO", System.getenv().getOrDefault("JBANG_REPO", Paths.get(userHome, ".m2", "repository").toString()));
        env.put("JBANG_NO_VERSION_CHECK", "true");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", jbangDir.resolve("bin") + java.io.File.pathSeparator + shims + java.io.File.pathSeparator
                + System.getenv().getOrDefault("PATH", ""));
        Path cwd = tool.home.getParent();
        Running run = Running.start(command, env, cwd);
        started.add(run);
        return run.input(null);
    }

    /**
     * The shell lines of the README section's ```sh blocks, without comments and blank lines, leaving out
     * the one block that starts with {@link #NOT_RUN} (it may hold only JBang's installer). Other code
     * blocks there may only be ```text (output), so that no command goes unrun unnoticed.
     */
    static List<String> readmeCommandLines() {
        List<String> readme = Checkout.read(Checkout.repo().resolve("README.md")).lines().toList();
        int from = readme.indexOf(SECTION);
        assertTrue(from >= 0, "README.md has no line " + SECTION);
        int to = from + 1;
        while (to < readme.size() && !readme.get(to).startsWith("## ")) to++;

        List<String> lines = new ArrayList<>();
        int notRun = 0;
        String fence = null; // the info string of the open code block
        List<String> block = new ArrayList<>();
        for (String line : readme.subList(from + 1, to)) {
            if (fence == null) {
                if (line.startsWith("```")) {
                    fence = line.substring(3).strip();
                    assertTrue(fence.equals("sh") || fence.equals("text"), "a code block that is neither sh nor text: " + line);
                    block.clear();
                }
                continue;
            }
            if (!line.equals("```")) {
                block.add(line);
                continue;
            }
            if (fence.equals("sh") && !block.isEmpty() && block.get(0).equals(NOT_RUN)) {
                notRun++;
                for (String l : block.subList(1, block.size())) {
                    assertTrue(l.startsWith("curl -Ls https://sh.jbang.dev | bash -s - ") || l.startsWith("export PATH="),
                            "only JBang's installer belongs in the block that is not run: " + l);
                }
            } else if (fence.equals("sh")) {
                for (String l : block) {
                    String t = l.strip();
                    if (t.isEmpty() || t.startsWith("#")) continue;
                    assertFalse(t.endsWith("\\"), "one command per line: " + l);
                    lines.add(t);
                }
            }
            fence = null;
        }
        assertTrue(fence == null, "a code block is not closed in " + SECTION);
        assertTrue(notRun <= 1, "more than one block that is not run");
        assertFalse(lines.isEmpty(), "no shell lines in " + SECTION);
        return lines;
    }

    // ---- the server ---------------------------------------------------------------------------------

    /** Serves the copy at /, and the files of the HEAD commit at /COMMIT/; counts what it served. */
    private void serve(HttpExchange ex) throws IOException {
        try {
            String path = URI.create(ex.getRequestURI().getRawPath()).getPath();
            Path root = site;
            String rel = path.substring(1);
            if (rel.startsWith(commit + "/")) {
                root = pinnedSite;
                rel = rel.substring(commit.length() + 1);
            }
            Path file = root.resolve(rel).normalize();
            if (!ex.getRequestMethod().equals("GET") || !file.startsWith(root) || !Files.isRegularFile(file)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            served.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = Files.readAllBytes(file);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } finally {
            ex.close();
        }
    }

    int servedCount(String path) {
        AtomicInteger n = served.get(path);
        return n == null ? 0 : n.get();
    }

    /** Copies the files git tracks (as they are in the working tree) into target. */
    static Path copyTrackedFiles(Path repo, Path target) throws IOException {
        for (String name : git(repo, "ls-files", "-z").split("\0")) {
            if (name.isEmpty()) continue;
            Path from = repo.resolve(name);
            if (!Files.isRegularFile(from)) continue; // deleted in the working tree
            Path to = target.resolve(name);
            Files.createDirectories(to.getParent());
            Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        return target;
    }

    static String git(Path repo, String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        return run(command, repo);
    }

    static String run(List<String> command, Path dir) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), command + " did not finish");
            assertEquals(0, p.exitValue(), command + " failed (its messages are above)");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
