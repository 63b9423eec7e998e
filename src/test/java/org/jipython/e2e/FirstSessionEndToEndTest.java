package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The getting-started session of IPython's guide, typed into the real console against a real
 * cluster ({@code scripts/ipcluster -n 4}: a controller and four engine JVMs over TLS).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirstSessionEndToEndTest {
  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalCluster.start(4);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      var killed = cluster.stop();
      assertEquals(List.of(), killed, "ipcluster left processes that had to be killed");
      for (var p : cluster.startedProcesses()) {
        assertTrue(!p.isAlive(), "process " + p.pid() + " survived ipcluster");
      }
    }
  }

  @Test
  @Order(1)
  void theGettingStartedSessionPrintsWhatTheGuideShows() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel import client
        mec = client.MultiEngineClient()
        mec.get_ids()
        mec.execute('print "Hello World"')
        """);

    var engines = IntStream.range(0, 4)
        .mapToObj(k -> "[" + k + "] In [1]: print \"Hello World\"\n"
            + "[" + k + "] Out[1]: Hello World\n\n")
        .collect(Collectors.joining());
    assertEquals("""
        In [1]: from ipython1.kernel import client
        In [2]: mec = client.MultiEngineClient()
        In [3]: mec.get_ids()
        Out[3]: [0, 1, 2, 3]
        In [4]: mec.execute('print "Hello World"')
        Out[4]:
        <Results List>
        """ + engines + "\n", run.stdout());
    assertEquals("", run.stderr());
    assertEquals(0, run.exitCode());
  }

  @Test
  @Order(2)
  void anExceptionOnTheEnginesIsACompositeErrorAndTheEnginesKeepWorking() throws Exception {
    var run = cluster.console("""
        from IPython.kernel import client
        mec = client.MultiEngineClient()
        mec.execute('x = 1/0')
        try:
            mec.execute('y = 1/0', targets=[2, 0])
        except client.CompositeError, e:
            print len(e.elist), e.elist[0][1]._ipython_engine_info['engineid']
            e.raise_exception()

        mec.execute('print "still here"', targets=1)
        """);

    var lines = run.stdout();
    assertTrue(lines.contains("""
        In [3]: mec.execute('x = 1/0')
        Traceback (most recent call last):
          File "<ipython-input-3>", line 1, in <module>
            mec.execute('x = 1/0')
        CompositeError: one or more exceptions from call to method: execute
        [0:execute]: ZeroDivisionError: integer division or modulo by zero
        [1:execute]: ZeroDivisionError: integer division or modulo by zero
        [2:execute]: ZeroDivisionError: integer division or modulo by zero
        [3:execute]: ZeroDivisionError: integer division or modulo by zero
        """), lines);
    assertTrue(lines.contains("2 2\n"), lines);
    assertTrue(lines.contains("ZeroDivisionError: integer division or modulo by zero\n"
        + "In [5]: "), lines);
    // engine 1 ran the failing 'x = 1/0' as its execute number 2, so this is number 3
    assertTrue(lines.contains("[1] In [3]: print \"still here\"\n[1] Out[3]: still here\n"),
        lines);
    assertEquals(0, run.exitCode());
  }

  @Test
  @Order(3)
  void pushPullAndGetIdsTakeTargetsAsAllAnIntOrAList() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel import client
        mec = client.MultiEngineClient()
        mec.push(dict(a=1.03234, b=3453))
        mec.pull('a')
        mec.pull('b', targets=0)
        mec.pull(('a', 'b'), targets=[3, 1])
        mec.push({'c': [1, 'two', {'three': 3.0}]}, targets=2)
        mec.pull('c', targets=[2])
        mec['d'] = 'dee'
        mec['d']
        mec.pull('c', targets=[0])
        mec.pull('a', targets=9)
        mec.pull('a', targets='some')
        mec.pull('a', targets=1.5)
        """);

    var out = run.stdout();
    assertTrue(out.contains("Out[3]: [None, None, None, None]\n"), out);
    assertTrue(out.contains("Out[4]: [1.03234, 1.03234, 1.03234, 1.03234]\n"), out);
    assertTrue(out.contains("Out[5]: [3453]\n"), out);
    assertTrue(out.contains("Out[6]: [[1.03234, 3453], [1.03234, 3453]]\n"), out);
    assertTrue(out.contains("Out[7]: [None]\n"), out);
    assertTrue(out.contains("Out[8]: [[1, 'two', {'three': 3.0}]]\n"), out);
    assertTrue(out.contains("Out[10]: ['dee', 'dee', 'dee', 'dee']\n"), out);
    assertTrue(out.contains("[0:pull]: NameError: name c is not defined\n"), out);
    assertTrue(out.contains("InvalidEngineID: Engine with id 9 is not registered\n"), out);
    assertTrue(out.contains("InvalidEngineID: Engine with id some is not registered\n"), out);
    assertTrue(out.contains("ValueError: targets must be a str, list, tuple or int\n"), out);
  }
}
