package org.jipython.launcher;

import java.nio.file.Path;
import org.jipython.runtime.security.SecurityFolder;
import picocli.CommandLine.Option;

/** The {@code --ipythondir} option every command shares. */
final class Ipythondir {
  @Option(names = "--ipythondir", paramLabel = "DIR",
      description = "The IPython directory (default: $IPYTHONDIR, else ~/.ipython); "
          + "furl files live in its security/ folder, logs in log/.")
  Path dir;

  SecurityFolder open() throws java.io.IOException {
    return SecurityFolder.open(dir != null ? dir : SecurityFolder.ipythonDir());
  }
}
