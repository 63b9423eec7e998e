package org.jipython.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Points Logback at this process's own file, {@code <logdir>/<role>-<pid>.log}. Must run before
 * the first logger is created, which is why launcher classes fetch their loggers lazily.
 */
final class Logs {
  private Logs() {}

  /**
   * @param explicitFile the {@code --logfile} option: a file, or a folder that gets
   *     {@code <role>-<pid>.log}; null for the log folder
   */
  static Path init(String role, Path logDir, Path explicitFile) {
    var ownName = role + "-" + ProcessHandle.current().pid() + ".log";
    Path file;
    if (explicitFile == null) {
      file = logDir.resolve(ownName);
    } else if (Files.isDirectory(explicitFile)) {
      file = explicitFile.resolve(ownName);
    } else {
      file = explicitFile;
      var parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        try {
          Files.createDirectories(parent);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create the log folder " + parent, e);
        }
      }
    }
    System.setProperty("jipython.log.file", file.toAbsolutePath().toString());
    // Initialise logging now, on this thread: if actor system threads raced to do it, SLF4J
    // would print a replay warning on the user's terminal.
    org.slf4j.LoggerFactory.getILoggerFactory();
    return file;
  }
}
