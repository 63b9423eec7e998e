package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.testkit.ControllerProcess;
import org.jipython.testkit.Home;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ipengine --engines 3}: three engines in one JVM, each with its own id, namespace and
 * queue; one failing or killed leaves the others working.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EngineHostTest {
  private static ControllerProcess controller;
  private static Spawned host;
  private static MultiEngineClient mec;

  @BeforeAll
  static void start() throws Exception {
    controller = ControllerProcess.start();
    host = Spawned.start(List.of(Home.script("ipengine").toString(), "--engines", "3"),
        Map.of("IPYTHONDIR", controller.ipythonDir().toString()));
    host.awaitLines(l -> l.startsWith("ipengine: registered as engine "), 3,
        Duration.ofSeconds(180));
    mec = MultiEngineClient.connect(controller.furl("ipcontroller-mec.furl"));
  }

  @AfterAll
  static void stop() {
    if (mec != null) {
      mec.close();
    }
    var killed = new ArrayList<ProcessHandle>();
    if (host != null) {
      killed.addAll(host.stop(Duration.ofSeconds(20)));
    }
    if (controller != null) {
      killed.addAll(controller.stop());
    }
    assertEquals(List.of(), killed, "processes that ignored SIGTERM");
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  @Order(1)
  void eachEngineOfTheJvmHasItsOwnIdAndNamespace() throws Exception {
    assertEquals(List.of(0, 1, 2), await(mec.getIds()));
    await(mec.execute("x = id * 10", Targets.all()));
    await(mec.execute("x = x + 1", Targets.of(2)));

    assertEquals(List.of(0, 10, 21), await(mec.pull("x", Targets.all())));
    var printed = await(mec.execute("import time\ntime.sleep(0.05 * (3 - id))\nprint 'engine', id",
        Targets.all()));
    for (int i = 0; i < 3; i++) {
      assertEquals("engine " + i + "\n", printed.get(i).stdout(), "what engine " + i + " printed");
    }
    var log = controller.logs();
    assertTrue(log.contains("registered engine with id: 2"), log);
  }

  @Test
  @Order(2)
  void anErrorOnOneEngineLeavesTheOthersAlone() throws Exception {
    var failure = assertThrows(ExecutionException.class,
        () -> await(mec.execute("y = 1/0", Targets.of(1))));
    var composite = (CompositeException) failure.getCause();
    assertEquals(1, composite.failures().get(0).engineId());

    await(mec.execute("y = id", Targets.all()));
    assertEquals(List.of(0, 1, 2), await(mec.pull("y", Targets.all())));
  }

  @Test
  @Order(4)
  void killingTheLastEnginesEndsTheProcess() throws Exception {
    await(mec.submit(new EngineOp.Kill(), Targets.all()));

    assertEquals(0, host.awaitExit(Duration.ofSeconds(60)), host.output());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!await(mec.getIds()).isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "engines still registered: "
          + await(mec.getIds()));
      Thread.sleep(20);
    }
  }

  @Test
  @Order(3)
  void aKilledEngineLeavesTheOthersAndTheProcessRunning() throws Exception {
    await(mec.submit(new EngineOp.Kill(), Targets.of(1)));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (await(mec.getIds()).contains(1)) {
      assertTrue(System.nanoTime() < deadline, "engine 1 still registered after its kill");
      Thread.sleep(20);
    }
    assertEquals(List.of(0, 2), await(mec.getIds()));
    assertTrue(host.handle().isAlive(), "the host process stopped with one engine");
    await(mec.execute("z = id + 100", Targets.all()));
    assertEquals(List.of(100, 102), await(mec.pull("z", Targets.all())));
  }
}
