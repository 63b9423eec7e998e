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
    // Initialise logging now, on this thread: if actor system threads raced to do it, SLF4J
    // would print a replay warning on the user's terminal.
    org.slf4j.LoggerFactory.getILoggerFactory();
    return file;
  }
}
