package org.jipython.launcher;

import java.nio.file.Path;

/**
 * Points Logback at this process's own file, {@code <logdir>/<role>-<pid>.log}. Must run before
 * the first logger is created, which is why launcher classes fetch their loggers lazily.
 */
final class Logs {
  private Logs() {}

  static Path init(String role, Path logDir, Path explicitFile) {
    var file = explicitFile != null
        ? explicitFile
        : logDir.resolve(role + "-" + ProcessHandle.current().pid() + ".log");
    System.setProperty("jipython.log.file", file.toAbsolutePath().toString());
    return file;
  }
}
