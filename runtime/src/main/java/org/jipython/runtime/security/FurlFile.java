package org.jipython.runtime.security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A furl file: everything an engine or a client needs to reach one controller interface. Its first
 * line is the {@link Furl} URL; after a comment come the port's {@link TlsIdentity} in PEM. Copying
 * this one file to another host is all it takes, so it is written private (mode 0600) and refused
 * when anyone else could read it.
 *
 * <p>Errors: a file that cannot be read, or that others can access, is an {@link IOException}; a
 * file whose content is wrong is an {@link IllegalArgumentException}. No message holds the token.
 */
public final class FurlFile {
  /** The comment written after the URL line. */
  public static final String COMMENT =
      "# jipython furl: whoever holds this file holds this capability."
          + " Keep it private (mode 0600).";

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private final Furl furl;
  private final TlsIdentity identity;

  /**
   * Pairs a furl with the identity of its port.
   *
   * @throws IllegalArgumentException if the identity is not the one the furl's fingerprint names
   */
  public FurlFile(Furl furl, TlsIdentity identity) {
    this.furl = Objects.requireNonNull(furl, "furl");
    this.identity = Objects.requireNonNull(identity, "identity");
    if (!identity.fingerprint().equals(furl.fingerprint())) {
      throw new IllegalArgumentException(
          "the TLS identity " + identity.fingerprint() + " is not the one " + furl
              + " names");
    }
  }

  /**
   * Reads and checks a furl file. On a file system with POSIX permissions, a file that gives any
   * access to group or others is refused: its secret may already be out.
   *
   * @throws IOException if the file cannot be read or is not private to its owner ({@link
   *     NoSuchFileException} when it does not exist)
   * @throws IllegalArgumentException if its content is not a valid furl file
   */
  public static FurlFile read(Path file) throws IOException {
    String text;
    try {
      checkPrivate(file);
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null,
          "furl file does not exist; start ipcontroller first, or copy the file here from the"
              + " controller's host");
    }
    return parseText(text, file.toString());
  }

  /**
   * Parses the content of a furl file held in memory, with the same checks as {@link #read} except
   * the file mode.
   *
   * @param source where the text came from, for error messages (a path, "--furl", ...)
   * @throws IllegalArgumentException if the text is not a valid furl file
   */
  public static FurlFile parseText(String text, String source) {
    Objects.requireNonNull(text, "text");
    var prefix = "furl file " + source;
    String urlLine = null;
    for (var line : text.split("\\R")) {
      var stripped = line.strip();
      if (!stripped.isEmpty() && !stripped.startsWith("#")) {
        urlLine = stripped;
        break;
      }
    }
    if (urlLine == null) {
      throw new IllegalArgumentException(prefix + " is empty: it should start with a furl URL");
    }
    Furl furl;
    TlsIdentity identity;
    try {
      furl = Furl.parse(urlLine);
      identity = TlsIdentity.fromPem(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(prefix + " is corrupt: " + e.getMessage(), e);
    }
    if (!identity.fingerprint().equals(furl.fingerprint())) {
      throw new IllegalArgumentException(
          prefix + " is corrupt: certificate does not match its URL");
    }
    return new FurlFile(furl, identity);
  }

  /** The URL line. */
  public Furl furl() {
    return furl;
  }

  /** The TLS material of the furl's port. */
  public TlsIdentity identity() {
    return identity;
  }

  /**
   * The whole file content: URL line, comment, certificate and private key. It holds the token and
   * the key: never log it.
   */
  public String contents() {
    return furl.toUrl() + "\n" + COMMENT + "\n" + identity.toPem();
  }

  /**
   * Writes the file with mode 0600 so that it appears at once, whole: the content goes to a private
   * temporary file in the same directory, which is then renamed over {@code file}. Whoever waits
   * for the file (ipcluster waits for the engine furl) never sees it half written.
   */
  public void write(Path file) throws IOException {
    var target = file.toAbsolutePath();
    var dir = target.getParent();
    var posix = supportsPosix(dir);
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
            : new FileAttribute<?>[0];
    // Created 0600 from the start: a chmod after writing would leave a window where it is not.
    var temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attributes);
    try {
      try (var channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        var bytes = ByteBuffer.wrap(contents().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      if (posix) {
        // The umask could have removed owner bits; be exact.
        Files.setPosixFilePermissions(temp, OWNER_READ_WRITE);
      }
      Files.move(
          temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Names the file's furl with the token hidden. */
  @Override
  public String toString() {
    return "FurlFile[" + furl + "]";
  }

  private static void checkPrivate(Path file) throws IOException {
    if (!supportsPosix(file)) {
      return;
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return;
    }
    var mode = mode(permissions);
    if ((mode & 0077) != 0) {
      throw new IOException(String.format(
          "furl file %s has mode %04o; it holds a secret and must be private to you:"
              + " run chmod 600 %s",
          file, mode, file));
    }
  }

  private static boolean supportsPosix(Path path) {
    var fileSystem = path == null ? FileSystems.getDefault() : path.getFileSystem();
    return fileSystem.supportedFileAttributeViews().contains("posix");
  }

  /** The octal mode bits, as {@code ls -l} and {@code chmod} spell them. */
  static int mode(Set<PosixFilePermission> permissions) {
    var mode = 0;
    for (var permission : permissions) {
      mode |= switch (permission) {
        case OWNER_READ -> 0400;
        case OWNER_WRITE -> 0200;
        case OWNER_EXECUTE -> 0100;
        case GROUP_READ -> 0040;
        case GROUP_WRITE -> 0020;
        case GROUP_EXECUTE -> 0010;
        case OTHERS_READ -> 0004;
        case OTHERS_WRITE -> 0002;
        case OTHERS_EXECUTE -> 0001;
      };
    }
    return mode;
  }
}
