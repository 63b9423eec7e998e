package org.jipython.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Stopping what a test started, by PID, and checking that it is gone. */
public final class Processes {
  private Processes() {}

  /** The process and all its descendants, recorded now (they must be known before it exits). */
  public static List<ProcessHandle> tree(ProcessHandle root) {
    var all = new ArrayList<ProcessHandle>();
    all.add(root);
    root.descendants().forEach(all::add);
    return all;
  }

  /**
   * Sends SIGTERM to {@code root}, waits for it and every recorded descendant to end within
   * {@code grace}, and SIGKILLs by PID whatever is still alive then. Returns the processes
   * that had to be killed (empty when the tree shut down by itself).
   */
  public static List<ProcessHandle> stop(ProcessHandle root, List<ProcessHandle> recorded,
      Duration grace) {
    var tree = new ArrayList<>(recorded);
    root.descendants().filter(p -> !tree.contains(p)).forEach(tree::add);
    root.destroy();
    long deadline = System.nanoTime() + grace.toNanos();
    var killed = new ArrayList<ProcessHandle>();
    for (var p : tree) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        p.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (Exception e) {
        if (p.isAlive()) {
          killed.add(p);
          p.destroyForcibly();
        }
      }
    }
    for (var p : killed) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // reported by the caller through the returned list
      }
    }
    return killed;
  }
}
