package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.protocol.EngineOp;
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
 * The MultiEngine methods beyond the first session, on a real 4-engine cluster: non-blocking
 * calls and pending results, the queue methods, results history, reset, properties, run, the
 * magics, and kill of the controller (last: it ends the cluster).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiEngineApiEndToEndTest {
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
        + "mec = client.MultiEngineClient()\n" + body);
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    return run.stdout();
  }

  private static void assertHas(String out, String expected) {
    assertTrue(out.contains(expected), "expected\n" + expected + "\nin\n" + out);
  }

  @Test
  @Order(1)
  void nonBlockingCallsReturnPendingResultsThatAnyWaitCanCollect() throws Exception {
    var out = session("""
        pr = mec.execute('import time; time.sleep(2); a = 5', block=False)
        pr.get_result(block=False) is None
        pr2 = mec.execute('print a', targets=[0, 3, 1], block=False)
        mec.queue_status(targets=0)
        pr.r is pr.get_result()
        pr2.r
        mec.pull('a', block=False).r
        mec.barrier([pr2, mec.push(dict(z=1), block=False)])
        mec.barrier([1])
        """);
    assertHas(out, "In [4]: pr.get_result(block=False) is None\nOut[4]: True\n");
    assertHas(out, "Out[6]: [(0, {'pending': \"execute('import time; time.sleep(2); a = 5')\", "
        + "'queue': [\"execute('print a')\"]})]\n");
    assertHas(out, "Out[7]: True\n");
    assertHas(out, "[0] In [2]: print a\n[0] Out[2]: 5\n\n[3] In [2]: print a\n"
        + "[3] Out[2]: 5\n\n[1] In [2]: print a\n[1] Out[2]: 5\n");
    assertHas(out, "Out[9]: [5, 5, 5, 5]\n");
    assertHas(out, "NotAPendingResult: not a PendingResult: 1\n");
  }

  @Test
  @Order(2)
  void aFailedCommandClearsWhatWaitsBehindItAndBarrierKeepsTheErrors() throws Exception {
    var out = session("""
        p1 = mec.execute('import time; time.sleep(1); 1/0', targets=2, block=False)
        p2 = mec.execute('b = 2', targets=2, block=False)
        mec.barrier([p1, p2])
        p2.r
        p1.r
        mec.execute('print "fine"', targets=2)
        """);
    assertHas(out, "[2:execute]: QueueCleared: execute('b = 2')\n");
    assertHas(out, "[2:execute]: ZeroDivisionError: integer division or modulo by zero\n");
    assertHas(out, "]: fine\n");
  }

  @Test
  @Order(3)
  void clearQueueFailsTheWaitingCommandsButNotTheRunningOne() throws Exception {
    var out = session("""
        running = mec.execute('import time; time.sleep(2); c = 3', targets=0, block=False)
        waiting = mec.execute('c = 4', targets=0, block=False)
        mec.clear_queue(targets=0)
        running.r is not None
        waiting.r
        mec.pull('c', targets=0)
        """);
    assertHas(out, "Out[5]: [None]\n");
    assertHas(out, "Out[6]: True\n");
    assertHas(out, "[0:execute]: QueueCleared: execute('c = 4')\n");
    assertHas(out, "Out[8]: [3]\n");
  }

  @Test
  @Order(4)
  void getResultReturnsAnEarlierExecuteAndResetRestartsTheNumbering() throws Exception {
    var out = session("""
        mec.reset()
        mec.execute('print "first"', targets=[1])
        mec.execute('x = 10', targets=[1])
        mec.get_result(1, targets=1)
        mec.get_result(targets=1)[0]['number']
        mec.get_result(99, targets=1)
        mec.keys(targets=1)
        mec.reset(targets=1)
        mec.keys(targets=1)
        mec.execute('y = 1', targets=1)[0]['number']
        """);
    assertHas(out, "Out[3]: [None, None, None, None]\n");
    assertHas(out, "[1] In [1]: print \"first\"\n[1] Out[1]: first\n");
    assertHas(out, "Out[7]: 2\n");
    assertHas(out, "[1:get_result]: IndexError: index 99 out of range\n");
    assertHas(out, "Out[9]: [['id', 'mpi', 'x']]\n");
    assertHas(out, "Out[11]: [['id', 'mpi']]\n");
    assertHas(out, "Out[12]: 1\n");
  }

  @Test
  @Order(5)
  void propertiesAreSetReadTestedAndDeletedPerEngine() throws Exception {
    var out = session("""
        mec.set_properties(dict(color='red', n=3), targets=[0, 2])
        mec.get_properties(targets=[0, 1])
        mec.has_properties(['color', 'zz'], targets=[0, 1])
        mec.del_properties('color', targets=0)
        mec.get_properties('n', targets=[0])
        mec.get_properties('color', targets=[0])
        mec.clear_properties(targets=2)
        mec.get_properties(targets=2)
        """);
    assertHas(out, "Out[4]: [{'color': 'red', 'n': 3}, {}]\n");
    assertHas(out, "Out[5]: [[True, False], [False, False]]\n");
    assertHas(out, "Out[7]: [{'n': 3}]\n");
    assertHas(out, "[0:get_properties]: KeyError: 'color'\n");
    assertHas(out, "Out[10]: [{}]\n");
  }

  @Test
  @Order(6)
  void flushDropsPendingResultsOfEveryClient() throws Exception {
    var out = session("""
        p = mec.execute('w = 1', block=False)
        mec.flush()
        p.r
        """);
    assertHas(out, "InvalidDeferredID: no pending result with id ");
  }

  @Test
  @Order(7)
  void runSendsALocalFileAndASyntaxErrorStaysLocal() throws Exception {
    var out = session("""
        import tempfile
        fn = tempfile.mktemp(suffix='.py')
        f = open(fn, 'w'); f.write('zz = 40 + 2\\nprint zz\\n'); f.close()
        [r['stdout'] for r in mec.run(fn, targets=[0, 3])]
        f = open(fn, 'w'); f.write('zz = \\n'); f.close()
        mec.run(fn)
        """);
    assertHas(out, "Out[6]: ['42\\n', '42\\n']\n");
    assertHas(out, "SyntaxError: ");
  }

  @Test
  @Order(8)
  void theMagicsRunCodeOnTheActiveClientsEngines() throws Exception {
    var out = session("""
        %px print 1
        mec.activate()
        mec.targets = [2, 1]
        %px print id
        %result
        %autopx
        q = 7
        print q * 2
        %autopx
        q
        """);
    assertHas(out, "Error:  No Controller is activated\n");
    assertHas(out, "Parallel execution on engines: [2, 1]\n");
    assertHas(out, "[2] Out[");
    assertHas(out, "]: 2\n\n[1] In [");
    assertHas(out, "Auto Parallel Enabled\nType %autopx to disable\n");
    assertHas(out, "]: print q * 2\n[2] Out[");
    assertHas(out, "Auto Parallel Disabled\n");
    assertHas(out, "NameError: name 'q' is not defined\n");
  }

  @Test
  @Order(9)
  void pullSerializedGivesPicklesThatPushSerializedSendsOnAsTheyAre() throws Exception {
    var out = session("""
        from ipython1.kernel import newserialized
        mec.push(dict(a=[1, 2, 'x'], b={'k': 2.5}), targets=[0, 2])
        s = mec.pull_serialized('a', targets=[0, 2])
        [x.typeDescriptor for x in s], newserialized.unserialize(s[1])
        ss = mec.pull_serialized(['a', 'b'], targets=2)
        mec.push_serialized(dict(c=ss[0][0], d=ss[0][1]), targets=[1, 3])
        mec.pull(['c', 'd'], targets=[3, 1])
        mec.push_serialized(dict(e=newserialized.serialize((4, 5))), block=False).r
        mec.pull('e', targets=1)
        newserialized.unserialize(mec.pull_serialized('e', targets=0, block=False).r[0])
        def f(x): return x * 3

        mec.push_function(dict(f=f), targets=0)
        mec.push_serialized(dict(g=mec.pull_serialized('f', targets=0)[0]), targets=2)
        mec.execute('print g(7)', targets=2)
        mec.push_serialized(dict(z=5))
        mec.pull_serialized('missing', targets=3)
        """);
    assertHas(out, "Out[6]: (['pickle', 'pickle'], [1, 2, 'x'])\n");
    assertHas(out, "Out[9]: [[[1, 2, 'x'], {'k': 2.5}], [[1, 2, 'x'], {'k': 2.5}]]\n");
    assertHas(out, "Out[10]: [None, None, None, None]\n");
    assertHas(out, "Out[11]: [(4, 5)]\n");
    assertHas(out, "Out[12]: (4, 5)\n");
    assertHas(out, "[2] Out[");
    assertHas(out, "]: 21\n");
    assertHas(out, "TypeError: not a Serialized (the value of z): 5; make one with "
        + "newserialized.serialize(obj)\n");
    assertHas(out, "[3:pull_serialized]: NameError: name missing is not defined\n");
  }

  @Test
  @Order(10)
  void scatterAndGatherWithoutBlockReturnPendingResultsAtOnce() throws Exception {
    var out = session("""
        busy = mec.execute('import time; time.sleep(2)', targets=1, block=False)
        p = mec.scatter('w', range(10), block=False)
        p.get_result(block=False) is None
        p
        p.r
        mec.pull('w', targets=[1, 3])
        g = mec.gather('w', block=False)
        g.r
        mec.barrier([mec.scatter('v', 'abcdefg', targets=[3, 0], block=False)])
        mec.gather('v', targets=[3, 0], block=False).r
        mec.gather('nope', targets=[0, 2], block=False).r
        mec.scatter('u', range(4), targets=[0, 9], block=False)
        mec.mapper(block=False).map(lambda x: x + 1, range(5)).r
        """);
    assertHas(out, "Out[5]: True\n");
    assertHas(out, "Out[6]: <PendingResult local-");
    assertHas(out, "Out[7]: [None, None, None, None]\n");
    assertHas(out, "Out[8]: [[3, 4, 5], [8, 9]]\n");
    assertHas(out, "Out[10]: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n");
    assertHas(out, "Out[12]: ['abcd', 'efg']\n");
    assertHas(out, "CompositeError: one or more exceptions from call to method: gather\n"
        + "[0:pull]: NameError: name nope is not defined\n"
        + "[2:pull]: NameError: name nope is not defined\n");
    assertHas(out, "InvalidEngineID: engine with id 9 does not exist\n");
    assertHas(out, "Out[15]: [1, 2, 3, 4, 5]\n");
  }

  @Test
  @Order(99)
  void theJavaApiCollectsPendingResultsAndKillsTheController() throws Exception {
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      var id = mec.submitPending(new EngineOp.Execute("r = 2 ** 10"), Targets.of(0))
          .toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(40, id.length());
      var replies = mec.getPendingResult(id, true).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertTrue(replies.get(0).ok());
      var again = mec.getPendingResult(id, true).toCompletableFuture();
      var error = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
          () -> again.get(60, TimeUnit.SECONDS));
      assertEquals(FailureKind.INVALID_ID, ((JipythonException) error.getCause()).kind());

      mec.stopController(Duration.ofMillis(500)).toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    // the controller and every engine exit by themselves; ipcluster follows its controller
    var deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (var p : cluster.startedProcesses()) {
      p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
    assertEquals(List.of(), cluster.startedProcesses().stream().filter(ProcessHandle::isAlive)
        .toList());
  }
}
