package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityFolderTest {
  @TempDir Path ipythonDir;
  private String savedProperty;

  @AfterEach
  void restoreProperty() {
    if (savedProperty == null) {
      System.clearProperty(SecurityFolder.IPYTHONDIR_PROPERTY);
    } else {
      System.setProperty(SecurityFolder.IPYTHONDIR_PROPERTY, savedProperty);
    }
  }

  @Test
  void openCreatesAPrivateSecurityFolderAndALogFolder() throws IOException {
    assumePosix();

    var folder = SecurityFolder.open(ipythonDir.resolve("fresh"));

    assertEquals(ipythonDir.resolve("fresh/security"), folder.dir());
    assertEquals(ipythonDir.resolve("fresh/log"), folder.logDir());
    assertEquals("rwx------", mode(folder.dir()));
    assertTrue(Files.isDirectory(folder.logDir()));
  }

  @Test
  void openResetsALoosenedSecurityFolderTo0700() throws IOException {
    assumePosix();
    var security = Files.createDirectory(ipythonDir.resolve("security"));
    Files.setPosixFilePermissions(security, PosixFilePermissions.fromString("rwxr-xr-x"));

    SecurityFolder.open(ipythonDir);

    assertEquals("rwx------", mode(security));
  }

  @Test
  void theFurlFilesHaveTheirIpythonNames() throws IOException {
    var folder = SecurityFolder.open(ipythonDir);

    assertEquals(folder.dir().resolve("ipcontroller-engine.furl"), folder.engineFurl());
    assertEquals(folder.dir().resolve("ipcontroller-mec.furl"), folder.multiEngineFurl());
    assertEquals(folder.dir().resolve("ipcontroller-tc.furl"), folder.taskFurl());
  }

  @Test
  void aFileWhereTheFolderShouldBeIsReported() throws IOException {
    Files.writeString(ipythonDir.resolve("security"), "not a folder");

    var e = assertThrows(IOException.class, () -> SecurityFolder.open(ipythonDir));
    assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
  }

  @Test
  void theSystemPropertyNamesTheIpythonDirectory() {
    savedProperty = System.getProperty(SecurityFolder.IPYTHONDIR_PROPERTY);
    System.setProperty(SecurityFolder.IPYTHONDIR_PROPERTY, ipythonDir.toString());

    assertEquals(ipythonDir.toAbsolutePath(), SecurityFolder.ipythonDir());
  }

  @Test
  void withoutPropertyOrEnvironmentTheIpythonDirectoryIsInTheHomeFolder() {
    assumeTrue(System.getenv(SecurityFolder.IPYTHONDIR_ENV) == null
        || System.getenv(SecurityFolder.IPYTHONDIR_ENV).isBlank());
    savedProperty = System.getProperty(SecurityFolder.IPYTHONDIR_PROPERTY);
    System.clearProperty(SecurityFolder.IPYTHONDIR_PROPERTY);

    assertEquals(Path.of(System.getProperty("user.home"), ".ipython").toAbsolutePath(),
        SecurityFolder.ipythonDir());
  }

  private void assumePosix() {
    assumeTrue(ipythonDir.getFileSystem().supportedFileAttributeViews().contains("posix"));
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
