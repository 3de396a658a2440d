
package clone.login;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The key store under odd file systems and hostile neighbours (contract section 3): links, folders the
 * tool cannot write, a full disk, files that are not configs, what killed writers leave, legacy keys.
 * A live writer that holds a lock is this JVM, so the tool it blocks runs as a process.
 */
class KeyStoreTest {
    static final String KEY = "clone_store_fault_key_Lq82Zr4m";
    static final String OLD_KEY = Contract.STORED_KEY;

    @TempDir Path tmp;

    Tool tool() { return new Tool(tmp).with("CLAUDE_PLUGIN_DATA", data().toString()); }

    Path data() { return tmp.resolve("data"); }

    Path config() { return data().resolve("auth.local.json"); }

    Result set(Tool tool) { return tool.runWithInput(KEY + "\n", "set", "-").assertNoSecrets(KEY).assertNoStackTrace(); }

    // ---- links ----

    @Test @DisabledOnOs(OS.WINDOWS)
    void aLinkedLockFileIsNeverFollowed() throws IOException {
        Path victim = Files.writeString(tmp.resolve("precious.txt"), "precious contents\n");
        Files.createDirectories(data());
        Files.createSymbolicLink(data().resolve(".auth.local.json.lock"), victim);

        Result r = set(tool());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(".auth.local.json.lock is a symbolic link"), r.toString());
        assertEquals("precious contents\n", Files.readString(victim), "the link's target is untouched");
        assertFalse(Files.exists(config()));
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aLinkedConfigIsWrittenThroughSoTheLinkSurvives() throws IOException {
        Path dotfiles = Files.createDirectories(tmp.resolve("dotfiles"));
        Path target = Files.copy(Checkout.fixture("config-extra-fields.json"), dotfiles.resolve("clone-auth.json"));
        Files.createDirectories(data());
        Files.createSymbolicLink(config(), target);

        Result r = set(tool());

        assertEquals(0, r.exit(), r.toString());
        assertTrue(Files.isSymbolicLink(config()), "still a link");
        String written = Files.readString(target);
        assertTrue(written.contains(KEY) && written.contains("\"loop_defaults\""), "written through, other fields kept: " + written);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(List.of("clone-auth.json"), Checkout.names(dotfiles), "nothing left beside the target");
        assertEquals(List.of("auth.local.json"), Checkout.names(data()));
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aLinkedConfigThatIsNotJsonIsNeitherReplacedNorChmodded() throws IOException {
        Path victim = Files.writeString(tmp.resolve("not-a-config.txt"), "some other file\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-r--r--"));
        Files.createDirectories(data());
        Files.createSymbolicLink(config(), victim);

        Result r = set(tool());

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("refusing to write through it"), r.toString());
        assertEquals("some other file\n", Files.readString(victim));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)), "never chmodded");
        assertTrue(Files.isSymbolicLink(config()));
        assertEquals(List.of("not-a-config.txt"), Checkout.names(tmp).stream().filter(n -> n.startsWith("not-a")).toList());
    }

    /** A link whose target is gone holds no key: clear removes it (a set then writes a plain file), and says what it was. */
    @Test @DisabledOnOs(OS.WINDOWS)
    void clearRemovesALinkWhoseTargetIsGone() throws IOException {
        Files.createDirectories(data());
        Files.createSymbolicLink(config(), tmp.resolve("gone/clone-auth.json"));

        Result r = tool().run("clear");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains("Removed the link " + config()) && r.err().contains("does not exist"), r.toString());
        assertFalse(Files.exists(config(), java.nio.file.LinkOption.NOFOLLOW_LINKS), "the link is gone");
        assertEquals(0, set(tool()).exit());
        assertFalse(Files.isSymbolicLink(config()));
        Contract.assertStoredAlone(config(), KEY);
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aLinkToAnotherUsersFileIsRefused() throws IOException {
        Tool tool = tool();
        Path theirs = Files.copy(Checkout.fixture("config-valid.json"), tmp.resolve("theirs.json"));
        Files.setOwner(theirs, tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        Files.createDirectories(data());
        Files.createSymbolicLink(config(), theirs);

        Result r = set(tool);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("which is not a regular file you own"), r.toString());
        assertTrue(Files.readString(theirs).contains(OLD_KEY), "untouched");
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aFolderOthersCanWriteIsWarnedAbout() throws IOException {
        Files.createDirectories(data());
        Files.setPosixFilePermissions(data(), PosixFilePermissions.fromString("rwxrwxrwx"));

        Result r = set(tool());

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.err().contains(data() + " can be written by other users") && r.err().contains("chmod go-w"), r.toString());
    }

    // ---- failures reported at once ----

    @Test @DisabledOnOs(OS.WINDOWS)
    void aFolderTheToolCannotWriteFailsAtOnceNamingItAndTheCause() throws IOException {
        Tool tool = tool().asUser("nobody");
        Files.createDirectories(data());
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(data(), PosixFilePermissions.fromString("rwxr-xr-x")); // root's, read-only to nobody

        Result r = set(tool);

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(data().toString()) && r.err().toLowerCase().contains("permission denied"), r.toString());
        assertFalse(r.err().contains("another process"), "the lock is not to blame: " + r);
        assertEquals(List.of(), Checkout.names(data()), "nothing left behind");

        Result login = tool.run("login", "--no-open", "--timeout", "10s");
        assertEquals(1, login.exit(), login.toString());
        assertFalse(login.out().contains("Authorize:"), "refused before any browser, so no code is spent: " + login);
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aFullDiskFailsAtOnceLeavesNothingAndClearStillWorks() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small file system");
        Files.createDirectories(data());
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", data().toString()).inheritIO().start();
        assumeTrue(mount.waitFor(10, TimeUnit.SECONDS) && mount.exitValue() == 0, "cannot mount a tmpfs here");
        try {
            Files.copy(Checkout.fixture("config-valid.json"), config());
            byte[] before = Files.readAllBytes(config());
            fill(data().resolve("filler"));

            Result r = set(tool());

            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().contains(data().toString()) && r.err().contains("No space left on device"), r.toString());
            assertFalse(r.err().contains("another process"), r.toString());
            assertArrayEquals(before, Files.readAllBytes(config()), "the stored key is intact");
            assertEquals(List.of("auth.local.json", "filler"), Checkout.names(data()), "no lock or temporary left");

            Result clear = tool().run("clear");
            assertEquals(0, clear.exit(), clear.toString());
            assertEquals("Cleared plugin config API key.", clear.outLines().get(0));
            assertFalse(Files.exists(config()));
        } finally {
            new ProcessBuilder("umount", data().toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void fill(Path file) throws IOException {
        try (var out = Files.newOutputStream(file)) {
            byte[] block = new byte[1024];
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) throw e;
        }
    }

    // ---- files that are not configs ----

    @Test
    void aConfigThatIsNotUtf8IsCorruptSkippedThenKeptAside() throws IOException {
        Files.createDirectories(data());
        byte[] latin1 = "{\"clone_api_token\": \"clone_caf\u00e9_key\"}\n".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(config(), latin1);

        Result status = tool().run("status");
        assertEquals("Source: demo fallback", status.outLines().get(0), status.toString());
        assertTrue(status.err().contains("Skipped " + config() + ": it is not valid UTF-8."), status.toString());

        Result r = set(tool());
        assertEquals(0, r.exit(), r.toString());
        Path aside = onlyAside();
        assertArrayEquals(latin1, Files.readAllBytes(aside), "the original bytes are kept");
        assertTrue(r.err().contains("moved it aside to " + aside), r.toString());
        Contract.assertStored(config(), KEY);
    }

    @Test
    void aConfigInLenientJsonIsCorrupt() throws IOException {
        Files.createDirectories(data());
        Files.writeString(config(), "{clone_api_token: 'clone_lenient_key_abc123' /* hand-edited */}\n");

        Result status = tool().run("status");
        assertEquals("Source: demo fallback", status.outLines().get(0), status.toString());
        assertTrue(status.err().contains("it is not valid JSON"), status.toString());
        status.assertNoSecrets("clone_lenient_key_abc123");

        assertEquals(0, set(tool()).exit());
        assertTrue(Files.readString(onlyAside()).contains("hand-edited"));
    }

    @Test @DisabledOnOs(OS.WINDOWS) // NTFS would write 3 GiB of zeros
    void aHugeFileIsNeverRead() throws IOException {
        Files.createDirectories(data());
        try (RandomAccessFile huge = new RandomAccessFile(config().toFile(), "rw")) {
            huge.setLength(3L << 30); // sparse: 3 GiB that take no room
        }

        Result status = tool().run("status");
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.err().contains("it is larger than 1 MiB"), status.toString());
        assertFalse(status.all().contains("OutOfMemoryError"), status.toString());

        Result r = set(tool());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("is larger than 1 MiB") && r.err().contains("move it away"), r.toString());
        assertEquals(3L << 30, Files.size(config()), "left as it is");
    }

    @Test @DisabledOnOs(OS.WINDOWS)
    void aFifoInPlaceNeitherHangsNorIsWritten() throws Exception {
        Files.createDirectories(data());
        assertEquals(0, new ProcessBuilder("mkfifo", config().toString()).start().waitFor());

        Result status = tool().run("status");
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.err().contains("it is not a regular file"), status.toString());

        Result r = set(tool());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("is not a regular file"), r.toString());
    }

    @Test
    void aFolderInPlaceIsRefused() throws IOException {
        Files.createDirectories(config());
        Result r = set(tool());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains(config() + " is not a regular file"), r.toString());
        assertTrue(Files.isDirectory(config()));
    }

    // ---- what killed writers leave ----

    @Test
    void temporariesThatNoLiveWriterHoldsAreRemoved() throws IOException {
        Files.createDirectories(data());
        Path stale = Files.write(data().resolve(".auth.local.json." + UUID.randomUUID() + ".tmp"), new byte[64 * 1024]);
        Path held = data().resolve(".auth.local.json." + UUID.randomUUID() + ".tmp");
        Path unrelated = Files.writeString(data().resolve("notes.tmp"), "mine");
        try (FileChannel ch = FileChannel.open(held, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            Result r = set(tool().process()); // this JVM holds the lock: the tool must be another process
            assertEquals(0, r.exit(), r.toString());
            assertFalse(Files.exists(stale), "a killed writer's temporary is removed");
            assertTrue(Files.exists(held), "a live writer's is not");
            assertTrue(Files.exists(unrelated), "nor is anything of another naming");
        }
        Contract.assertStored(config(), KEY);
    }

    @Test
    void aLockFileLeftByAKilledWriterIsRemoved() throws IOException {
        Path lock = Files.createDirectories(data()).resolve(".auth.local.json.lock");
        Files.writeString(lock, "");
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));

        Result r = set(tool());

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("auth.local.json"), Checkout.names(data()));
    }

    @Test
    void aLockThatALiveWriterHoldsIsWaitedFor() throws Exception {
        Path lock = Files.createDirectories(data()).resolve(".auth.local.json.lock");
        Running writer;
        Files.writeString(lock, "");
        // old enough to be a killed writer's, were it not held; set first: on POSIX, closing any descriptor of
        // a file (setting its time opens one) drops this process's lock on it
        Files.setLastModifiedTime(lock, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(60)));
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            writer = tool().process().start("--verbose", "set", "-").input(KEY + "\n").closeInput(); // another process than the holder
            writer.awaitErr(java.util.regex.Pattern.compile("Waiting for .*\\.auth\\.local\\.json\\.lock, which another clone-login holds"),
                    java.time.Duration.ofSeconds(30));
            assertFalse(Files.exists(config()), "nothing written while the lock is held");
            Files.delete(lock); // the other writer finishes: it deletes its lock, then lets go
        }
        Result r = writer.waitFor(Running.RUN_LIMIT);
        assertEquals(0, r.exit(), r.toString());
        Contract.assertStored(config(), KEY);
        r.assertNoSecrets(KEY);
    }

    // ---- clear ----

    @Test
    void clearAlsoRemovesALegacyKeySoThatNoStoredKeyIsInEffect() {
        Tool tool = new Tool(tmp);
        Path legacy = Checkout.placeConfig("config-legacy.json", tool.legacyFolder("clone-loop-clone-labs"));
        Path older = Checkout.placeConfig("config-valid.json", tool.legacyFolder("clone-clone-labs"));

        Result r = tool.run("clear");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("Cleared plugin config API key.", r.outLines().get(0));
        assertEquals("Source: demo fallback", r.outLines().get(2), "afterwards no stored key is in effect: " + r);
        assertTrue(r.err().contains(legacy.toString()) && r.err().contains(older.toString()), r.toString());
        assertFalse(Files.exists(legacy) || Files.exists(older));
        r.assertNoSecrets(OLD_KEY, Contract.LEGACY_KEY);
    }

    // ---- helpers ----

    Path onlyAside() throws IOException {
        List<Path> aside;
        try (Stream<Path> files = Files.list(data())) {
            aside = files.filter(p -> p.getFileName().toString().startsWith("auth.local.json.corrupt-")).toList();
        }
        assertEquals(1, aside.size(), "one file kept aside: " + aside);
        assertEquals("rw-------", Harness.WINDOWS ? "rw-------" : PosixFilePermissions.toString(Files.getPosixFilePermissions(aside.get(0))));
        return aside.get(0);
    }
}
