package org.jipython.launcher;

import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Ends this process when the process that started it is gone, so that a launcher killed with
 * SIGKILL (which runs no shutdown hook) leaves no orphan JVM behind.
 */
final class ParentWatch {
  private ParentWatch() {}

  static void start(Long parentPid) {
    if (parentPid == null) {
      return;
    }
    var parent = ProcessHandle.of(parentPid);
    if (parent.isEmpty()) {
      System.exit(3);
    }
    var timer = Executors.newSingleThreadScheduledExecutor(r -> {
      var t = new Thread(r, "jipython-parent-watch");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      if (!parent.get().isAlive()) {
        System.exit(3);
      }
    }, 1, 1, TimeUnit.SECONDS);
  }
}
