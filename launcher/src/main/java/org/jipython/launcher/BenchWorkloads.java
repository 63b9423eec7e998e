package org.jipython.launcher;

import static org.jipython.launcher.BenchFigures.median;
import static org.jipython.launcher.BenchFigures.percentile;
import static org.jipython.launcher.BenchFigures.seconds;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.StringTask;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.client.TaskResult;
import org.jipython.actors.client.Targets;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.runtime.error.FailureKind;

/**
 * How each workload of PERFORMANCE.md is measured on a cluster that is up: execute latency, the
 * load-balanced tasks, push/pull and scatter/gather. Each adds its figures when it succeeds and
 * throws when it cannot; {@link Bench} runs them one after the other.
 */
final class BenchWorkloads {
  /** The push/pull workload of PERFORMANCE.md: a 10 MB byte string. */
  static final int PUSH_PULL_TARGET_BYTES = 10_000_000;
  /** What push/pull falls back to when a 10 MB value is refused. */
  static final int PUSH_PULL_FALLBACK_BYTES = 200_000;
  static final int SCATTER_ITEMS = 1_000_000;
  static final int MAP_ITEMS = 10_000;
  static final int MAP_CHUNK = 1_000;
  private static final Duration CALL_LIMIT = Duration.ofSeconds(60);

  private final Bench.Counts counts;
  private final Path workDir;
  private final BenchFigures figures;
  private final BenchCluster processes;

  BenchWorkloads(Bench.Counts counts, Path workDir, BenchFigures figures,
      BenchCluster processes) {
    this.counts = counts;
    this.workDir = workDir;
    this.figures = figures;
    this.processes = processes;
  }

  void executeLatency(MultiEngineClient mec, Targets targets, String key) throws Exception {
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
   * Sets up the load-balanced workloads: defines the identity function on every engine and
   * connects a Java TaskClient, kept with the other clients until the caller closes it.
   */
  TaskClient connectTaskClient(Path ipythonDir, MultiEngineClient mec) throws Exception {
    await(mec.execute("def _bench_identity(x):\n    return x\n", Targets.all()));
    var tc = TaskClient.connect(ipythonDir.resolve("security").resolve("ipcontroller-tc.furl"));
    processes.addClient(tc);
    return tc;
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

  void taskRoundTrip(TaskClient tc) throws Exception {
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

  /**
   * Tasks submitted without waiting, until every result is back: one round to warm the JVMs up
   * (its rate is kept as {@code tasks_per_s_cold}), then the measured round.
   */
  void taskThroughput(TaskClient tc) throws Exception {
    int n = counts.tasks();
    double cold = taskRound(tc, n);
    figures.extra("tasks_per_s_cold", BenchFigures.round(n / cold));
    double total = taskRound(tc, n);
    figures.add("tasks_per_s", n / total, "/s", n + " StringTasks submitted without waiting, "
        + "until every result is back; after a warm-up round of as many ("
        + String.format("%.0f", n / cold) + " /s)");
  }

  private static double taskRound(TaskClient tc, int n) throws Exception {
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
    return total;
  }

  /** A map of identity over 10,000 items in tasks of 1,000. */
  void chunkedMap(TaskClient tc) throws Exception {
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
  void pushPull(MultiEngineClient mec, List<Integer> ids) throws Exception {
    var refused = refusesTenMegabytes(mec, ids.get(0));
    Transfer result = null;
    if (refused == null) {
      try {
        result = transfer(mec, PUSH_PULL_TARGET_BYTES);
      } catch (TooLarge | TimeoutException e) {
        refused = Bench.message(e);
      }
    }
    String note;
    if (result != null) {
      note = "10 MB value, " + ids.size() + " engines";
    } else {
      figures.extra("push_pull_10mb_refused", refused);
      System.err.println("bench: push/pull of 10 MB does not work yet (" + refused
          + "); measuring " + PUSH_PULL_FALLBACK_BYTES + " bytes instead: NOT yet the 10 MB "
          + "workload of PERFORMANCE.md");
      result = transfer(mec, PUSH_PULL_FALLBACK_BYTES);
      note = PUSH_PULL_FALLBACK_BYTES / 1000 + " KB value, NOT the 10 MB workload";
    }
    figures.extra("push_pull_bytes", result.bytes());
    figures.extra("push_pull_target_bytes", PUSH_PULL_TARGET_BYTES);
    figures.extra("push_pull_reps", counts.transferReps());
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
  void scatterGather(Path ipythonDir) throws Exception {
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
    processes.addHelper(console);
    try {
      if (!console.waitFor(180, TimeUnit.SECONDS)) {
        throw new TimeoutException("the console did not finish scatter/gather within 180 s");
      }
    } finally {
      processes.stopHelper(console);
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
    try (var in = BenchWorkloads.class.getClassLoader().getResourceAsStream(
        "ipython1/kernel/parallel.py")) {
      if (in == null) {
        return false;
      }
      var text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return Arrays.stream(definitions).allMatch(text::contains);
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return await(stage, "a call");
  }

  /** The stage's result, or its failure thrown as it is; a timeout names {@code what}. */
  static <T> T await(CompletionStage<T> stage, String what) throws Exception {
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
}
