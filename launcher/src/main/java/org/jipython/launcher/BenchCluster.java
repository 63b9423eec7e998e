package org.jipython.launcher;

import static org.jipython.launcher.BenchFigures.round;
import static org.jipython.launcher.BenchFigures.seconds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.slf4j.Logger;

/**
 * What a {@code bench} run starts: the {@code ipcluster -n N} it launches, the helper processes
 * (a console, the peers' script) and the clients it opens. Keeps them by PID, so that
 * {@link #stopEverything} can stop them at the end, on failure, and on Ctrl-C.
 */
final class BenchCluster {
  private static final Duration STARTUP_LIMIT = Duration.ofSeconds(180);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final int engines;
  private final Logger log;
  private final List<ClusterRun> clusters = new CopyOnWriteArrayList<>();
  private final List<Process> helpers = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> clients = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;

  BenchCluster(int engines, Logger log) {
    this.engines = engines;
    this.log = log;
  }

  /** What a started cluster hands to the workloads. */
  record Started(ClusterRun run, MultiEngineClient client, List<Integer> ids, int enginesLost) {}

  /**
   * Launches {@code ipcluster -n N} and waits, as a user would, until a client sees N engines and
   * an execute on all of them returns. {@code timeline} gets the client's milestones in seconds
   * since the launch.
   */
  Started start(Path ipythonDir, Map<String, Double> timeline) throws Exception {
    return start(ipythonDir, timeline, List.of());
  }

  /** {@link #start(Path, Map)} with more ipcluster options. */
  Started start(Path ipythonDir, Map<String, Double> timeline, List<String> options)
      throws Exception {
    if (stopping) {
      throw new IllegalStateException("stopping");
    }
    var run = ClusterRun.launch(ipythonDir, engines, options);
    clusters.add(run);
    var furl = ipythonDir.resolve("security").resolve("ipcontroller-mec.furl");
    long deadline = run.launchNanos() + STARTUP_LIMIT.toNanos();
    MultiEngineClient mec = null;
    try {
      Exception lastTry = null;
      while (mec == null) {
        run.checkRunning(deadline, lastTry);
        if (!Files.exists(furl)) {
          Thread.sleep(5);
          continue;
        }
        timeline.putIfAbsent("furl_file_seen", round(run.sinceLaunch()));
        try {
          mec = MultiEngineClient.connect(furl);
          clients.add(mec);
        } catch (JipythonException e) {
          lastTry = e;
          Thread.sleep(50);
        }
      }
      timeline.put("client_connected", round(run.sinceLaunch()));
      int lost = 0;
      while (true) {
        var ids = waitForIds(run, mec, deadline);
        timeline.put("client_sees_all_ids", round(run.sinceLaunch()));
        try {
          BenchWorkloads.await(mec.execute("a=1", Targets.all()),
              "the first execute on all engines");
          timeline.put("execute_all_done", round(run.sinceLaunch()));
          run.recordTree();
          return new Started(run, mec, ids, lost);
        } catch (CompositeException e) {
          // An engine can be lost while the others start (on a loaded machine the failure
          // detector downs it); ipcluster starts it again, and the cluster is usable after.
          if (e.failures().stream().anyMatch(f -> f.failure().kind() != FailureKind.ENGINE_LOST)
              || System.nanoTime() > deadline) {
            throw e;
          }
          lost += e.failures().size();
          System.err.println("bench: engine(s) lost during start-up (" + Bench.message(e)
              + "); waiting for ipcluster to start them again");
          Thread.sleep(200);
        }
      }
    } catch (Exception e) {
      close(mec);
      throw e;
    }
  }

  private List<Integer> waitForIds(ClusterRun run, MultiEngineClient mec, long deadline)
      throws Exception {
    List<Integer> ids = List.of();
    Exception lastTry = null;
    while (ids.size() < engines) {
      run.checkRunning(deadline, lastTry);
      try {
        ids = mec.getIds().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        lastTry = new TimeoutException("get_ids() did not answer within 10 s");
      }
      if (ids.size() < engines) {
        Thread.sleep(5);
      }
    }
    return ids;
  }

  /** A client opened apart from {@link #start}, to be closed with the rest if need be. */
  void addClient(AutoCloseable client) {
    clients.add(client);
  }

  void close(AutoCloseable client) {
    if (client == null) {
      return;
    }
    clients.remove(client);
    try {
      client.close();
    } catch (Exception e) {
      log.warn("closing a client failed", e);
    }
  }

  /** A process started to help measure (a console, the peers' script), stopped with the rest. */
  void addHelper(Process helper) {
    helpers.add(helper);
  }

  /** Stops a helper and its descendants now. */
  void stopHelper(Process helper) {
    stopTree(helper.toHandle(), List.of(), true);
    helpers.remove(helper);
  }

  synchronized void stopEverything() {
    stopping = true;
    for (var client : clients) {
      close(client);
    }
    for (var helper : helpers) {
      stopTree(helper.toHandle(), List.of(), true);
    }
    for (var cluster : clusters) {
      var killed = cluster.stop();
      if (!killed.isEmpty()) {
        log.warn("had to kill {} after SIGTERM to ipcluster {}", killed,
            cluster.process().pid());
      }
    }
  }

  /** The furl files hold private keys and tokens of clusters that are gone: no reason to keep. */
  synchronized void forgetSecrets() {
    for (var cluster : clusters) {
      var security = cluster.ipythonDir().resolve("security");
      try (Stream<Path> files = Files.exists(security) ? Files.list(security) : Stream.empty()) {
        for (var file : files.toList()) {
          Files.deleteIfExists(file);
        }
        Files.deleteIfExists(security);
      } catch (IOException e) {
        log.warn("could not remove {}", security, e);
      }
    }
  }

  /**
   * SIGTERM to {@code root} (and, with {@code signalDescendants}, to each of its descendants), a
   * grace period, then SIGKILL by PID to whatever of them and of {@code recorded} is still
   * alive. Returns the pids that had to be killed.
   */
  static List<Long> stopTree(ProcessHandle root, List<ProcessHandle> recorded,
      boolean signalDescendants) {
    var tree = new ArrayList<ProcessHandle>(recorded);
    if (!tree.contains(root)) {
      tree.add(0, root);
    }
    root.descendants().filter(p -> !tree.contains(p)).forEach(tree::add);
    root.destroy();
    if (signalDescendants) {
      // a shell waiting for its foreground command runs its traps only once that ends
      tree.forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    var killed = new ArrayList<Long>();
    for (var p : tree) {
      try {
        p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        if (p.isAlive()) {
          killed.add(p.pid());
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    for (var pid : killed) {
      ProcessHandle.of(pid).ifPresent(p -> {
        try {
          p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // reported through the returned list
        }
      });
    }
    return killed;
  }

  /** One {@code ipcluster -n N} this command launched, and every process it started. */
  static final class ClusterRun {
    private static final DateTimeFormatter LOG_TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final Path ipythonDir;
    private final Process process;
    private final long launchNanos;
    private final long launchEpochMillis;
    private final List<String> output;
    private final Set<ProcessHandle> known = ConcurrentHashMap.newKeySet();

    private ClusterRun(Path ipythonDir, Process process, long launchNanos, long launchEpochMillis,
        List<String> output) {
      this.ipythonDir = ipythonDir;
      this.process = process;
      this.launchNanos = launchNanos;
      this.launchEpochMillis = launchEpochMillis;
      this.output = output;
      known.add(process.toHandle());
    }

    static ClusterRun launch(Path ipythonDir, int engines, List<String> options)
        throws IOException {
      var output = Collections.synchronizedList(new ArrayList<String>());
      long epoch = System.currentTimeMillis();
      long t0 = System.nanoTime();
      var args = new ArrayList<>(List.of("ipcluster", "-n", Integer.toString(engines),
          "--ipythondir", ipythonDir.toString()));
      args.addAll(options);
      var process = ChildJvm.start("cluster", args, output::add);
      return new ClusterRun(ipythonDir, process, t0, epoch, output);
    }

    Path ipythonDir() {
      return ipythonDir;
    }

    Process process() {
      return process;
    }

    long launchNanos() {
      return launchNanos;
    }

    double sinceLaunch() {
      return seconds(launchNanos);
    }

    /** Throws, with what ipcluster printed, when it ended or the deadline passed. */
    void checkRunning(long deadlineNanos, Exception lastTry) {
      if (!process.isAlive()) {
        throw new IllegalStateException("ipcluster exited (code " + process.exitValue()
            + ") before the cluster was usable: " + lastLines() + "; logs in "
            + ipythonDir.resolve("log"));
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new IllegalStateException("the cluster was not usable within "
            + STARTUP_LIMIT.toSeconds() + " s" + (lastTry == null ? "" : " (" + lastTry + ")")
            + ": " + lastLines() + "; logs in " + ipythonDir.resolve("log"));
      }
    }

    private String lastLines() {
      synchronized (output) {
        return String.join(" | ", output.subList(Math.max(0, output.size() - 5), output.size()));
      }
    }

    /** Remembers ipcluster's descendants now, so they can be stopped even after it is gone. */
    void recordTree() {
      process.descendants().forEach(known::add);
    }

    /** The live children started as {@code ipcontroller} or {@code ipengine}, by pid. */
    List<ProcessHandle> children(String command) {
      recordTree();
      return process.descendants()
          .filter(p -> arguments(p).contains(command))
          .sorted(Comparator.comparingLong(ProcessHandle::pid))
          .toList();
    }

    /**
     * A process's arguments from /proc: {@code ProcessHandle.Info} gives none for a command
     * line as long as a child JVM's (its class path names every jar).
     */
    private static List<String> arguments(ProcessHandle p) {
      try {
        var raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
        return Arrays.asList(new String(raw, java.nio.charset.StandardCharsets.UTF_8)
            .split("\0"));
      } catch (IOException e) {
        return p.info().arguments().map(Arrays::asList).orElse(List.of());
      }
    }

    /** Stops ipcluster with SIGTERM (it stops its children); returns the pids that needed KILL. */
    List<Long> stop() {
      return stopTree(process.toHandle(), List.copyOf(known), false);
    }

    /**
     * The milestones in ipcluster's log, in seconds since the launch: when it started the
     * controller, when the controller was ready, when engines started and registered.
     */
    Map<String, Double> timelineFromLog() {
      var result = new LinkedHashMap<String, Double>();
      var file = ipythonDir.resolve("log").resolve("ipcluster-" + process.pid() + ".log");
      List<String> lines;
      try {
        lines = Files.readAllLines(file);
      } catch (IOException e) {
        return result;
      }
      for (var line : lines) {
        if (line.length() < 23) {
          continue;
        }
        double at;
        try {
          var time = LocalDateTime.parse(line.substring(0, 23), LOG_TIME);
          at = (time.atZone(ZoneId.systemDefault()).toInstant().toEpochMilli()
              - launchEpochMillis) / 1000.0;
        } catch (RuntimeException e) {
          continue;
        }
        if (line.contains("Process ipcontroller has started")) {
          result.putIfAbsent("ipcluster_started_controller", at);
        } else if (line.contains("[ipcontroller] " + IpController.READY)) {
          result.putIfAbsent("controller_ready", at);
        } else if (line.contains("starting engine:")) {
          result.putIfAbsent("ipcluster_started_engines", at);
        } else if (line.contains(IpEngine.REGISTERED)) {
          result.putIfAbsent("first_engine_registered", at);
          result.put("last_engine_registered", at);
        } else if (line.contains("cluster up in")) {
          result.putIfAbsent("ipcluster_says_up", at);
        }
      }
      return result;
    }
  }
}
