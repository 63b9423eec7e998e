package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.StringTask;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.client.TaskException;
import org.jipython.actors.client.Targets;
import org.jipython.runtime.error.FailureKind;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Task interface on a real 4-engine cluster ({@code scripts/ipcluster -n 4}), from the
 * console and from Java: the spec's conformance lines first (task ids start at 0 on a fresh
 * controller), engine death last (it costs the cluster an engine).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TaskEndToEndTest {
  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalCluster.start(4);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.stop();
      for (var p : cluster.startedProcesses()) {
        assertFalse(p.isAlive(), "process " + p.pid() + " survived");
      }
    }
  }

  private static String session(String body) throws Exception {
    var run = cluster.console("from ipython1.kernel import client\n"
        + "tc = client.TaskClient()\n" + body);
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    return run.stdout();
  }

  private static void assertHas(String out, String expected) {
    assertTrue(out.contains(expected), "expected\n" + expected + "\nin\n" + out);
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @Test
  @Order(1)
  void theTaskLinesOfTheConformanceExamplesGiveTheSpecsOutputs() throws Exception {
    var out = session("""
        tc.run(client.StringTask('b = a*2', push=dict(a=21), pull='b'))
        tc.get_task_result(0, block=True).ns.b
        tc.map(lambda x: x*x, range(5))
        tc.queue_status()
        """);

    assertHas(out, """
        In [3]: tc.run(client.StringTask('b = a*2', push=dict(a=21), pull='b'))
        Out[3]: 0
        In [4]: tc.get_task_result(0, block=True).ns.b
        Out[4]: 42
        In [5]: tc.map(lambda x: x*x, range(5))
        Out[5]: [0, 1, 4, 9, 16]
        In [6]: tc.queue_status()
        Out[6]: {'scheduled': 0, 'pending': 0, 'succeeded': 1, 'failed': 0}
        """);
  }

  @Test
  @Order(2)
  void aTaskResultCarriesTheOriginalsFieldsAndAFailedTaskRaisesOnlyWhenAskedTo() throws Exception {
    var out = session("""
        tr = tc.run(client.StringTask('c = 6*7; d = "x"', pull=('c', 'd')), block=True)
        tr
        tr.ns
        tr['c'], tr.ns['d'], tr.keys, tr.failure
        tr.engineid in (0, 1, 2, 3), type(tr.duration).__name__, tr.duration >= 0
        import re; bool(re.match(r'^\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d$', tr.submitted)), tr.completed >= tr.submitted
        bad = tc.run(client.StringTask('1/0'), block=True)
        bad
        bad.results
        bad.ns
        bad.raise_exception()
        print bad.failure.getTraceback()
        tc.get_task_result(12345)
        tc.abort('x')
        client.StringTask(42)
        client.StringTask('a', pull=5)
        client.StringTask('a', push=[1])
        client.MapTask(len)
        tc.run(client.MapTask(lambda x: x/0, (1,)), block=True)
        tc.run(client.StringTask('ok = 1', pull='ok'), block=True)
        """);

    assertHas(out, "Out[4]: TaskResult[ID:");
    assertHas(out, "]:{'c': 42, 'd': 'x'}\n");
    assertHas(out, "Out[5]: NS{'c': 42, 'd': 'x'}\n");
    assertTrue(out.contains("Out[6]: (42, 'x', ['c', 'd'], None)\n")
        || out.contains("Out[6]: (42, 'x', ['d', 'c'], None)\n"), out);
    assertHas(out, "Out[7]: (True, 'float', True)\n");
    assertHas(out, "Out[8]: (True, True)\n");
    assertHas(out, "]:<Failure ZeroDivisionError: integer division or modulo by zero>\n");
    assertHas(out, "Out[11]: {}\n");
    assertHas(out, "In [12]: bad.ns\nTraceback (most recent call last):");
    assertHas(out, "ZeroDivisionError: integer division or modulo by zero\nIn [13]:");
    assertHas(out, "ZeroDivisionError: integer division or modulo by zero\nIn [14]:");
    assertHas(out, "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n"
        + "ZeroDivisionError: integer division or modulo by zero\n");
    assertHas(out, "IndexError: task ID not registered: 12345\n");
    assertHas(out, "TypeError: an integer task id expected: 'x'\n");
    assertHas(out, "TypeError: a task expression must be a str\n");
    assertHas(out, "TypeError: pull must be None, a str, or a list or tuple of str\n");
    assertHas(out, "TypeError: push must be None or a dict\n");
    assertHas(out, "TypeError: a task function must be a FunctionType\n");
    assertHas(out, "ZeroDivisionError: integer division or modulo by zero\nIn [22]:");
    assertHas(out, "]:{'ok': 1}\n");
  }

  @Test
  @Order(3)
  void aTaskThatFailsTwiceSucceedsWithTwoRetriesAndARecoveryTaskTakesOverItsId(
      @TempDir Path tmp) throws Exception {
    var twice = Files.createDirectory(tmp.resolve("twice"));
    var once = Files.createDirectory(tmp.resolve("once"));
    var out = session("""
        code = '''import os
        n = len(os.listdir(d))
        open(os.path.join(d, 'attempt%%d' %% n), 'w').close()
        if n < 2: raise RuntimeError('attempt %%d fails' %% n)
        '''
        tc.run(client.StringTask(code, push=dict(d=%s), pull='n', retries=2), block=True).ns.n
        tc.run(client.StringTask(code, push=dict(d=%s), pull='n', retries=1), block=True)
        rescue = client.StringTask('r = "recovered"', pull='r')
        i = tc.run(client.StringTask('1/0', retries=1, recovery_task=rescue))
        tr = tc.get_task_result(i, block=True)
        tr.taskid == i, tr.ns.r
        tc.run(client.StringTask('1/0', recovery_task=client.StringTask('[][1]')), block=True)
        """.formatted(pyString(twice), pyString(once)));

    assertHas(out, "Out[4]: 2\n");
    assertHas(out, "]:<Failure RuntimeError: attempt 1 fails>\n");
    assertHas(out, "Out[9]: (True, 'recovered')\n");
    assertHas(out, "]:<Failure IndexError: index out of range: 1>\n");
    try (var files = Files.list(twice)) {
      assertEquals(3, files.count(), "two failed attempts and the one that succeeded");
    }
  }

  @Test
  @Order(4)
  void clearBeforeStartsFromAFreshNamespaceAndClearAfterLeavesOne() throws Exception {
    var out = session("""
        mec = client.MultiEngineClient()
        mec.push(dict(leftover=1))
        tc.run(client.StringTask('had = "leftover" in globals()', pull='had', clear_before=True), block=True).ns.had
        tr = tc.run(client.StringTask('after = 5', pull='after', clear_after=True), block=True)
        tr.ns.after, 'after' in mec.keys(targets=tr.engineid)[0]
        """);

    assertHas(out, "Out[5]: False\n");
    assertHas(out, "Out[7]: (5, False)\n");
  }

  @Test
  @Order(5)
  void abortBarrierSpinAndQueueStatusAsTheOriginal() throws Exception {
    var out = session("""
        tc.clear()
        slow = [tc.run(client.StringTask('import time; time.sleep(5)')) for i in range(4)]
        waiting = tc.run(client.StringTask('w = 1', pull='w'))
        import time; time.sleep(1)
        s = tc.queue_status(); (s['scheduled'], s['pending'])
        tc.abort(waiting)
        tc.abort(waiting)
        tc.get_task_result(waiting)
        tc.spin()
        tc.barrier(slow + [99999])
        [tc.get_task_result(i) is not None for i in slow]
        tc.abort(slow[0])
        tc.run(client.StringTask('1/0'), block=True).failure is not None
        tc.map(lambda x: x, range(3))
        tc.queue_status()
        v = tc.queue_status(verbose=True); v['succeeded'] == sorted(slow), len(v['failed'])
        tc.clear()
        tc.queue_status()
        tc.clear([slow[0]])
        """);

    assertHas(out, "Out[7]: (1, 4)\n");
    assertHas(out, "In [8]: tc.abort(waiting)\nIn [9]: tc.abort(waiting)\n");
    assertHas(out, "IndexError: Task Already Completed\n");
    assertHas(out, "In [10]: tc.get_task_result(waiting)\nTraceback");
    assertHas(out, "TaskAborted: task ");
    assertHas(out, "Out[13]: [True, True, True, True]\n");
    assertHas(out, "Out[15]: True\n");
    assertHas(out, "Out[17]: {'scheduled': 0, 'pending': 0, 'succeeded': 4, 'failed': 1}\n");
    assertHas(out, "Out[18]: (True, 1)\n");
    assertHas(out, "Out[19]: 9\n");
    assertHas(out, "Out[20]: {'scheduled': 0, 'pending': 0, 'succeeded': 0, 'failed': 0}\n");
    assertHas(out, "KeyError: 'Cleared 0 results, but no tasks found for ids: [");
  }

  @Test
  @Order(6)
  void mapOverAThousandItemsEqualsTheLocalMapAndParallelMapperAndLargeMapsWork() throws Exception {
    var out = session("""
        f = lambda x: x*3 + 1
        tc.map(f, range(1000)) == map(f, range(1000))
        tc.map(lambda x, y: x + y, range(10), range(10, 20))
        tc.map(lambda x, y: x, range(3), range(4))
        @tc.parallel()
        def g(x):
            return x * 10

        g(range(5))
        ids = tc.mapper(block=False).map(lambda x: -x, range(3)); len(ids)
        [tc.get_task_result(i, block=True) for i in ids]
        tc.map(lambda x: 10 / x, [1, 0, 2])
        tc.map(lambda x: x * 2, [])
        tc.map(lambda x: x - 1, range(3000))[-3:]
        """);

    assertHas(out, "Out[4]: True\n");
    assertHas(out, "Out[5]: [10, 12, 14, 16, 18, 20, 22, 24, 26, 28]\n");
    assertHas(out, "ValueError: all sequences must have equal length\n");
    assertHas(out, "Out[8]: [0, 10, 20, 30, 40]\n");
    assertHas(out, "Out[9]: 3\n");
    assertHas(out, "Out[10]: [0, -1, -2]\n");
    assertHas(out, "ZeroDivisionError: integer division or modulo by zero\nIn [12]:");
    assertHas(out, "Out[12]: []\n");
    // more tasks than the client sends at once (AdapterConnection.MAX_IN_FLIGHT)
    assertHas(out, "Out[13]: [2996, 2997, 2998]\n");
  }

  @Test
  @Order(7)
  void dependRoutesTasksToTheEnginesWhosePropertiesMatch() throws Exception {
    var out = session("""
        mec = client.MultiEngineClient()
        mec.set_properties(dict(gpu=True), targets=[1, 3])
        picky = [tc.run(client.StringTask('e = id', pull='e', depend=lambda p: p.get('gpu', False))) for i in range(12)]
        sorted(set(tc.get_task_result(i, block=True).ns.e for i in picky))
        sorted(set(tc.mapper(depend=lambda p: not p.get('gpu', False)).map(lambda x: id, range(12))))
        bad = tc.run(client.StringTask('e = id', pull='e', depend=lambda p: 1/0 or True)); bad >= 0
        tc.queue_status()['scheduled']
        tc.abort(bad)
        mec.clear_properties()
        tc.run(client.StringTask('x = 1', depend=42))
        """);

    assertHas(out, "Out[6]: [1, 3]\n");
    assertHas(out, "Out[7]: [0, 2]\n");
    assertHas(out, "Out[8]: True\n");
    assertHas(out, "Out[9]: 1\n");
    assertHas(out, "TypeError: depend must be a function taking the engine's properties, "
        + "not 42\n");
  }

  @Test
  @Order(8)
  void aMultiEngineClientAndATaskClientShareTheEnginesWithoutMixingResults() throws Exception {
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"));
        var tc = TaskClient.connect(cluster.furl("ipcontroller-tc.furl"))) {
      var ids = await(mec.getIds());
      var mecWork = CompletableFuture.runAsync(() -> {
        try {
          for (int round = 0; round < 40; round++) {
            for (int engine : ids) {
              await(mec.push(Map.of("m", round * 100 + engine), Targets.of(engine)));
            }
            var pulled = await(mec.pull("m", Targets.of(ids)));
            for (int k = 0; k < ids.size(); k++) {
              assertEquals(round * 100 + ids.get(k), pulled.get(k), "mec pulled what it pushed");
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      var taskIds = new ArrayList<Long>();
      for (int i = 0; i < 200; i++) {
        taskIds.add(await(tc.run(new StringTask("t_out = t_in * 2")
            .push(Map.of("t_in", i)).pull("t_out"))));
      }
      for (int i = 0; i < 200; i++) {
        var result = await(tc.getTaskResult(taskIds.get(i), true));
        assertTrue(result.ok(), () -> "failed: " + result.failure());
        assertEquals(2 * i, result.get("t_out"));
      }
      mecWork.get(120, TimeUnit.SECONDS);

      await(mec.execute("def triple(x):\n    return 3 * x\n", Targets.all()));
      assertEquals(List.of(3, 6, 9, 12), await(tc.map("triple", List.of(1, 2, 3, 4))));
      var status = await(tc.queueStatus(false));
      assertEquals(0, status.scheduled());
      assertEquals(0, status.pending());
      var refused = assertThrows(Exception.class, () -> await(tc.abort(987654)));
      var cause = assertInstanceOf(TaskException.class, refused.getCause());
      assertEquals(FailureKind.INVALID_ID, cause.kind());
      assertEquals("IndexError: task ID not registered: 987654", cause.getMessage());
    }
  }

  @Test
  @Order(9)
  void whenTheEngineRunningATaskDiesTheTaskIsRetriedOnAnotherEngine(@TempDir Path marker)
      throws Exception {
    try (var tc = TaskClient.connect(cluster.furl("ipcontroller-tc.furl"))) {
      var code = """
          import os, time
          first = not os.path.exists(os.path.join(d, 'pid'))
          if first:
              f = open(os.path.join(d, 'pid.tmp'), 'w'); f.write('%d %d' % (os.getpid(), id)); f.close()
              os.rename(os.path.join(d, 'pid.tmp'), os.path.join(d, 'pid'))
              time.sleep(60)
          e = id
          """;
      long taskId = await(tc.run(new StringTask(code).push(Map.of("d", marker.toString()))
          .pull("e", "first").retries(1)));
      var pidFile = marker.resolve("pid");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.exists(pidFile) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      var written = Files.readString(pidFile).trim().split(" ");
      long pid = Long.parseLong(written[0]);
      Integer firstEngine = Integer.valueOf(written[1]);
      ProcessHandle.of(pid).orElseThrow().destroyForcibly();

      var result = await(tc.getTaskResult(taskId, true));
      assertTrue(result.ok(), () -> "failed: " + result.failure());
      assertEquals(false, result.get("first"), "the retry ran the task again");
      assertNotEquals(firstEngine, result.engineId(), "the retry ran on another engine");
    }
  }

  /** A Python string literal for a path. */
  private static String pyString(Path path) {
    return "'" + path.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
