package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerSecretsTest {
  private static final int ENGINE_PORT = 10201;
  private static final int CLIENT_PORT = 10105;
  private static ControllerSecrets secrets;

  @TempDir Path ipythonDir;
  private SecurityFolder folder;

  @BeforeAll
  static void generateSecrets() {
    secrets = ControllerSecrets.generate();
  }

  @BeforeEach
  void writeFurls() throws IOException {
    folder = SecurityFolder.open(ipythonDir);
    secrets.writeFurls(folder, "127.0.0.1", ENGINE_PORT, "127.0.0.1", CLIENT_PORT);
  }

  @Test
  void generatedSecretsGiveEachPortItsOwnIdentityAndEachInterfaceItsOwnToken() {
    assertNotEquals(
        secrets.engineIdentity().fingerprint(), secrets.clientIdentity().fingerprint());
    assertNotEquals(secrets.engineToken(), secrets.multiEngineToken());
    assertNotEquals(secrets.multiEngineToken(), secrets.taskToken());
    assertEquals("CN=jipython-engine-port",
        secrets.engineIdentity().certificate().getSubjectX500Principal().getName());
    assertEquals("CN=jipython-client-port",
        secrets.clientIdentity().certificate().getSubjectX500Principal().getName());
  }

  @Test
  void theThreeFilesNameTheirInterfacePortAndIdentity() throws IOException {
    var engine = FurlFile.read(folder.engineFurl());
    var multiEngine = FurlFile.read(folder.multiEngineFurl());
    var task = FurlFile.read(folder.taskFurl());

    assertEquals(Furl.ENGINE, engine.furl().interfaceName());
    assertEquals(ENGINE_PORT, engine.furl().port());
    assertEquals(secrets.engineIdentity().fingerprint(), engine.furl().fingerprint());
    assertEquals(secrets.engineToken(), engine.furl().token());
    assertEquals(Furl.MULTIENGINE, multiEngine.furl().interfaceName());
    assertEquals(CLIENT_PORT, multiEngine.furl().port());
    assertEquals(secrets.clientIdentity().fingerprint(), multiEngine.furl().fingerprint());
    assertEquals(secrets.multiEngineToken(), multiEngine.furl().token());
    assertEquals(Furl.TASK, task.furl().interfaceName());
    assertEquals(CLIENT_PORT, task.furl().port());
    assertEquals(secrets.clientIdentity().fingerprint(), task.furl().fingerprint());
    assertEquals(secrets.taskToken(), task.furl().token());
  }

  @Test
  void reuseReturnsTheSameSecretsWhenThePortsMatch() {
    var reused = ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT, CLIENT_PORT);

    assertTrue(reused.isPresent());
    var again = reused.get();
    assertEquals(secrets.engineToken(), again.engineToken());
    assertEquals(secrets.multiEngineToken(), again.multiEngineToken());
    assertEquals(secrets.taskToken(), again.taskToken());
    assertEquals(secrets.engineIdentity().certificate(), again.engineIdentity().certificate());
    assertEquals(secrets.clientIdentity().certificate(), again.clientIdentity().certificate());
    assertEquals(secrets.clientIdentity().privateKey(), again.clientIdentity().privateKey());
  }

  @Test
  void reuseStillWorksWhenTheHostChanges() {
    assertTrue(ControllerSecrets.reuse(folder, "10.0.0.7", ENGINE_PORT, CLIENT_PORT).isPresent());
  }

  @Test
  void reuseGivesNothingWhenTheEnginePortDiffers() {
    assertTrue(
        ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT + 1, CLIENT_PORT).isEmpty());
  }

  @Test
  void reuseGivesNothingWhenTheClientPortDiffers() {
    assertTrue(
        ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT, CLIENT_PORT + 1).isEmpty());
  }

  @Test
  void reuseGivesNothingWhenPortsAreRandom() {
    assertTrue(ControllerSecrets.reuse(folder, "127.0.0.1", 0, 0).isEmpty());
  }

  @Test
  void reuseGivesNothingWhenAFileIsMissing() throws IOException {
    Files.delete(folder.taskFurl());

    assertTrue(ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT, CLIENT_PORT).isEmpty());
  }

  @Test
  void reuseGivesNothingWhenAFileIsNoLongerPrivate() throws IOException {
    assumeTrue(ipythonDir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Files.setPosixFilePermissions(
        folder.multiEngineFurl(), PosixFilePermissions.fromString("rw-r--r--"));

    assertTrue(ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT, CLIENT_PORT).isEmpty());
  }

  @Test
  void reuseGivesNothingWhenTheFilesWereMixedUp() throws IOException {
    Files.copy(folder.engineFurl(), folder.taskFurl(), StandardCopyOption.REPLACE_EXISTING);

    assertTrue(ControllerSecrets.reuse(folder, "127.0.0.1", ENGINE_PORT, CLIENT_PORT).isEmpty());
  }

  @Test
  void toStringShowsNoToken() {
    var text = secrets.toString();

    assertFalse(text.contains(secrets.engineToken().encoded()), text);
    assertFalse(text.contains(secrets.multiEngineToken().encoded()), text);
    assertFalse(text.contains(secrets.taskToken().encoded()), text);
  }
}
