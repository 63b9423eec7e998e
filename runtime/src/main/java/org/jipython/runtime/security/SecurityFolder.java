package org.jipython.runtime.security;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The folder {@code $IPYTHONDIR/security} that holds the controller's furl files, and its sibling
 * {@code log}. As in IPython, the security folder is reset to mode 0700 every time it is opened, so
 * a folder someone loosened does not stay open.
 */
public final class SecurityFolder {
  /** System property that overrides {@code IPYTHONDIR} (tests use it). */
  public static final String IPYTHONDIR_PROPERTY = "jipython.ipythondir";

  /** Environment variable naming the IPython directory, as in IPython. */
  public static final String IPYTHONDIR_ENV = "IPYTHONDIR";

  private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(
      PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_EXECUTE);

  private final Path dir;
  private final Path logDir;

  private SecurityFolder(Path dir, Path logDir) {
    this.dir = dir;
    this.logDir = logDir;
  }

  /**
   * The IPython directory: the system property {@value #IPYTHONDIR_PROPERTY} if set, else the
   * environment variable {@value #IPYTHONDIR_ENV} if set, else {@code ~/.ipython}. A leading
   * {@code ~} is expanded. Nothing is created.
   */
  public static Path ipythonDir() {
    var property = System.getProperty(IPYTHONDIR_PROPERTY);
    if (property != null && !property.isBlank()) {
      return resolve(property);
    }
    var env = System.getenv(IPYTHONDIR_ENV);
    if (env != null && !env.isBlank()) {
      return resolve(env);
    }
    return Path.of(System.getProperty("user.home"), ".ipython").toAbsolutePath().normalize();
  }

  /**
   * Opens {@code <ipythonDir>/security}, creating it and {@code <ipythonDir>/log} when missing.
   * The security folder is forced to mode 0700 even when it already existed.
   *
   * @throws IOException if a folder cannot be created or its mode cannot be set
   */
  public static SecurityFolder open(Path ipythonDir) throws IOException {
    Objects.requireNonNull(ipythonDir, "ipythonDir");
    var base = ipythonDir.toAbsolutePath().normalize();
    Files.createDirectories(base);
    var security = privateDirectory(base.resolve("security"));
    if (Files.getFileStore(security).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(security, OWNER_ONLY);
    }
    // Logs may show engine ids and code; private when we create the folder, left alone after.
    var log = privateDirectory(base.resolve("log"));
    return new SecurityFolder(security, log);
  }

  /** Opens the security folder of {@link #ipythonDir()}. */
  public static SecurityFolder open() throws IOException {
    return open(ipythonDir());
  }

  /** The security folder itself. */
  public Path dir() {
    return dir;
  }

  /** {@code ipcontroller-engine.furl}: for engines. */
  public Path engineFurl() {
    return dir.resolve("ipcontroller-engine.furl");
  }

  /** {@code ipcontroller-mec.furl}: for MultiEngine clients. */
  public Path multiEngineFurl() {
    return dir.resolve("ipcontroller-mec.furl");
  }

  /** {@code ipcontroller-tc.furl}: for Task clients. */
  public Path taskFurl() {
    return dir.resolve("ipcontroller-tc.furl");
  }

  /** The log folder beside the security folder. */
  public Path logDir() {
    return logDir;
  }

  @Override
  public String toString() {
    return "SecurityFolder[" + dir + "]";
  }

  private static Path resolve(String text) {
    var expanded = text.equals("~") || text.startsWith("~/")
        ? System.getProperty("user.home") + text.substring(1)
        : text;
    return Path.of(expanded).toAbsolutePath().normalize();
  }

  private static Path privateDirectory(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      return path;
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw notAFolder(path);
    }
    // Created 0700 from the start rather than chmod'ed afterwards, which would leave a window.
    FileAttribute<?>[] attributes =
        path.getFileSystem().supportedFileAttributeViews().contains("posix")
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    try {
      return Files.createDirectory(path, attributes);
    } catch (FileAlreadyExistsException e) {
      // ipcluster and the controller it starts may both get here first.
      if (Files.isDirectory(path)) {
        return path;
      }
      throw notAFolder(path);
    }
  }

  private static NotDirectoryException notAFolder(Path path) {
    return new NotDirectoryException(path + " is not a folder; move it away and start again");
  }
}
