package org.jipython.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Any process a test starts (a script, mpirun, a command inside a network namespace), with its
 * output collected line by line so the test can wait for a line, and stopped by PID with every
 * descendant it had.
 */
public final class Spawned implements AutoCloseable {
  private final List<String> command;
  private final Process process;
  private final List<String> lines = new ArrayList<>();
  private final List<ProcessHandle> seen = Collections.synchronizedList(new ArrayList<>());

  private Spawned(List<String> command, Process process) {
    this.command = command;
    this.process = process;
  }

  /** Starts a script of this project's scripts/ folder with IPYTHONDIR set. */
  public static Spawned script(Path ipythonDir, String script, String... args) throws IOException {
    var command = new ArrayList<>(List.of(Home.script(script).toString()));
    command.addAll(List.of(args));
    return start(command, Map.of("IPYTHONDIR", ipythonDir.toString()));
  }

  /** Starts a command with extra environment variables; stderr joins stdout, stdin is closed. */
  public static Spawned start(List<String> command, Map<String, String> env) throws IOException {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    var spawned = new Spawned(List.copyOf(command), builder.start());
    spawned.process.getOutputStream().close();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(spawned.process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (spawned.lines) {
            spawned.lines.add(line);
            spawned.lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      synchronized (spawned.lines) {
        spawned.lines.notifyAll();
      }
    }, "spawned-output");
    reader.setDaemon(true);
    reader.start();
    return spawned;
  }

  /** Waits for the first output line matching {@code wanted}; fails with the output so far. */
  public String awaitLine(Predicate<String> wanted, Duration timeout) {
    return awaitLines(wanted, 1, timeout).get(0);
  }

  /** Waits until {@code count} output lines match {@code wanted}; returns them. */
  public List<String> awaitLines(Predicate<String> wanted, int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lines) {
      while (true) {
        recordTree();
        var matching = lines.stream().filter(wanted).toList();
        if (matching.size() >= count) {
          return matching.subList(0, count);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && readerDone())) {
          throw new AssertionError((process.isAlive() ? "timed out after " + timeout
              : "exited with " + process.exitValue()) + " before " + count
              + " matching lines from " + command + "; output:\n" + String.join("\n", lines));
        }
        try {
          lines.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 500));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        }
      }
    }
  }

  private boolean readerDone() {
    // the process is gone; give the reader a moment to deliver what was buffered
    try {
      lines.wait(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  /** Waits for the process to end; returns its exit status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(command + " did not exit within " + timeout + "; output:\n"
          + output());
    }
    return process.exitValue();
  }

  /** Everything printed so far, one line each. */
  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  /** The process and every descendant seen so far (they are recorded while waiting). */
  public List<ProcessHandle> tree() {
    recordTree();
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  private void recordTree() {
    Processes.tree(process.toHandle()).forEach(p -> {
      synchronized (seen) {
        if (!seen.contains(p)) {
          seen.add(p);
        }
      }
    });
  }

  /** SIGTERM, then SIGKILL by PID for whatever of the tree outlives the grace period. */
  public List<ProcessHandle> stop(Duration grace) {
    return Processes.stop(process.toHandle(), tree(), grace);
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(20));
  }
}
