package org.jipython.launcher;

import static org.jipython.launcher.BenchFigures.median;
import static org.jipython.launcher.BenchFigures.round;
import static org.jipython.launcher.BenchFigures.seconds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.client.Targets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: the workloads of PERFORMANCE.md against a cluster this command starts itself
 * ({@code ipcluster -n N} in a fresh IPython directory), one {@code name: value unit} line per
 * figure, the same figures as JSON. With {@code --vs-ipyparallel} it then runs the peers' anchor
 * script on the same machine and prints our figures beside IPython-parallel's and Dask's.
 *
 * <p>Every process it starts is stopped by PID at the end, on failure, and on Ctrl-C. This class
 * says what is measured in which order; {@link BenchWorkloads} how, {@link BenchCluster} starts
 * and stops the processes, {@link BenchFigures} prints the figures, {@link BenchPeers} compares.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure jipython on a cluster of its own (the workloads of PERFORMANCE.md).",
        "Prints one 'name: value unit' line per figure and writes them as JSON."})
final class Bench implements Callable<Integer> {

  @Option(names = {"-n", "--num"}, paramLabel = "N", defaultValue = "4",
      description = "Number of engines (default: ${DEFAULT-VALUE}).")
  int engines;

  @Option(names = "--quick",
      description = "Small counts (one start-up, 50 calls, 300 tasks): a smoke run of a minute "
          + "or two.")
  boolean quick;

  @Option(names = "--json", paramLabel = "FILE", defaultValue = "bench-results.json",
      description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
  Path json;

  @Option(names = "--vs-ipyparallel",
      description = {"Also run the peers' benchmark (../shared/bench/anchors/run-anchors.sh, or "
          + "$JIPYTHON_ANCHORS) and print our figures beside IPython-parallel's and Dask's. "
          + "Needs: " + BenchPeers.INSTALL_PEERS + ". Measures the peers at our N only: about 12 "
          + "minutes, 2 with --quick."})
  boolean vsIpyparallel;

  /** How much of each workload a run does. */
  record Counts(int startupRuns, int executeCalls, int executeWarmup, int tasks, int mapReps,
      int transferReps, int scatterReps, int scaleExecutes) {
    static Counts of(boolean quick) {
      return quick ? new Counts(1, 50, 20, 300, 1, 3, 2, 5)
          : new Counts(3, 500, 100, 5000, 3, 5, 5, 20);
    }
  }

  private final BenchFigures figures = new BenchFigures();
  private BenchCluster processes;
  private Counts counts;
  private Path workDir;
  private Logger log;

  @Override
  public Integer call() throws Exception {
    if (engines < 1) {
      System.err.println("bench: -n must be at least 1");
      return 2;
    }
    counts = Counts.of(quick);
    BenchPeers peers = null;
    if (vsIpyparallel) {
      peers = BenchPeers.find(engines, quick);
      if (peers == null) {
        return 2;
      }
    }
    workDir = Files.createTempDirectory("jipython-bench-");
    Logs.init("bench", workDir, null);
    log = LoggerFactory.getLogger(Bench.class);
    processes = new BenchCluster(engines, log);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      processes.stopEverything();
      processes.forgetSecrets();
    }, "jipython-bench-stop"));
    figures.extra("loadavg_before", loadAverage());
    System.err.printf("bench: %d engines%s; cluster folders and logs in %s%n", engines,
        quick ? ", quick counts" : "", workDir);
    try {
      measure();
    } finally {
      processes.stopEverything();
      processes.forgetSecrets();
    }
    figures.extra("loadavg_after", loadAverage());
    Map<String, Object> comparison = null;
    if (peers != null) {
      comparison = peers.compare(workDir, figures, processes);
    }
    writeJson(comparison);
    System.err.println("bench: figures written to " + json.toAbsolutePath());
    return figures.anyFailed() ? 1 : 0;
  }

  private void measure() {
    BenchCluster.Started cluster;
    try {
      cluster = measureStartup();
    } catch (Exception e) {
      log.warn("the cluster did not start", e);
      figures.failed(List.of("startup_s", "controller_rss_mb", "engine_rss_mb", "execute_all_ms",
          "execute_all_ms_p99", "execute_one_ms", "execute_one_ms_p99", "task_roundtrip_ms",
          "task_roundtrip_ms_p99", "tasks_per_s", "map_items_per_s", "push_mb_s", "pull_mb_s",
          "push_pull_mb_s", "scatter_gather_s"), "failed: " + message(e));
      measureScale();
      return;
    }
    measureProcesses(cluster.run(), "");
    measureWorkloads(cluster);
    measureProcesses(cluster.run(), "_after");
    processes.close(cluster.client());
    long t0 = System.nanoTime();
    var killed = cluster.run().stop();
    figures.extra("stop_s", seconds(t0));
    figures.extra("stop_forced_pids", killed);
    measureScale();
  }

  /** The 1,000-engine check, on a controller of its own once the N-engine cluster is gone. */
  private void measureScale() {
    guarded(() -> new BenchScale(processes, figures).measure(workDir.resolve("scale"),
        counts.scaleExecutes()), "engines_1000_register_s", "engines_1000_execute_ms");
  }

  private BenchCluster.Started measureStartup() throws Exception {
    measureSharedJvmStartup();
    var runs = new ArrayList<Double>();
    var lost = new ArrayList<Integer>();
    BenchCluster.Started last = null;
    for (int i = 1; i <= counts.startupRuns(); i++) {
      var timeline = new LinkedHashMap<String, Double>();
      var started = processes.start(workDir.resolve("run-" + i), timeline);
      runs.add(timeline.get("execute_all_done"));
      lost.add(started.enginesLost());
      timeline.putAll(started.run().timelineFromLog());
      figures.extra("startup_timeline_s" + (i == counts.startupRuns() ? "" : "_run" + i),
          sortedByValue(timeline));
      if (i < counts.startupRuns()) {
        processes.close(started.client());
        started.run().stop();
      } else {
        last = started;
      }
    }
    figures.extra("startup_s_runs", runs);
    figures.extra("startup_engines_lost", lost);
    int lostInAll = lost.stream().mapToInt(Integer::intValue).sum();
    figures.add("startup_s", median(runs), "s", (runs.size() == 1 ? "1 run"
        : "median of " + runs.size() + " runs") + (lostInAll == 0 ? ""
        : "; " + lostInAll + " engine(s) lost and started again by ipcluster"));
    return last;
  }

  /**
   * The same start-up with every engine in one JVM ({@code ipcluster --engines-per-jvm N}),
   * kept beside startup_s: one JVM to start instead of N.
   */
  private void measureSharedJvmStartup() {
    try {
      var timeline = new LinkedHashMap<String, Double>();
      var started = processes.start(workDir.resolve("run-shared-jvm"), timeline,
          List.of("--engines-per-jvm", Integer.toString(engines)));
      figures.extra("startup_s_engines_in_one_jvm", timeline.get("execute_all_done"));
      processes.close(started.client());
      started.run().stop();
    } catch (Exception e) {
      log.warn("the cluster with its engines in one JVM did not start", e);
      figures.extra("startup_s_engines_in_one_jvm", "failed: " + message(e));
    }
  }

  /** Every workload, one after the other, each with the figures it owes. */
  private void measureWorkloads(BenchCluster.Started cluster) {
    var workloads = new BenchWorkloads(counts, workDir, figures, processes);
    var mec = cluster.client();
    guarded(() -> workloads.executeLatency(mec, Targets.all(), "execute_all_ms"),
        "execute_all_ms", "execute_all_ms_p99");
    guarded(() -> workloads.executeLatency(mec, Targets.of(cluster.ids().get(0)),
        "execute_one_ms"), "execute_one_ms", "execute_one_ms_p99");
    taskWorkloads(workloads, cluster.run().ipythonDir(), mec);
    guarded(() -> workloads.pushPull(mec, cluster.ids()),
        "push_mb_s", "pull_mb_s", "push_pull_mb_s");
    guarded(() -> workloads.scatterGather(cluster.run().ipythonDir()), "scatter_gather_s");
  }

  /**
   * The load-balanced workloads through the Java TaskClient: one identity task at a time, many
   * in flight, and a map of identity over 10,000 items in tasks of 1,000.
   */
  private void taskWorkloads(BenchWorkloads workloads, Path ipythonDir, MultiEngineClient mec) {
    TaskClient tc;
    try {
      tc = workloads.connectTaskClient(ipythonDir, mec);
    } catch (Exception e) {
      log.warn("cannot set up the task workloads", e);
      figures.failed(List.of("task_roundtrip_ms", "task_roundtrip_ms_p99", "tasks_per_s",
          "map_items_per_s"), "failed: " + message(e));
      return;
    }
    try {
      guarded(() -> workloads.taskRoundTrip(tc), "task_roundtrip_ms", "task_roundtrip_ms_p99");
      guarded(() -> workloads.taskThroughput(tc), "tasks_per_s");
      guarded(() -> workloads.chunkedMap(tc), "map_items_per_s");
    } finally {
      processes.close(tc);
    }
  }

  /**
   * Runs a workload; if it throws, those of its figures not yet in are reported as failed, never
   * silently dropped.
   */
  private void guarded(Workload workload, String... keys) {
    try {
      workload.run();
    } catch (Exception e) {
      log.warn("workload {} failed", keys[0], e);
      figures.failed(Arrays.stream(keys).filter(key -> !figures.has(key)).toList(),
          "failed: " + message(e));
    }
  }

  private interface Workload {
    void run() throws Exception;
  }

  /** Memory (RSS) of the processes, and the CPU time they used so far (in the JSON only). */
  private void measureProcesses(BenchCluster.ClusterRun run, String suffix) {
    var controllers = run.children("ipcontroller");
    var engineProcesses = run.children("ipengine");
    var controller = controllers.stream().map(Bench::rssMegabytes)
        .filter(v -> v != null).toList();
    var engineRss = engineProcesses.stream().map(Bench::rssMegabytes)
        .filter(v -> v != null).toList();
    var ipcluster = rssMegabytes(run.process().toHandle());
    var cpu = new LinkedHashMap<String, Object>();
    cpu.put("ipcluster", cpuSeconds(run.process().toHandle()));
    cpu.put("controller", controllers.stream().map(Bench::cpuSeconds).toList());
    cpu.put("engines", engineProcesses.stream().map(Bench::cpuSeconds).toList());
    cpu.put("processors", Runtime.getRuntime().availableProcessors());
    figures.extra("cpu_s" + (suffix.isEmpty() ? "_at_startup" : suffix), cpu);
    if (suffix.isEmpty()) {
      System.err.println("bench: CPU seconds used to start: ipcluster " + cpu.get("ipcluster")
          + ", controller " + cpu.get("controller") + ", engines " + cpu.get("engines") + " ("
          + cpu.get("processors") + " processors)");
    }
    var when = suffix.isEmpty() ? "idle, after start-up" : "after the workloads";
    if (controller.isEmpty()) {
      figures.failed("controller_rss_mb" + suffix, "MB", "failed: no controller process found");
    } else {
      figures.add("controller_rss_mb" + suffix, controller.get(0), "MB", when);
    }
    if (engineRss.isEmpty()) {
      figures.failed("engine_rss_mb" + suffix, "MB", "failed: no engine process found");
    } else {
      figures.add("engine_rss_mb" + suffix, median(engineRss), "MB",
          "median of " + engineRss.size() + " engines, " + when);
      figures.extra("engine_rss_mb" + suffix + "_all", engineRss);
    }
    if (ipcluster != null) {
      figures.extra("ipcluster_rss_mb" + suffix, ipcluster);
    }
  }

  private void writeJson(Map<String, Object> peers) throws IOException {
    var doc = new LinkedHashMap<String, Object>();
    doc.put("date", Instant.now().toString());
    doc.put("engines", engines);
    doc.put("quick", quick);
    doc.put("java_version", Runtime.version().toString());
    doc.put("java_vm", System.getProperty("java.vm.name"));
    doc.put("machine", Map.of("processors", Runtime.getRuntime().availableProcessors(),
        "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
            + System.getProperty("os.arch")));
    doc.put("counts", counts);
    doc.putAll(figures.json());
    doc.put("work_dir", workDir.toString());
    if (peers != null) {
      doc.put("peers", peers);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(json.toFile(), doc);
  }

  private static Double rssMegabytes(ProcessHandle process) {
    try {
      for (var line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()),
          "status"))) {
        if (line.startsWith("VmRSS:")) {
          var kilobytes = Long.parseLong(line.substring(6).replace("kB", "").trim());
          return kilobytes * 1024 / 1e6;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process is gone, or this is not Linux
    }
    return null;
  }

  private static Double cpuSeconds(ProcessHandle process) {
    return process.info().totalCpuDuration().map(d -> round(d.toMillis() / 1000.0))
        .orElse(null);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return null;
    }
  }

  private static Map<String, Double> sortedByValue(Map<String, Double> timeline) {
    var sorted = new LinkedHashMap<String, Double>();
    timeline.entrySet().stream().sorted(Map.Entry.comparingByValue())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  /** An exception's message on one line (a CompositeException's first engines included). */
  static String message(Throwable e) {
    var text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return String.join(" | ", text.lines().limit(3).toList());
  }
}
