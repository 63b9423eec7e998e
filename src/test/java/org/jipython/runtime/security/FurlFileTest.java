package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FurlFileTest {
  private static TlsIdentity identity;
  private static TlsIdentity other;

  @TempDir Path dir;
  private FurlFile furlFile;

  @BeforeAll
  static void generateIdentities() {
    identity = TlsIdentity.generate("jipython-client-port");
    other = TlsIdentity.generate("jipython-client-port");
  }

  @BeforeEach
  void makeFurlFile() {
    var furl = new Furl(
        identity.fingerprint(), "127.0.0.1", 10105, Furl.MULTIENGINE, CapabilityToken.random());
    furlFile = new FurlFile(furl, identity);
  }

  @Test
  void aWrittenFileIsPrivateAndReadsBackTheSame() throws IOException {
    assumePosix();
    var file = dir.resolve("ipcontroller-mec.furl");

    furlFile.write(file);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    var read = FurlFile.read(file);
    assertEquals(furlFile.furl(), read.furl());
    assertEquals(identity.fingerprint(), read.identity().fingerprint());
    assertEquals(identity.certificate(), read.identity().certificate());
  }

  @Test
  void theFileStartsWithTheUrlThenTheWarningThenThePem() throws IOException {
    var file = dir.resolve("ipcontroller-mec.furl");

    furlFile.write(file);

    var lines = Files.readAllLines(file);
    assertEquals(furlFile.furl().toUrl(), lines.get(0));
    assertEquals(FurlFile.COMMENT, lines.get(1));
    assertEquals("-----BEGIN CERTIFICATE-----", lines.get(2));
    assertTrue(lines.contains("-----BEGIN PRIVATE KEY-----"));
  }

  @Test
  void writingReplacesAnOldFileAndLeavesNoTemporaryFileBehind() throws IOException {
    var file = dir.resolve("ipcontroller-mec.furl");
    Files.writeString(file, "old content");

    furlFile.write(file);

    assertEquals(furlFile.furl(), FurlFile.read(file).furl());
    try (var entries = Files.list(dir)) {
      assertEquals(1, entries.count());
    }
  }

  @Test
  void aFileOthersCanReadIsRefusedWithTheChmodToRun() throws IOException {
    assumePosix();
    var file = dir.resolve("ipcontroller-mec.furl");
    furlFile.write(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    var e = assertThrows(IOException.class, () -> FurlFile.read(file));

    assertEquals("furl file " + file + " has mode 0644; it holds a secret and must be private"
        + " to you: run chmod 600 " + file, e.getMessage());
  }

  @Test
  void aFileTheGroupCanWriteIsRefused() throws IOException {
    assumePosix();
    var file = dir.resolve("ipcontroller-mec.furl");
    furlFile.write(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));

    var e = assertThrows(IOException.class, () -> FurlFile.read(file));

    assertTrue(e.getMessage().contains("has mode 0620"), e.getMessage());
  }

  @Test
  void aFileWhoseCertificateWasSwappedIsRefusedAsCorrupt() throws IOException {
    var file = dir.resolve("ipcontroller-mec.furl");
    var text = furlFile.furl().toUrl() + "\n" + FurlFile.COMMENT + "\n" + other.toPem();
    Files.writeString(file, text);
    restrictIfPosix(file);

    var e = assertThrows(IllegalArgumentException.class, () -> FurlFile.read(file));

    assertEquals("furl file " + file + " is corrupt: certificate does not match its URL",
        e.getMessage());
  }

  @Test
  void aFileWithoutItsKeyIsRefusedAsCorruptWithoutShowingTheToken() throws IOException {
    var file = dir.resolve("ipcontroller-mec.furl");
    var pem = identity.toPem();
    Files.writeString(file, furlFile.furl().toUrl() + "\n"
        + pem.substring(0, pem.indexOf("-----BEGIN PRIVATE KEY-----")));
    restrictIfPosix(file);

    var e = assertThrows(IllegalArgumentException.class, () -> FurlFile.read(file));

    assertTrue(e.getMessage().startsWith("furl file " + file + " is corrupt:"), e.getMessage());
    assertTrue(e.getMessage().contains("private key"), e.getMessage());
    assertFalse(e.getMessage().contains(furlFile.furl().token().encoded()));
  }

  @Test
  void aMissingFileIsReportedWithWhatToDo() {
    var file = dir.resolve("ipcontroller-engine.furl");

    var e = assertThrows(NoSuchFileException.class, () -> FurlFile.read(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("start ipcontroller"), e.getMessage());
  }

  @Test
  void parseTextReadsContentsHeldInMemory() {
    var parsed = FurlFile.parseText("\n\n" + furlFile.contents(), "--furl");

    assertEquals(furlFile.furl(), parsed.furl());
    assertEquals(identity.fingerprint(), parsed.identity().fingerprint());
  }

  @Test
  void parseTextRefusesEmptyText() {
    var e = assertThrows(
        IllegalArgumentException.class, () -> FurlFile.parseText("\n# nothing\n", "--furl"));

    assertTrue(e.getMessage().contains("furl file --furl is empty"), e.getMessage());
  }

  @Test
  void toStringDoesNotShowTheToken() {
    assertFalse(furlFile.toString().contains(furlFile.furl().token().encoded()));
  }

  @Test
  void aFurlFileCannotPairAFurlWithAnotherIdentity() {
    assertThrows(IllegalArgumentException.class, () -> new FurlFile(furlFile.furl(), other));
  }

  private void assumePosix() {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
  }

  private static void restrictIfPosix(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
