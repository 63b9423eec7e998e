package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.testkit.LocalCluster;
import org.jipython.testkit.Processes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ipcluster -n 2} supervises what it started: an engine killed with SIGKILL is started
 * again and registers again; SIGTERM to ipcluster leaves no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IpClusterTest {
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(2, "--restarts", "2");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.stop();
    }
  }

  private static long enginePid(MultiEngineClient mec, int id) throws Exception {
    mec.execute("import os\n_pid = os.getpid()", Targets.of(id)).toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    return ((Number) mec.pull("_pid", Targets.of(id)).toCompletableFuture()
        .get(60, TimeUnit.SECONDS).get(0)).longValue();
  }

  private static String log(String name) throws Exception {
    return Files.readString(cluster.logDir().resolve(name));
  }

  @Test
  @Order(1)
  void anEngineKilledWithSigkillIsStartedAgainAndRegistersAgain() throws Exception {
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      assertEquals(List.of(0, 1), mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS));
      long killedPid = enginePid(mec, 1);
      var killed = ProcessHandle.of(killedPid).orElseThrow();
      assertTrue(cluster.startedProcesses().contains(killed), "engine 1 is not ipcluster's");

      killed.destroyForcibly();
      killed.onExit().get(30, TimeUnit.SECONDS);

      // ipcluster logs what its engines print
      var ipclusterLogName = "ipcluster-" + cluster.ipclusterProcess().pid() + ".log";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      List<String> registrations;
      while ((registrations = log(ipclusterLogName).lines()
          .filter(l -> l.contains("ipengine: registered as engine ")).toList()).size() < 3) {
        assertTrue(System.nanoTime() < deadline, "no engine registered again:\n"
            + log(ipclusterLogName));
        Thread.sleep(200);
      }
      // the smallest free id, as in the original: 1 again, or 2 when the new engine registered
      // before the controller noticed that the old one was gone
      var last = registrations.get(2);
      int newId = Integer.parseInt(last.substring(last.lastIndexOf(' ') + 1).trim());
      assertTrue(newId == 1 || newId == 2, last);
      while (!mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS)
          .equals(List.of(0, newId))) {
        assertTrue(System.nanoTime() < deadline, "the controller did not drop engine 1");
        Thread.sleep(200);
      }
      long newPid = enginePid(mec, newId);
      assertNotEquals(killedPid, newPid);
      assertTrue(ProcessHandle.of(newPid).map(ProcessHandle::isAlive).orElse(false));
      assertEquals(cluster.ipclusterProcess().pid(),
          ProcessHandle.of(newPid).flatMap(ProcessHandle::parent).orElseThrow().pid(),
          "the new engine is not ipcluster's child");

      var ipclusterLog = log(ipclusterLogName);
      assertTrue(ipclusterLog.contains("(pid " + killedPid + ") crashed (code 137); starting it "
          + "again"), ipclusterLog);
      assertTrue(Files.exists(cluster.logDir().resolve("ipengine-" + killedPid + ".log")));
      assertTrue(Files.exists(cluster.logDir().resolve("ipengine-" + newPid + ".log")));
      var controllerLog = controllerLog();
      assertTrue(controllerLog.contains("unregistered engine with id: 1"), controllerLog);
      assertEquals(3, controllerLog.lines().filter(l -> l.contains("registered engine with id:")
          && !l.contains("unregistered")).count(), controllerLog);
    }
  }

  private static String controllerLog() throws Exception {
    try (var files = Files.list(cluster.logDir())) {
      var file = files.filter(f -> f.getFileName().toString().startsWith("ipcontroller-"))
          .findFirst().orElseThrow();
      return Files.readString(file);
    }
  }

  @Test
  @Order(2)
  void sigtermToIpclusterLeavesNoProcessBehind() throws Exception {
    var everything = Processes.tree(cluster.ipclusterProcess());
    assertEquals(4, everything.size(), "ipcluster, a controller and 2 engines: " + everything);

    var killed = cluster.stop();

    assertEquals(List.of(), killed, "processes that had to be SIGKILLed");
    for (var p : everything) {
      assertFalse(p.isAlive(), "pid " + p.pid() + " survived");
    }
    var ipclusterLog = log("ipcluster-" + cluster.ipclusterProcess().pid() + ".log");
    assertTrue(ipclusterLog.contains("Stopping cluster"), ipclusterLog);
    assertTrue(ipclusterLog.contains("all 3 processes stopped"), ipclusterLog);
    assertTrue(controllerLog().contains("controller shutting down"), controllerLog());
  }
}
