package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.testkit.ControllerProcess;
import org.jipython.testkit.Home;
import org.jipython.testkit.LocalCluster;
import org.jipython.testkit.Processes;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Engines launched by Open MPI's mpirun, by hand and through {@code ipcluster mpiexec}: engine
 * id = MPI rank, and {@code mpi.rank} / {@code mpi.size} in each namespace. No MPI library is
 * involved, only the launcher. Skipped when mpirun is not installed ({@code .ci/run} installs
 * openmpi-bin).
 */
class MpirunTest {
  private static final Duration START = Duration.ofSeconds(300);

  @BeforeAll
  static void needsMpirun() {
    assumeTrue(onPath("mpirun"), "mpirun is not installed (apt-get install openmpi-bin; "
        + ".ci/run does): the MPI launch tests cannot run");
  }

  private static boolean onPath(String command) {
    for (var dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @Test
  void mpirunWithFourEnginesGivesIdsZeroToThreeEqualToTheirRanks() throws Exception {
    try (var controller = ControllerProcess.start()) {
      // what MPI-NOTES.md says Open MPI needs as root on a small machine; the test's own
      // environment for its own mpirun, as a user would give these on mpirun's command line
      var env = new HashMap<String, String>();
      env.put("IPYTHONDIR", controller.ipythonDir().toString());
      env.put("OMPI_ALLOW_RUN_AS_ROOT", "1");
      env.put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
      env.put("OMPI_MCA_rmaps_base_oversubscribe", "1");
      env.put("OMPI_MCA_hwloc_base_binding_policy", "none");
      env.put("OMPI_MCA_oob_tcp_if_include", "lo");
      env.put("OMPI_MCA_btl_tcp_if_include", "lo");
      env.put("OMPI_MCA_btl", "self,vader");
      try (var mpirun = Spawned.start(
          List.of("mpirun", "-n", "4", Home.script("ipengine").toString()), env)) {
        mpirun.awaitLines(l -> l.contains("ipengine: registered as engine "), 4, START);
        var tree = mpirun.tree();

        try (var mec = MultiEngineClient.connect(controller.furl("ipcontroller-mec.furl"))) {
          assertEquals(List.of(0, 1, 2, 3), await(mec.getIds()), () -> "mpirun printed:\n"
              + mpirun.output());
          await(mec.execute("r, s, same = mpi.rank, mpi.size, id == mpi.rank", Targets.all()));
          assertEquals(List.of(0, 1, 2, 3), await(mec.pull("r", Targets.all())));
          assertEquals(List.of(4, 4, 4, 4), await(mec.pull("s", Targets.all())));
          assertEquals(List.of(true, true, true, true), await(mec.pull("same", Targets.all())));
        }

        assertEquals(List.of(), mpirun.stop(Duration.ofSeconds(30)),
            "mpirun forwards SIGTERM to its ranks");
        for (var p : tree) {
          assertFalse(p.isAlive(), "pid " + p.pid() + " survived mpirun");
        }
      }
      var logs = controller.logs();
      for (int rank = 0; rank < 4; rank++) {
        assertTrue(logs.contains("MPI started with rank = " + rank + " and size = 4"), logs);
      }
    }
  }

  @Test
  void ipclusterMpiexecSetsUpMpirunItselfAndStopsItsRanksOnSigterm() throws Exception {
    var cluster = LocalCluster.start(2, "mpiexec");
    List<ProcessHandle> everything;
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      assertEquals(List.of(0, 1), await(mec.getIds()));
      await(mec.execute("r, s = mpi.rank, mpi.size", Targets.all()));
      assertEquals(List.of(0, 1), await(mec.pull("r", Targets.all())));
      assertEquals(List.of(2, 2), await(mec.pull("s", Targets.all())));
      everything = Processes.tree(cluster.ipclusterProcess());
    } catch (Throwable t) {
      cluster.stop();
      throw t;
    }
    var commands = new ArrayList<String>();
    everything.forEach(p -> commands.add(p.info().command().orElse("?")));
    assertTrue(commands.stream().anyMatch(c -> c.endsWith("orterun") || c.endsWith("mpirun")),
        "no mpirun among " + commands);

    assertEquals(List.of(), cluster.stop(), "processes that had to be SIGKILLed");
    for (var p : everything) {
      assertFalse(p.isAlive(), "pid " + p.pid() + " survived ipcluster");
    }
  }
}
