package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every typed method of the Java MultiEngineClient on a real 4-engine cluster: the serialized
 * push and pull, several names and zipPull, scatter, gather and map, results history, reset and
 * run, properties, the queue, and the kills (last: they end the cluster).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JavaMultiEngineApiEndToEndTest {
  private static LocalCluster cluster;
  private static MultiEngineClient mec;

  @BeforeAll
  static void start() throws Exception {
    // no restarts: a killed engine stays dead
    cluster = LocalCluster.start(4, "--restarts", "0");
    mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"));
  }

  @AfterAll
  static void stop() {
    if (mec != null) {
      mec.close();
    }
    if (cluster != null) {
      assertEquals(List.of(), cluster.stop());
    }
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The exception a stage completed with. */
  private static Throwable failureOf(CompletionStage<?> stage) {
    var error = assertThrows(Exception.class, () -> await(stage));
    return error.getCause();
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  @Test
  @Order(1)
  void pulledPicklesPushedSeriallyGiveTheSameValueOnAnotherEngine() throws Exception {
    await(mec.execute("xs = [id, 'two', 3.5, (4, None)]", Targets.of(0)));
    var pickles = await(mec.pullSerialized("xs", Targets.of(0)));
    assertEquals(1, pickles.size());
    // a protocol 2 pickle as the engine made it
    assertEquals((byte) 0x80, pickles.get(0)[0]);
    assertEquals(2, pickles.get(0)[1]);

    await(mec.pushSerialized(Map.of("ys", pickles.get(0)), Targets.of(3, 2)));
    var same = await(mec.execute("print ys == [0, 'two', 3.5, (4, None)], id", Targets.of(3, 2)));
    assertEquals("True 3\n", same.get(0).stdout());
    assertEquals("True 2\n", same.get(1).stdout());
    assertArrayEquals(pickles.get(0), await(mec.pullSerialized("ys", Targets.of(2))).get(0));
  }

  @Test
  @Order(2)
  void severalNamesArePulledPerEngineAndZipPullTransposesThem() throws Exception {
    await(mec.execute("a = id * 10\nb = 'e%d' % id", Targets.all()));

    assertEquals(List.of(List.of(20, "e2"), List.of(0, "e0")),
        await(mec.pull(List.of("a", "b"), Targets.of(2, 0))));
    assertEquals(List.of(List.of(20, 0, 30), List.of("e2", "e0", "e3")),
        await(mec.zipPull(List.of("a", "b"), Targets.of(2, 0, 3))));
    var missing = failureOf(mec.zipPull(List.of("a", "nothing"), Targets.of(1)));
    assertEquals("one or more exceptions from call to method: pull\n"
        + "[1:pull]: NameError: name nothing is not defined", missing.getMessage());
  }

  @Test
  @Order(3)
  void scatterCutsAListIntoBlocksAndGatherJoinsThemInTargetOrder() throws Exception {
    await(mec.scatter("x", range(10), Targets.all(), false));
    assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6, 7), List.of(8, 9)),
        await(mec.pull("x", Targets.all())));
    assertEquals(range(10), await(mec.gather("x", Targets.all())));

    await(mec.scatter("t", List.of("a", "b", "c", "d", "e"), Targets.of(3, 1), false));
    assertEquals(List.of(List.of("a", "b", "c"), List.of("d", "e")),
        await(mec.pull("t", Targets.of(3, 1))));
    assertEquals(List.of("d", "e", "a", "b", "c"), await(mec.gather("t", Targets.of(1, 3))));

    // flatten: a piece of one item is bound as the item; gathered scalars stay a list
    await(mec.scatter("f", List.of(7, 8, 9), Targets.all(), true));
    assertEquals(List.of(7, 8, 9, List.of()), await(mec.pull("f", Targets.all())));
    assertEquals(List.of(7, 8, 9, List.of()), await(mec.gather("f", Targets.all())));

    var unknown = failureOf(mec.scatter("x", range(4), Targets.of(0, 9), false));
    assertEquals(FailureKind.INVALID_ENGINE_ID, ((JipythonException) unknown).kind());
    assertEquals("Engine with id 9 is not registered", unknown.getMessage());
    var notThere = assertInstanceOf(CompositeException.class,
        failureOf(mec.gather("not_there", Targets.of(2))));
    assertEquals("gather", notThere.method());
  }

  @Test
  @Order(4)
  void mapCallsANamedFunctionOrALambdaOnEveryItemInItemOrder() throws Exception {
    var squares = new ArrayList<Object>();
    for (int i = 0; i < 11; i++) {
      squares.add(i * i);
    }
    assertEquals(squares, await(mec.map("lambda x: x * x", range(11))));

    await(mec.execute("def tagged(x):\n    return '%s@%d' % (x, id)", Targets.all()));
    assertEquals(List.of("a@1", "b@1", "c@2"),
        await(mec.map("tagged", List.of("a", "b", "c"), Targets.of(1, 2))));
    // fewer items than engines: the last engine maps an empty piece
    assertEquals(List.of("p@0", "q@1", "r@2"), await(mec.map("tagged", List.of("p", "q", "r"))));
    assertEquals(List.of(), await(mec.map("tagged", List.of())));

    var failed = assertInstanceOf(CompositeException.class,
        failureOf(mec.map("lambda x: 10 / x", List.of(5, 0, 2, 1))));
    assertEquals(1, failed.failures().size());
    assertEquals(1, failed.failures().get(0).engineId());
    assertTrue(failed.getMessage().endsWith("ZeroDivisionError: integer division or modulo by "
        + "zero"), failed.getMessage());
  }

  @Test
  @Order(5)
  void getResultReturnsEarlierExecutesAndResetStartsAFreshNamespace() throws Exception {
    int first = await(mec.execute("print 'first'", Targets.of(1))).get(0).number();
    await(mec.execute("v = 1", Targets.of(1)));

    assertEquals("first\n", await(mec.getResult(first, Targets.of(1))).get(0).stdout());
    assertEquals(first + 1, await(mec.getResult(null, Targets.of(1))).get(0).number());
    var outOfRange = failureOf(mec.getResult(999, Targets.of(1)));
    assertEquals("one or more exceptions from call to method: get_result\n"
        + "[1:get_result]: IndexError: index 999 out of range", outOfRange.getMessage());

    await(mec.reset(Targets.of(1)));
    assertEquals(List.of(List.of("id", "mpi")), await(mec.keys(Targets.of(1))));
    assertEquals(1, await(mec.execute("w = 2", Targets.of(1))).get(0).number());
    assertTrue(await(mec.keys(Targets.of(0))).get(0).contains("a"), "only engine 1 was reset");
  }

  @Test
  @Order(6)
  void runSendsALocalFilesSource() throws Exception {
    var file = Files.createTempFile("jipython-run-", ".py");
    try {
      Files.writeString(file, "zz = 40 + 2\nprint zz, id\n");
      var results = await(mec.run(file, Targets.of(0, 3)));
      assertEquals("42 0\n", results.get(0).stdout());
      assertEquals("42 3\n", results.get(1).stdout());
    } finally {
      Files.delete(file);
    }
  }

  @Test
  @Order(7)
  void propertiesAreSetReadTestedAndDeletedPerEngine() throws Exception {
    await(mec.setProperties(Map.of("color", "red", "n", 3), Targets.of(0, 2)));

    assertEquals(List.of(Map.of("color", "red", "n", 3), Map.of()),
        await(mec.getProperties(null, Targets.of(0, 1))));
    assertEquals(List.of(List.of(true, false), List.of(false, false)),
        await(mec.hasProperties(List.of("color", "zz"), Targets.of(2, 3))));
    await(mec.delProperties(List.of("color"), Targets.of(0)));
    assertEquals(List.of(Map.of("n", 3)), await(mec.getProperties(List.of("n"), Targets.of(0))));
    var gone = failureOf(mec.getProperties(List.of("color"), Targets.of(0)));
    assertEquals("[0:get_properties]: KeyError: color", gone.getMessage().split("\n")[1]);
    await(mec.clearProperties(Targets.of(2)));
    assertEquals(List.of(Map.of()), await(mec.getProperties(null, Targets.of(2))));
  }

  @Test
  @Order(8)
  void queueStatusShowsTheQueueAndClearQueueFailsTheWaitingCommands() throws Exception {
    var running = mec.execute("import time; time.sleep(2); c = 3", Targets.of(0));
    var waiting = mec.execute("c = 4", Targets.of(0));

    var status = await(mec.queueStatus(Targets.of(0, 1)));
    assertEquals(0, status.get(0).engineId());
    assertEquals("execute('import time; time.sleep(2); c = 3')", status.get(0).pending());
    assertEquals(List.of("execute('c = 4')"), status.get(0).waiting());
    assertNull(status.get(1).pending());
    assertEquals(List.of(), status.get(1).waiting());

    await(mec.clearQueue(Targets.of(0)));
    var cleared = assertInstanceOf(CompositeException.class, failureOf(waiting));
    assertEquals("[0:execute]: QueueCleared: execute('c = 4')",
        cleared.getMessage().split("\n")[1]);
    assertTrue(await(running).get(0).ok());
    assertEquals(List.of(3), await(mec.pull("c", Targets.of(0))));
  }

  @Test
  @Order(9)
  void killStopsAnEngineProcess() throws Exception {
    await(mec.execute("from java.lang import ProcessHandle\npid = ProcessHandle.current().pid()",
        Targets.of(3)));
    long pid = ((Number) await(mec.pull("pid", Targets.of(3))).get(0)).longValue();
    var engine = ProcessHandle.of(pid).orElseThrow();
    assertTrue(cluster.startedProcesses().contains(engine), "pid " + pid + " is not an engine");

    await(mec.kill(Targets.of(3)));
    engine.onExit().get(60, TimeUnit.SECONDS);
    assertFalse(engine.isAlive());
  }

  @Test
  @Order(10)
  void killControllerStopsEveryEngineAndTheController() throws Exception {
    await(mec.killController());
    var deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (var p : cluster.startedProcesses()) {
      p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    assertEquals(List.of(), cluster.startedProcesses().stream().filter(ProcessHandle::isAlive)
        .toList());
  }
}
