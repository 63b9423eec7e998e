package org.jipython.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the project is: the scripts the end-to-end tests start live in its scripts/. */
public final class Home {
  private Home() {}

  public static Path dir() {
    var home = System.getProperty("jipython.home");
    var dir = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("scripts"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the project's scripts/ folder");
    }
    return dir;
  }

  public static Path script(String name) {
    return dir().resolve("scripts").resolve(name);
  }
}
