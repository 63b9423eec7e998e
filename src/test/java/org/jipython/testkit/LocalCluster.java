package org.jipython.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real cluster for a test: {@code scripts/ipcluster -n N} in a fresh IPYTHONDIR, started and
 * waited for, and stopped by PID with every process it started.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path ipythonDir;
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private List<ProcessHandle> started = List.of();

  private LocalCluster(Path ipythonDir, Process process) {
    this.ipythonDir = ipythonDir;
    this.process = process;
  }

  /** Starts {@code ipcluster -n engines} with extra arguments; returns once all registered. */
  public static LocalCluster start(int engines, String... extraArgs) throws IOException {
    var dir = Files.createTempDirectory("jipython-test-");
    var command = new ArrayList<>(List.of(Home.script("ipcluster").toString(), "-n",
        Integer.toString(engines)));
    command.addAll(List.of(extraArgs));
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("IPYTHONDIR", dir.toString());
    var cluster = new LocalCluster(dir, builder.start());
    cluster.process.getOutputStream().close();
    var up = new CompletableFuture<Void>();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(cluster.process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          cluster.output.add(line);
          if (line.contains(" are up ")) {
            up.complete(null);
          }
        }
      } catch (IOException e) {
        // the process ended; waiting below notices
      }
      up.completeExceptionally(new IllegalStateException("ipcluster ended before the cluster "
          + "was up:\n" + String.join("\n", cluster.output)));
    }, "ipcluster-output");
    reader.setDaemon(true);
    reader.start();
    try {
      up.get(240, TimeUnit.SECONDS);
    } catch (Exception e) {
      cluster.close();
      throw new IllegalStateException("the cluster did not come up: " + e.getMessage()
          + "\n" + String.join("\n", cluster.output), e);
    }
    cluster.started = Processes.tree(cluster.process.toHandle());
    return cluster;
  }

  public Path ipythonDir() {
    return ipythonDir;
  }

  public Path furl(String name) {
    return ipythonDir.resolve("security").resolve(name);
  }

  public Path logDir() {
    return ipythonDir.resolve("log");
  }

  public ProcessHandle ipclusterProcess() {
    return process.toHandle();
  }

  /** What ipcluster printed so far. */
  public List<String> output() {
    synchronized (output) {
      return List.copyOf(output);
    }
  }

  /** Runs the console with {@code session} on standard input; returns what it printed. */
  public ConsoleRun console(String session) throws IOException, InterruptedException {
    return ConsoleRun.run(ipythonDir, session, Duration.ofSeconds(180));
  }

  /** Stops ipcluster with SIGTERM; returns the processes that had to be SIGKILLed. */
  public List<ProcessHandle> stop() {
    var recorded = new ArrayList<>(started);
    Processes.tree(process.toHandle()).stream().filter(p -> !recorded.contains(p))
        .forEach(recorded::add);
    return Processes.stop(process.toHandle(), recorded, Duration.ofSeconds(30));
  }

  /** The processes ipcluster started (recorded once the cluster was up), itself included. */
  public List<ProcessHandle> startedProcesses() {
    return started;
  }

  @Override
  public void close() {
    stop();
  }
}
