package org.jipython.launcher;

import static org.jipython.launcher.BenchFigures.median;
import static org.jipython.launcher.BenchFigures.round;
import static org.jipython.launcher.BenchFigures.seconds;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;

/**
 * The scale check of PERFORMANCE.md: one controller ({@code ipcontroller}, its own process) and
 * 1,000 engines in one more JVM ({@code ipengine --engines 1000}: each engine has its own
 * interpreter, thread, queue and id). Measures the time from launching the engines' JVM until a
 * client sees every id, then an execute on all of them.
 */
final class BenchScale {
  static final int ENGINES = 1000;
  private static final long LIMIT_SECONDS = 300;

  private final BenchCluster processes;
  private final BenchFigures figures;

  BenchScale(BenchCluster processes, BenchFigures figures) {
    this.processes = processes;
    this.figures = figures;
  }

  void measure(Path ipythonDir, int executeCalls) throws Exception {
    var ready = new CompletableFuture<Void>();
    var controller = ChildJvm.start("controller", List.of("ipcontroller", "--ipythondir",
        ipythonDir.toString()), line -> {
          if (line.equals(IpController.READY)) {
            ready.complete(null);
          }
        });
    processes.addHelper(controller);
    Process engines = null;
    try {
      ready.get(LIMIT_SECONDS, TimeUnit.SECONDS);
      var mec = MultiEngineClient.connect(
          ipythonDir.resolve("security").resolve("ipcontroller-mec.furl"));
      processes.addClient(mec);
      long t0 = System.nanoTime();
      engines = ChildJvm.start("engine", List.of("ipengine", "--ipythondir",
          ipythonDir.toString(), "--engines", Integer.toString(ENGINES), "--wait",
          Long.toString(LIMIT_SECONDS)), line -> { });
      processes.addHelper(engines);
      long deadline = t0 + TimeUnit.SECONDS.toNanos(LIMIT_SECONDS);
      while (await(mec.getIds()).size() < ENGINES) {
        if (!engines.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + await(mec.getIds()).size() + " of "
              + ENGINES + " engines registered" + (engines.isAlive() ? " within "
              + LIMIT_SECONDS + " s" : "; the engines' JVM exited"));
        }
        Thread.sleep(20);
      }
      figures.add("engines_1000_register_s", seconds(t0), "s", ENGINES + " engines in one JVM "
          + "(ipengine --engines " + ENGINES + "), from its launch until a client sees every id");
      long first = System.nanoTime();
      checked(await(mec.execute("a = id", Targets.all())).size());
      double firstMs = round((System.nanoTime() - first) / 1e6);
      figures.extra("engines_1000_first_execute_ms", firstMs);
      var samples = new ArrayList<Double>();
      for (int i = 0; i < executeCalls; i++) {
        long t = System.nanoTime();
        checked(await(mec.execute("a = id", Targets.all())).size());
        samples.add((System.nanoTime() - t) / 1e6);
      }
      var pulled = await(mec.pull("a", Targets.all()));
      if (!(pulled.get(ENGINES - 1) instanceof Number n) || n.intValue() != ENGINES - 1) {
        throw new IllegalStateException("engine " + (ENGINES - 1) + " holds a = "
            + pulled.get(ENGINES - 1));
      }
      figures.add("engines_1000_execute_ms", median(samples), "ms", "execute('a = id') on all "
          + ENGINES + ", median of " + samples.size() + " after the first ("
          + firstMs + " ms)");
      processes.close(mec);
    } finally {
      if (engines != null) {
        processes.stopHelper(engines);
      }
      processes.stopHelper(controller);
    }
  }

  private static void checked(int replies) {
    if (replies != ENGINES) {
      throw new IllegalStateException("an execute on all answered " + replies + " of "
          + ENGINES + " engines");
    }
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(LIMIT_SECONDS, TimeUnit.SECONDS);
  }
}
