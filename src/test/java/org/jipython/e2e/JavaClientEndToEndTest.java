package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.CompositeException;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java API against a real cluster of two engine JVMs, and what happens when one dies. */
class JavaClientEndToEndTest {
  private static LocalCluster cluster;
  private static MultiEngineClient mec;

  @BeforeAll
  static void start() throws Exception {
    // no restarts: the test kills an engine and checks that it is gone
    cluster = LocalCluster.start(3, "--restarts", "0");
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

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void javaValuesGoToTheEnginesAndComeBackAsPythonValues() throws Exception {
    await(mec.push(Map.of("n", 41, "s", "héllo", "xs", List.of(1, 2, 3),
        "m", Map.of("k", 2.5), "raw", new byte[] {0, (byte) 200, 7}), Targets.of(0, 1)));
    var results = await(mec.execute(
        "n += 1\nprint type(s).__name__, len(s), sum(xs), m['k'], len(raw)", Targets.of(1, 0)));

    assertEquals(2, results.size());
    assertEquals("unicode 5 6 2.5 3\n", results.get(0).stdout());
    assertEquals(List.of(42, 42), await(mec.pull("n", Targets.of(0, 1))));
    assertArrayEquals(new byte[] {0, (byte) 200, 7},
        (byte[]) await(mec.pull("raw", Targets.of(0))).get(0));
    assertEquals(List.of(List.of(1, 2, 3)), await(mec.pull("xs", Targets.of(1))));
  }

  @Test
  void aFailureOnSomeEnginesIsACompositeExceptionWithOneLinePerEngine() throws Exception {
    var failure = assertThrows(Exception.class,
        () -> await(mec.execute("assert id != 1, 'not on one'", Targets.all())));
    var composite = assertInstanceOf(CompositeException.class, failure.getCause());

    assertEquals(1, composite.failures().size());
    assertEquals(1, composite.failures().get(0).engineId());
    assertEquals("one or more exceptions from call to method: execute\n"
        + "[1:execute]: AssertionError: not on one", composite.getMessage());
    assertTrue(composite.failures().get(0).failure().remote().traceback()
        .contains("AssertionError: not on one"));
    // the failed engine keeps working
    assertEquals("ok\n", await(mec.execute("print 'ok'", Targets.of(1))).get(0).stdout());
  }

  @Test
  void anUnknownTargetIsRefusedBeforeAnythingRuns() throws Exception {
    var failure = assertThrows(Exception.class,
        () -> await(mec.execute("marker = 1", Targets.of(0, 77))));
    var refused = assertInstanceOf(JipythonException.class, failure.getCause());

    assertEquals(FailureKind.INVALID_ENGINE_ID, refused.kind());
    assertEquals("Engine with id 77 is not registered", refused.getMessage());
    var keys = await(mec.keys(Targets.of(0))).get(0);
    assertTrue(!keys.contains("marker"), keys.toString());
  }

  @Test
  void aCallWaitingOnAnEngineThatDiesFailsInsteadOfHanging() throws Exception {
    var ids = await(mec.getIds());
    int victim = ids.get(ids.size() - 1);
    await(mec.execute("from java.lang import ProcessHandle\npid = ProcessHandle.current().pid()",
        Targets.of(victim)));
    long pid = ((Number) await(mec.pull("pid", Targets.of(victim))).get(0)).longValue();
    var engine = ProcessHandle.of(pid).orElseThrow();
    assertTrue(cluster.startedProcesses().contains(engine), "pid " + pid + " is not an engine");

    var running = mec.execute("import time\ntime.sleep(120)", Targets.of(victim))
        .toCompletableFuture();
    var waiting = mec.execute("print 'never'", Targets.of(victim)).toCompletableFuture();
    engine.destroyForcibly();

    var error = assertThrows(Exception.class, () -> running.get(60, TimeUnit.SECONDS));
    var lost = assertInstanceOf(CompositeException.class, error.getCause());
    assertEquals(FailureKind.ENGINE_LOST, lost.failures().get(0).failure().kind());
    var error2 = assertThrows(Exception.class, () -> waiting.get(10, TimeUnit.SECONDS));
    assertInstanceOf(CompositeException.class, error2.getCause());
    // the engine is unregistered; the others serve 'all'
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (await(mec.getIds()).contains(victim) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(!await(mec.getIds()).contains(victim));
    assertEquals(ids.size() - 1, await(mec.execute("a = 1", Targets.all())).size());
  }

}
