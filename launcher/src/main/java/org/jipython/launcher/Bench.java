package org.jipython.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.StringTask;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.client.TaskResult;
import org.jipython.actors.client.Targets;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
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
 * <p>Every process it starts is stopped by PID at the end, on failure, and on Ctrl-C.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure jipython on a cluster of its own (the workloads of PERFORMANCE.md).",
        "Prints one 'name: value unit' line per figure and writes them as JSON."})
final class Bench implements Callable<Integer> {
  /** The push/pull workload of PERFORMANCE.md: a 10 MB byte string. */
  static final int PUSH_PULL_TARGET_BYTES = 10_000_000;
  /** What push/pull falls back to when a 10 MB value is refused. */
  static final int PUSH_PULL_FALLBACK_BYTES = 200_000;
  static final int SCATTER_ITEMS = 1_000_000;
  static final int MAP_ITEMS = 10_000;
  static final int MAP_CHUNK = 1_000;
  private static final Duration STARTUP_LIMIT = Duration.ofSeconds(180);
  private static final Duration CALL_LIMIT = Duration.ofSeconds(60);
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  private static final String ENGINES_1000_MISSING =
      "lightweight in-process engines not built yet";
  private static final String PYTHON = "/usr/bin/python3";
  private static final String INSTALL_PEERS =
      "apt-get install -y python3-ipyparallel python3-distributed";

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
          + "Needs: " + INSTALL_PEERS + ". Measures the peers at our N only: about 12 "
          + "minutes, 2 with --quick."})
  boolean vsIpyparallel;

  /** How much of each workload a run does. */
  record Counts(int startupRuns, int executeCalls, int executeWarmup, int tasks, int mapReps,
      int transferReps, int scatterReps) {
    static Counts of(boolean quick) {
      return quick ? new Counts(1, 50, 20, 300, 1, 3, 2) : new Counts(3, 500, 100, 5000, 3, 5, 5);
    }
  }

  private final Figures figures = new Figures();
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private final List<ClusterRun> clusters = new CopyOnWriteArrayList<>();
  private final List<Process> helpers = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> clients = new CopyOnWriteArrayList<>();
  private volatile boolean stopping;
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
    Path anchors = null;
    boolean withDask = false;
    if (vsIpyparallel) {
      anchors = anchorsScript();
      if (anchors == null || !peersInstalled("ipyparallel")) {
        return 2;
      }
      withDask = peersInstalled("distributed");
    }
    workDir = Files.createTempDirectory("jipython-bench-");
    Logs.init("bench", workDir, null);
    log = LoggerFactory.getLogger(Bench.class);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopEverything();
      forgetSecrets();
    }, "jipython-bench-stop"));
    extra.put("loadavg_before", loadAverage());
    System.err.printf("bench: %d engines%s; cluster folders and logs in %s%n", engines,
        quick ? ", quick counts" : "", workDir);
    try {
      measure();
    } finally {
      stopEverything();
      forgetSecrets();
    }
    extra.put("loadavg_after", loadAverage());
    Map<String, Object> peers = null;
    if (anchors != null) {
      peers = comparePeers(anchors, withDask);
    }
    writeJson(peers);
    System.err.println("bench: figures written to " + json.toAbsolutePath());
    return figures.anyFailed() ? 1 : 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Our workloads

  private void measure() {
    Started cluster;
    try {
      cluster = measureStartup();
    } catch (Exception e) {
      var why = "failed: " + message(e);
      log.warn("the cluster did not start", e);
      for (var key : List.of("startup_s", "controller_rss_mb", "engine_rss_mb", "execute_all_ms",
          "execute_all_ms_p99", "execute_one_ms", "execute_one_ms_p99", "task_roundtrip_ms",
          "task_roundtrip_ms_p99", "tasks_per_s", "map_items_per_s", "push_mb_s", "pull_mb_s",
          "push_pull_mb_s", "scatter_gather_s")) {
        figures.failed(key, unitOf(key), why);
      }
      figures.missing("engines_1000_register_s", "s", ENGINES_1000_MISSING);
      return;
    }
    var mec = cluster.client();
    measureProcesses(cluster.run(), "");
    guarded(() -> executeLatency(mec, Targets.all(), "execute_all_ms"),
        "execute_all_ms", "execute_all_ms_p99");
    guarded(() -> executeLatency(mec, Targets.of(cluster.ids().get(0)), "execute_one_ms"),
        "execute_one_ms", "execute_one_ms_p99");
    taskWorkloads(cluster.run().ipythonDir(), mec);
    guarded(() -> pushPull(mec, cluster.ids()), "push_mb_s", "pull_mb_s", "push_pull_mb_s");
    guarded(() -> scatterGather(cluster.run().ipythonDir()), "scatter_gather_s");
    figures.missing("engines_1000_register_s", "s", ENGINES_1000_MISSING);
    measureProcesses(cluster.run(), "_after");
    close(mec);
    long t0 = System.nanoTime();
    var killed = cluster.run().stop();
    extra.put("stop_s", seconds(t0));
    extra.put("stop_forced_pids", killed);
  }

  /** What a started cluster hands to the workloads. */
  record Started(ClusterRun run, MultiEngineClient client, List<Integer> ids, int enginesLost) {}

  private Started measureStartup() throws Exception {
    var runs = new ArrayList<Double>();
    var lost = new ArrayList<Integer>();
    Started last = null;
    for (int i = 1; i <= counts.startupRuns(); i++) {
      var timeline = new LinkedHashMap<String, Double>();
      var started = startCluster(workDir.resolve("run-" + i), timeline);
      runs.add(timeline.get("execute_all_done"));
      lost.add(started.enginesLost());
      timeline.putAll(started.run().timelineFromLog());
      extra.put("startup_timeline_s" + (i == counts.startupRuns() ? "" : "_run" + i),
          sortedByValue(timeline));
      if (i < counts.startupRuns()) {
        close(started.client());
        started.run().stop();
      } else {
        last = started;
      }
    }
    extra.put("startup_s_runs", runs);
    extra.put("startup_engines_lost", lost);
    int lostInAll = lost.stream().mapToInt(Integer::intValue).sum();
    figures.add("startup_s", median(runs), "s", (runs.size() == 1 ? "1 run"
        : "median of " + runs.size() + " runs") + (lostInAll == 0 ? ""
        : "; " + lostInAll + " engine(s) lost and started again by ipcluster"));
    return last;
  }

  /**
   * Launches {@code ipcluster -n N} and waits, as a user would, until a client sees N engines and
   * an execute on all of them returns. {@code timeline} gets the client's milestones in seconds
   * since the launch.
   */
  private Started startCluster(Path ipythonDir, Map<String, Double> timeline) throws Exception {
    if (stopping) {
      throw new IllegalStateException("stopping");
    }
    var run = ClusterRun.launch(ipythonDir, engines);
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
          await(mec.execute("a=1", Targets.all()), "the first execute on all engines");
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
          System.err.println("bench: engine(s) lost during start-up (" + message(e)
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

  /** Memory (RSS) of the processes, and the CPU time they used so far (in the JSON only). */
  private void measureProcesses(ClusterRun run, String suffix) {
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
    extra.put("cpu_s" + (suffix.isEmpty() ? "_at_startup" : suffix), cpu);
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
      extra.put("engine_rss_mb" + suffix + "_all", engineRss);
    }
    if (ipcluster != null) {
      extra.put("ipcluster_rss_mb" + suffix, ipcluster);
    }
  }

  private void executeLatency(MultiEngineClient mec, Targets targets, String key)
      throws Exception {
    for (int i = 0; i < counts.executeWarmup(); i++) {
      await(mec.execute("a=1", targets));
    }
    var samples = new ArrayList<Double>(counts.executeCalls());
    for (int i = 0; i < counts.executeCalls(); i++) {
      long t0 = System.nanoTime();
      await(mec.execute("a=1", targets));
      samples.add((System.nanoTime() - t0) / 1e6);
    }
    figures.add(key, median(samples), "ms", samples.size() + " calls after "
        + counts.executeWarmup() + " warm-up, median");
    figures.add(key + "_p99", percentile(samples, 99), "ms", null);
  }

  /**
   * The load-balanced workloads through the Java TaskClient: one identity task at a time, many
   * in flight, and a map of identity over 10,000 items in tasks of 1,000.
   */
  private void taskWorkloads(Path ipythonDir, MultiEngineClient mec) {
    TaskClient tc;
    try {
      await(mec.execute("def _bench_identity(x):\n    return x\n", Targets.all()));
      tc = TaskClient.connect(ipythonDir.resolve("security").resolve("ipcontroller-tc.furl"));
    } catch (Exception e) {
      log.warn("cannot set up the task workloads", e);
      for (var key : List.of("task_roundtrip_ms", "task_roundtrip_ms_p99", "tasks_per_s",
          "map_items_per_s")) {
        figures.failed(key, unitOf(key), "failed: " + message(e));
      }
      return;
    }
    clients.add(tc);
    try {
      guarded(() -> taskRoundTrip(tc), "task_roundtrip_ms", "task_roundtrip_ms_p99");
      guarded(() -> taskThroughput(tc), "tasks_per_s");
      guarded(() -> chunkedMap(tc), "map_items_per_s");
    } finally {
      close(tc);
    }
  }

  private static StringTask identityTask(Object x) {
    return new StringTask("_bench_r = _bench_identity(_bench_x)")
        .push(Map.of("_bench_x", x)).pull("_bench_r");
  }

  /** Submits a task and completes with its result, as run() then get_task_result(block). */
  private static CompletionStage<TaskResult> runAndWait(TaskClient tc, StringTask task) {
    return tc.run(task).thenCompose(id -> tc.getTaskResult(id, true));
  }

  private static Object resultOf(TaskResult result) {
    if (!result.ok()) {
      result.raiseException();
    }
    return result.get("_bench_r");
  }

  private void taskRoundTrip(TaskClient tc) throws Exception {
    for (int i = 0; i < counts.executeWarmup(); i++) {
      resultOf(await(runAndWait(tc, identityTask(i))));
    }
    var samples = new ArrayList<Double>(counts.executeCalls());
    for (int i = 0; i < counts.executeCalls(); i++) {
      long t0 = System.nanoTime();
      long id = await(tc.run(identityTask(i)));
      var back = resultOf(await(tc.getTaskResult(id, true)));
      samples.add((System.nanoTime() - t0) / 1e6);
      if (!(back instanceof Number n) || n.intValue() != i) {
        throw new IllegalStateException("task of identity(" + i + ") returned " + back);
      }
    }
    await(tc.clear());
    figures.add("task_roundtrip_ms", median(samples), "ms", samples.size()
        + " StringTasks one at a time, run + get_task_result(block=True), median");
    figures.add("task_roundtrip_ms_p99", percentile(samples, 99), "ms", null);
  }

  private void taskThroughput(TaskClient tc) throws Exception {
    int n = counts.tasks();
    long t0 = System.nanoTime();
    var results = IntStream.range(0, n)
        .mapToObj(i -> runAndWait(tc, identityTask(i)).toCompletableFuture()).toList();
    long sum = 0;
    for (var result : results) {
      sum += ((Number) resultOf(result.get(300, TimeUnit.SECONDS))).longValue();
    }
    double total = seconds(t0);
    if (sum != (long) n * (n - 1) / 2) {
      throw new IllegalStateException("the results of " + n + " tasks add up to " + sum);
    }
    await(tc.clear());
    figures.add("tasks_per_s", n / total, "/s", n + " StringTasks submitted without waiting, "
        + "until every result is back");
  }

  private void chunkedMap(TaskClient tc) throws Exception {
    var times = new ArrayList<Double>();
    for (int rep = 0; rep <= counts.mapReps(); rep++) {
      long t0 = System.nanoTime();
      var chunks = new ArrayList<CompletableFuture<TaskResult>>();
      for (int start = 0; start < MAP_ITEMS; start += MAP_CHUNK) {
        var items = IntStream.range(start, start + MAP_CHUNK).boxed().toList();
        chunks.add(runAndWait(tc, new StringTask("_bench_r = map(_bench_identity, _bench_x)")
            .push(Map.of("_bench_x", items)).pull("_bench_r")).toCompletableFuture());
      }
      var all = new ArrayList<Object>(MAP_ITEMS);
      for (var chunk : chunks) {
        all.addAll((List<?>) resultOf(chunk.get(CALL_LIMIT.toSeconds(), TimeUnit.SECONDS)));
      }
      double total = seconds(t0);
      if (all.size() != MAP_ITEMS || ((Number) all.get(MAP_ITEMS - 1)).intValue()
          != MAP_ITEMS - 1) {
        throw new IllegalStateException("the map returned " + all.size() + " items");
      }
      if (rep > 0) {  // the first round is a warm-up
        times.add(total);
      }
    }
    await(tc.clear());
    figures.add("map_items_per_s", MAP_ITEMS / median(times), "/s", "identity over " + MAP_ITEMS
        + " items as " + MAP_ITEMS / MAP_CHUNK + " StringTasks of " + MAP_CHUNK
        + " (TaskClient.map has no chunk size)");
  }

  /**
   * Pushes a byte string (a Python 2 {@code str}) to every engine and pulls it back. The
   * workload is 10 MB; where that is refused (MessageSizeError, e.g. a lowered
   * max-value-bytes) or does not arrive, 200 KB is measured instead, and said so loudly.
   */
  private void pushPull(MultiEngineClient mec, List<Integer> ids) throws Exception {
    var refused = refusesTenMegabytes(mec, ids.get(0));
    Transfer result = null;
    if (refused == null) {
      try {
        result = transfer(mec, PUSH_PULL_TARGET_BYTES);
      } catch (TooLarge | TimeoutException e) {
        refused = message(e);
      }
    }
    String note;
    if (result != null) {
      note = "10 MB value, " + ids.size() + " engines";
    } else {
      extra.put("push_pull_10mb_refused", refused);
      System.err.println("bench: push/pull of 10 MB does not work yet (" + refused
          + "); measuring " + PUSH_PULL_FALLBACK_BYTES + " bytes instead: NOT yet the 10 MB "
          + "workload of PERFORMANCE.md");
      result = transfer(mec, PUSH_PULL_FALLBACK_BYTES);
      note = PUSH_PULL_FALLBACK_BYTES / 1000 + " KB value, NOT the 10 MB workload";
    }
    extra.put("push_pull_bytes", result.bytes());
    extra.put("push_pull_target_bytes", PUSH_PULL_TARGET_BYTES);
    extra.put("push_pull_reps", counts.transferReps());
    double aggregate = (double) result.bytes() * ids.size() / 1e6;
    figures.add("push_mb_s", aggregate / result.pushSeconds(), "MB/s", note);
    figures.add("pull_mb_s", aggregate / result.pullSeconds(), "MB/s", null);
    figures.add("push_pull_mb_s", 2 * aggregate / (result.pushSeconds() + result.pullSeconds()),
        "MB/s", "push and pull together");
  }

  /** Median seconds of a push to all and of pulling it back from all. */
  record Transfer(int bytes, double pushSeconds, double pullSeconds) {}

  /** A value did not fit in a message. */
  static final class TooLarge extends Exception {
    TooLarge(String message) {
      super(message);
    }
  }

  /** Why a 10 MB value cannot come back from an engine, or null when it can. */
  private String refusesTenMegabytes(MultiEngineClient mec, int engine) throws Exception {
    var one = Targets.of(engine);
    await(mec.execute("_bench_probe = '\\0' * " + PUSH_PULL_TARGET_BYTES, one));
    try {
      await(mec.pull("_bench_probe", one));
      return null;
    } catch (CompositeException e) {
      if (e.failures().stream().anyMatch(f -> f.failure().kind()
          == FailureKind.MESSAGE_TOO_LARGE)) {
        return "MessageSizeError: " + e.failures().get(0).failure().message();
      }
      throw e;
    } catch (TimeoutException e) {
      return "a 10 MB pull did not come back within " + CALL_LIMIT.toSeconds() + " s";
    } finally {
      await(mec.execute("del _bench_probe", one));
    }
  }

  private Transfer transfer(MultiEngineClient mec, int bytes) throws Exception {
    var push = new EngineOp.Push(Map.of("_bench_blob", strPickle(bytes)));
    var pushTimes = new ArrayList<Double>();
    var pullTimes = new ArrayList<Double>();
    List<Object> back = List.of();
    for (int i = 0; i <= counts.transferReps(); i++) {
      long t0 = System.nanoTime();
      checkReplies(await(mec.submit(push, Targets.all())));
      double pushed = seconds(t0);
      t0 = System.nanoTime();
      back = await(mec.pull("_bench_blob", Targets.all()));
      double pulled = seconds(t0);
      if (i > 0) {  // the first round is a warm-up
        pushTimes.add(pushed);
        pullTimes.add(pulled);
      }
    }
    for (var value : back) {
      int length = value instanceof String s ? s.length()
          : value instanceof byte[] b ? b.length : -1;
      if (length != bytes) {
        throw new IllegalStateException("pulled a value of " + length + " bytes, pushed "
            + bytes);
      }
    }
    await(mec.execute("del _bench_blob", Targets.all()));
    return new Transfer(bytes, median(pushTimes), median(pullTimes));
  }

  private static void checkReplies(List<EngineReply> replies) throws TooLarge {
    for (var reply : replies) {
      if (!reply.ok()) {
        var failure = reply.failure();
        if (failure.kind() == FailureKind.MESSAGE_TOO_LARGE) {
          throw new TooLarge("MessageSizeError: " + failure.message());
        }
        throw failure.toException();
      }
    }
  }

  /**
   * A protocol 2 pickle of a Python 2 {@code str} (bytes) of random content: what {@code push}
   * of a byte string sends. Built by hand because Pyrolite pickles a Java byte[] as a bytearray
   * of a latin-1 unicode string, half as large again for random bytes.
   */
  static byte[] strPickle(int length) {
    var pickle = new byte[length + 8];
    pickle[0] = (byte) 0x80;
    pickle[1] = 2;
    pickle[2] = 'T';
    for (int i = 0; i < 4; i++) {
      pickle[3 + i] = (byte) (length >>> (8 * i));
    }
    var content = new byte[length];
    new Random(42).nextBytes(content);
    System.arraycopy(content, 0, pickle, 7, length);
    pickle[length + 7] = '.';
    return pickle;
  }

  /** Through the console, as a user would call them, when the Python client has them. */
  private void scatterGather(Path ipythonDir) throws Exception {
    if (!pythonClientHas("def scatter", "def gather")) {
      figures.missing("scatter_gather_s", "s", "the Python client has no scatter/gather yet");
      return;
    }
    var script = workDir.resolve("scatter_gather.py");
    Files.writeString(script, String.join("\n",
        "import time",
        "from java.lang import Throwable",
        "from ipython1.kernel import client",
        "mec = client.MultiEngineClient()",
        "seq = range(" + SCATTER_ITEMS + ")",
        "times = []",
        "try:",
        "    for i in range(" + (counts.scatterReps() + 1) + "):",
        "        t0 = time.time()",
        "        mec.scatter('_bench_x', seq)",
        "        back = mec.gather('_bench_x')",
        "        t = time.time() - t0",
        "        if len(back) != len(seq):",
        "            raise AssertionError('gathered %d items of %d' % (len(back), len(seq)))",
        "        if i > 0:",
        "            times.append(t)",
        "    mec.execute('del _bench_x')",
        "    times.sort()",
        "    print 'bench-scatter-gather-s: %.6f' % times[len(times) // 2]",
        "except (Exception, Throwable), e:",
        "    print 'bench-error: %s: %s' % (type(e).__name__, (str(e).splitlines() or [''])[0])",
        ""));
    var lines = Collections.synchronizedList(new ArrayList<String>());
    var console = ChildJvm.start("console",
        List.of("console", "--ipythondir", ipythonDir.toString(), script.toString()), lines::add);
    helpers.add(console);
    try {
      if (!console.waitFor(180, TimeUnit.SECONDS)) {
        throw new TimeoutException("the console did not finish scatter/gather within 180 s");
      }
    } finally {
      stopTree(console.toHandle(), List.of(), true);
      helpers.remove(console);
    }
    synchronized (lines) {
      for (var line : lines) {
        if (line.startsWith("bench-scatter-gather-s: ")) {
          figures.add("scatter_gather_s", Double.parseDouble(line.substring(24).trim()), "s",
              "list of " + SCATTER_ITEMS + " ints, median of " + counts.scatterReps());
          return;
        }
        if (line.startsWith("bench-error: ")) {
          figures.failed("scatter_gather_s", "s", "failed: " + line.substring(13));
          return;
        }
      }
      figures.failed("scatter_gather_s", "s", "failed: the console printed no result: "
          + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
    }
  }

  private static boolean pythonClientHas(String... definitions) throws IOException {
    try (var in = Bench.class.getClassLoader().getResourceAsStream(
        "ipython1/kernel/parallel.py")) {
      if (in == null) {
        return false;
      }
      var text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Arrays.stream(definitions).allMatch(text::contains);
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
      for (var key : keys) {
        if (!figures.has(key)) {
          figures.failed(key, unitOf(key), "failed: " + message(e));
        }
      }
    }
  }

  private interface Workload {
    void run() throws Exception;
  }

  // ---------------------------------------------------------------------------------------------
  // The peers

  /** The anchor script: $JIPYTHON_ANCHORS when set, else beside the project. */
  private static Path anchorsScript() {
    var env = System.getenv("JIPYTHON_ANCHORS");
    var candidates = new ArrayList<Path>();
    if (env != null && !env.isBlank()) {
      var p = Path.of(env);
      candidates.add(Files.isDirectory(p) ? p.resolve("run-anchors.sh") : p);
    }
    candidates.add(projectHome().resolve("../shared/bench/anchors/run-anchors.sh").normalize());
    for (var candidate : candidates) {
      if (Files.isReadable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    System.err.println("bench: --vs-ipyparallel: the peers' benchmark run-anchors.sh is not at "
        + candidates + "; set JIPYTHON_ANCHORS to it (or to its folder)");
    return null;
  }

  /** The project root: what the scripts pass as jipython.home, else above launcher/target. */
  private static Path projectHome() {
    var home = System.getProperty(IpCluster.HOME_PROPERTY);
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    try {
      var location = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      return location.getParent().getParent().getParent();
    } catch (Exception e) {
      return Path.of("").toAbsolutePath();
    }
  }

  private static boolean peersInstalled(String module) {
    try {
      var check = new ProcessBuilder(PYTHON, "-c", "import " + module)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      check.getOutputStream().close();
      if (check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0) {
        return true;
      }
      check.destroyForcibly();
    } catch (IOException e) {
      // no python3 at all: the message below says what to install
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (module.equals("ipyparallel")) {
      System.err.println("bench: --vs-ipyparallel needs IPython-parallel and Dask for "
          + PYTHON + ", which cannot import ipyparallel.");
      System.err.println("bench: install them with (as root):  " + INSTALL_PEERS);
      System.err.println("bench: (or run scripts/bench without --vs-ipyparallel)");
    } else {
      System.err.println("bench: " + PYTHON + " cannot import " + module
          + ": comparing with IPython-parallel only (install, as root: " + INSTALL_PEERS + ")");
    }
    return false;
  }

  private Map<String, Object> comparePeers(Path script, boolean withDask) throws Exception {
    var out = workDir.resolve("anchors");
    Files.createDirectories(out);
    var command = new ArrayList<>(List.of("bash", script.toString()));
    if (quick) {
      command.add("--quick");
    }
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("ANCHORS_OUT", out.toString());
    builder.environment().put("NS", Integer.toString(engines));
    builder.environment().remove("TAG");
    if (!withDask) {
      builder.environment().put("PARTS", "startup ipp");
    }
    System.err.println("bench: running the peers' benchmark at N=" + engines + " (" + (quick
        ? "a few minutes" : "about 12 minutes") + "): " + String.join(" ", command)
        + "; output in " + out);
    var anchors = builder.start();
    helpers.add(anchors);
    anchors.getOutputStream().close();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(anchors.getInputStream(),
              StandardCharsets.UTF_8));
          var file = new PrintWriter(Files.newBufferedWriter(out.resolve("run-anchors.out")))) {
        String line;
        while ((line = in.readLine()) != null) {
          file.println(line);
          if (line.startsWith("[")) {
            System.err.println("anchors: " + line);
          }
        }
      } catch (IOException e) {
        // the script ended; its exit is handled below
      }
    }, "jipython-bench-anchors");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!anchors.waitFor(quick ? 15 : 45, TimeUnit.MINUTES)) {
        System.err.println("bench: the peers' benchmark took too long; stopping it");
      }
    } finally {
      stopTree(anchors.toHandle(), List.of(), true);
      helpers.remove(anchors);
      reader.join(5000);
    }
    var raw = out.resolve(quick ? "raw-quick" : "raw");
    var peers = PeerFigures.read(raw, engines);
    printComparison(peers);
    var result = new LinkedHashMap<String, Object>();
    result.put("raw_dir", raw.toString());
    result.put("exit_code", anchors.isAlive() ? null : anchors.exitValue());
    result.put("ipyparallel", peers.ipyparallel());
    result.put("dask", peers.dask());
    result.put("ratio_vs_ipyparallel", ratios(peers.ipyparallel()));
    result.put("ratio_vs_dask", ratios(peers.dask()));
    result.put("ratio_meaning", "above 1: jipython is better (faster, or more per second)");
    return result;
  }

  private Map<String, Double> ratios(Map<String, Double> theirs) {
    var ratios = new LinkedHashMap<String, Double>();
    theirs.forEach((key, value) -> {
      var ours = figures.value(key);
      if (value != null && ours != null && ours > 0 && value > 0) {
        ratios.put(key, higherIsBetter(unitOf(key)) ? ours / value : value / ours);
      }
    });
    return ratios;
  }

  private void printComparison(PeerFigures peers) {
    System.out.println();
    System.out.printf("comparison, N=%d, same machine, same run%s; ratio above 1: jipython "
        + "better than ipyparallel%n", engines, quick ? " (quick counts)" : "");
    System.out.printf("%-24s %14s %14s %14s %8s%n", "key", "jipython", "ipyparallel", "dask",
        "ratio");
    var ratios = ratios(peers.ipyparallel());
    for (var figure : figures.all()) {
      var ipp = peers.ipyparallel().get(figure.key());
      var dask = peers.dask().get(figure.key());
      if (ipp == null && dask == null && figure.value() == null) {
        continue;
      }
      var ratio = ratios.get(figure.key());
      System.out.printf("%-24s %14s %14s %14s %8s%n", figure.key(),
          figure.value() == null ? "missing" : cell(figure.value(), figure.unit()),
          cell(ipp, figure.unit()),
          cell(dask, figure.unit()), ratio == null ? "-" : format(ratio));
    }
    System.out.flush();
  }

  private static String cell(Double value, String unit) {
    return value == null ? "-" : format(value) + " " + unit;
  }

  /** The peers' figures for our N, as medians over the anchor script's repetitions. */
  record PeerFigures(Map<String, Double> ipyparallel, Map<String, Double> dask) {
    /** Our key, then where the anchor script keeps the same workload: result key and field. */
    private static final String[][] IPP = {
        {"execute_all_ms", "b_execute_all", "median_ms"},
        {"execute_all_ms_p99", "b_execute_all", "p99_ms"},
        {"execute_one_ms", "b_execute_one", "median_ms"},
        {"execute_one_ms_p99", "b_execute_one", "p99_ms"},
        {"task_roundtrip_ms", "b_lb_apply_roundtrip", "median_ms"},
        {"task_roundtrip_ms_p99", "b_lb_apply_roundtrip", "p99_ms"},
        {"tasks_per_s", "c_lb_apply_async_tasks", "tasks_per_s"},
        {"map_items_per_s", "c_lb_map_chunk1000", "items_per_s"},
        {"push_mb_s", "d_push_pull_bytes_10MB", "push_MBps_aggregate"},
        {"pull_mb_s", "d_push_pull_bytes_10MB", "pull_MBps_aggregate"},
        {"push_pull_mb_s", "d_push_pull_bytes_10MB", "roundtrip_MBps_aggregate"},
        {"scatter_gather_s", "e_scatter_gather_list_1M", "scatter_plus_gather_s"},
    };
    private static final String[][] DASK = {
        {"startup_s", "startup", "usable_s"},
        {"execute_all_ms", "run_all", "median_ms"},
        {"execute_all_ms_p99", "run_all", "p99_ms"},
        {"task_roundtrip_ms", "submit_roundtrip", "median_ms"},
        {"task_roundtrip_ms_p99", "submit_roundtrip", "p99_ms"},
        {"tasks_per_s", "map_5000", "tasks_per_s"},
    };

    static PeerFigures read(Path raw, int engines) throws IOException {
      var mapper = new ObjectMapper();
      var ipp = new LinkedHashMap<String, Double>();
      var dask = new LinkedHashMap<String, Double>();
      var startup = raw.resolve("ipp_startup.json");
      if (Files.exists(startup)) {
        var values = new ArrayList<Double>();
        for (var run : mapper.readTree(startup.toFile()).path("runs")) {
          if (run.path("variant").asText().equals("cli") && run.path("engines").asInt() == engines
              && run.path("usable_s").isNumber()) {
            values.add(run.path("usable_s").asDouble());
          }
        }
        putMedian(ipp, "startup_s", values);
      }
      var results = new ArrayList<JsonNode>();
      try (Stream<Path> files = Files.list(raw)) {
        for (var file : files.filter(f -> f.getFileName().toString()
            .matches("ipp_n" + engines + "_rep\\d+\\.json")).toList()) {
          results.add(mapper.readTree(file.toFile()).path("results"));
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // nothing ran: every peer figure is absent
      }
      for (var row : IPP) {
        putMedian(ipp, row[0], results.stream().map(r -> r.path(row[1]).path(row[2]))
            .filter(JsonNode::isNumber).map(JsonNode::asDouble).toList());
      }
      var daskFile = raw.resolve("dask.json");
      if (Files.exists(daskFile)) {
        var runs = new ArrayList<JsonNode>();
        mapper.readTree(daskFile.toFile()).path("runs").forEach(r -> {
          if (r.path("engines").asInt() == engines) {
            runs.add(r.path("results"));
          }
        });
        for (var row : DASK) {
          putMedian(dask, row[0], runs.stream().map(r -> r.path(row[1]).path(row[2]))
              .filter(JsonNode::isNumber).map(JsonNode::asDouble).toList());
        }
      }
      return new PeerFigures(ipp, dask);
    }

    private static void putMedian(Map<String, Double> into, String key, List<Double> values) {
      if (!values.isEmpty()) {
        into.put(key, median(values));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Processes

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

    static ClusterRun launch(Path ipythonDir, int engines) throws IOException {
      var output = Collections.synchronizedList(new ArrayList<String>());
      long epoch = System.currentTimeMillis();
      long t0 = System.nanoTime();
      var process = ChildJvm.start("cluster", List.of("ipcluster", "-n",
          Integer.toString(engines), "--ipythondir", ipythonDir.toString()), output::add);
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
          .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(command))
              .orElse(false))
          .sorted(Comparator.comparingLong(ProcessHandle::pid))
          .toList();
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

  private synchronized void stopEverything() {
    stopping = true;
    for (var client : clients) {
      close(client);
    }
    for (var helper : helpers) {
      stopTree(helper.toHandle(), List.of(), true);
    }
    for (var cluster : clusters) {
      var killed = cluster.stop();
      if (!killed.isEmpty() && log != null) {
        log.warn("had to kill {} after SIGTERM to ipcluster {}", killed,
            cluster.process().pid());
      }
    }
  }

  /** The furl files hold private keys and tokens of clusters that are gone: no reason to keep. */
  private synchronized void forgetSecrets() {
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

  // ---------------------------------------------------------------------------------------------
  // Figures and output

  /** One figure: a value with its unit, or why there is none. */
  record Figure(String key, Double value, String unit, String note, String missing,
      boolean failed) {
    String line() {
      if (value == null) {
        return key + ": missing (" + missing + ")";
      }
      return key + ": " + format(value) + " " + unit + (note == null ? "" : "  (" + note + ")");
    }
  }

  /** The figures in the order measured; each is printed as it arrives. */
  static final class Figures {
    private final Map<String, Figure> byKey = new LinkedHashMap<>();

    synchronized void add(String key, double value, String unit, String note) {
      put(new Figure(key, value, unit, note, null, false));
    }

    synchronized void missing(String key, String unit, String why) {
      put(new Figure(key, null, unit, null, why, false));
    }

    synchronized void failed(String key, String unit, String why) {
      put(new Figure(key, null, unit, null, why, true));
    }

    private void put(Figure figure) {
      byKey.put(figure.key(), figure);
      System.out.println(figure.line());
      System.out.flush();
    }

    synchronized boolean has(String key) {
      return byKey.containsKey(key);
    }

    synchronized Double value(String key) {
      var figure = byKey.get(key);
      return figure == null ? null : figure.value();
    }

    synchronized List<Figure> all() {
      return List.copyOf(byKey.values());
    }

    synchronized boolean anyFailed() {
      return byKey.values().stream().anyMatch(Figure::failed);
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
    var units = new LinkedHashMap<String, String>();
    var missing = new LinkedHashMap<String, String>();
    var notes = new LinkedHashMap<String, String>();
    for (var figure : figures.all()) {
      doc.put(figure.key(), figure.value() == null ? null : round(figure.value()));
      units.put(figure.key(), figure.unit());
      if (figure.value() == null) {
        missing.put(figure.key(), figure.missing());
      } else if (figure.note() != null) {
        notes.put(figure.key(), figure.note());
      }
    }
    doc.putAll(extra);
    doc.put("units", units);
    doc.put("missing", missing);
    doc.put("notes", notes);
    doc.put("unit_meaning", "MB = 10^6 bytes; medians unless the key ends in _p99");
    doc.put("work_dir", workDir.toString());
    if (peers != null) {
      doc.put("peers", peers);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(json.toFile(), doc);
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return await(stage, "a call");
  }

  private static <T> T await(CompletionStage<T> stage, String what) throws Exception {
    try {
      return stage.toCompletableFuture().get(CALL_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException(what + " got no answer within " + CALL_LIMIT.toSeconds()
          + " s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  static double median(List<Double> values) {
    var sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Nearest-rank percentile, as the peers' benchmark computes it. */
  static double percentile(List<Double> values, double q) {
    var sorted = values.stream().sorted().toList();
    int k = (int) Math.ceil(q / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, k)));
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
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

  private static String unitOf(String key) {
    if (key.endsWith("_mb_s")) {
      return "MB/s";
    } else if (key.endsWith("_per_s")) {
      return "/s";
    } else if (key.contains("_ms")) {
      return "ms";
    } else if (key.contains("_mb")) {
      return "MB";
    }
    return "s";
  }

  private static boolean higherIsBetter(String unit) {
    return unit.endsWith("/s");
  }

  static String format(double value) {
    double abs = Math.abs(value);
    if (abs >= 1000) {
      return String.format("%.0f", value);
    } else if (abs >= 100) {
      return String.format("%.1f", value);
    } else if (abs >= 1) {
      return String.format("%.2f", value);
    } else if (abs >= 0.01) {
      return String.format("%.3f", value);
    }
    return String.format("%.2g", value);
  }

  private static double round(double value) {
    return value == 0 ? 0 : Double.parseDouble(String.format("%.6g", value));
  }

  private static Map<String, Double> sortedByValue(Map<String, Double> timeline) {
    var sorted = new LinkedHashMap<String, Double>();
    timeline.entrySet().stream().sorted(Map.Entry.comparingByValue())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }

  private void close(AutoCloseable client) {
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

  /** An exception's message on one line (a CompositeException's first engines included). */
  private static String message(Throwable e) {
    var text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return String.join(" | ", text.lines().limit(3).toList());
  }
}
