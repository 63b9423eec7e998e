package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.Test;

/** {@code ipcluster -n 3 --engines-per-jvm 2}: three engines in two engine JVMs. */
class EnginesPerJvmTest {

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void threeEnginesRunInTwoJvmsAndSigtermStopsThemAll() throws Exception {
    var cluster = LocalCluster.start(3, "--engines-per-jvm", "2");
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      assertEquals(List.of(0, 1, 2), await(mec.getIds()));
      await(mec.execute("import os\npid = os.getpid()\nx = id", Targets.all()));
      var pids = new HashSet<Long>();
      for (var pid : await(mec.pull("pid", Targets.all()))) {
        pids.add(((Number) pid).longValue());
      }
      assertEquals(2, pids.size(), "engine JVMs: " + pids);
      var started = cluster.startedProcesses().stream().map(ProcessHandle::pid).toList();
      assertTrue(started.containsAll(pids), pids + " not all among ipcluster's " + started);
      assertEquals(List.of(0, 1, 2), await(mec.pull("x", Targets.all())));
    } finally {
      assertEquals(List.of(), cluster.stop(), "processes that ignored SIGTERM");
    }
    assertEquals(List.of(), cluster.startedProcesses().stream().filter(ProcessHandle::isAlive)
        .toList());
  }
}
