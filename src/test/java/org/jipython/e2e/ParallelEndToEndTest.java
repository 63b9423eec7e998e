package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jipython.testkit.ConsoleRun;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scatter, gather, map, mapper, parallel and the function transport (push_function,
 * pull_function), typed into the real console against {@code ipcluster -n 4}. Each session
 * prints what it checks after a label, so the assertions do not depend on prompt numbers.
 */
class ParallelEndToEndTest {
  private static final String CONNECT = """
      from ipython1.kernel import client
      mec = client.MultiEngineClient()
      """;

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
        assertFalse(p.isAlive(), "process " + p.pid() + " survived ipcluster");
      }
    }
  }

  @Test
  void zipPullTransposesAndScatterCutsBlocksThatGatherJoins() throws Exception {
    var out = session("""
        mec.push(dict(a=1.03234, b=3453))
        print 'zip', mec.zip_pull(('a', 'b'))
        print 'zip one key', mec.zip_pull('a')
        print 'zip int target', mec.zip_pull(('a', 'b'), targets=1)
        print 'scatter16', mec.scatter('a', range(16))
        print 'pieces16', mec.pull('a')
        print 'gather16', mec.gather('a')
        mec.scatter('x', range(10))
        print 'pieces10', mec.pull('x')
        mec.scatter('x', range(4), flatten=True)
        print 'flat', mec.pull('x')
        print 'gather flat', mec.gather('x')
        mec.scatter('t', tuple(range(6)), targets=[3, 1])
        print 'tuples', mec.pull('t', targets=[1, 3]), mec.gather('t', targets=[3, 1])
        mec.scatter('s', 'abcdefg')
        print 'strings', mec.gather('s')
        print 'no targets', mec.scatter('x', range(4), targets=[])
        """);

    assertTrue(out.contains("\nzip [(1.03234, 1.03234, 1.03234, 1.03234), "
        + "(3453, 3453, 3453, 3453)]\n"), out);
    assertTrue(out.contains("\nzip one key [1.03234, 1.03234, 1.03234, 1.03234]\n"), out);
    assertTrue(out.contains("\nzip int target [1.03234, 3453]\n"), out);
    assertTrue(out.contains("\nscatter16 [None, None, None, None]\n"), out);
    // engine k holds range(4k, 4k + 4)
    assertTrue(out.contains("\npieces16 [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], "
        + "[12, 13, 14, 15]]\n"), out);
    assertTrue(out.contains("\ngather16 " + range(0, 16) + "\n"), out);
    assertTrue(out.contains("\npieces10 [[0, 1, 2], [3, 4, 5], [6, 7], [8, 9]]\n"), out);
    assertTrue(out.contains("\nflat [0, 1, 2, 3]\n"), out);
    // scalars are not sequences: the pieces come back as they are
    assertTrue(out.contains("\ngather flat [0, 1, 2, 3]\n"), out);
    // position in the target list decides the piece, not the id; tuples join into a list
    assertTrue(out.contains("\ntuples [(3, 4, 5), (0, 1, 2)] [0, 1, 2, 3, 4, 5]\n"), out);
    assertTrue(out.contains("\nstrings ['ab', 'cd', 'ef', 'g']\n"), out);
    assertTrue(out.contains("\nno targets []\n"), out);
    assertFalse(out.contains("Traceback"), out);
  }

  @Test
  void mapGivesTheSameAnswerAsTheBuiltinMapAlsoWithFewerItemsThanEngines() throws Exception {
    var out = session("""
        print 'map', mec.map(lambda x: x**10, range(32)) == map(lambda x: x**10, range(32))
        print 'fewer', mec.map(lambda x: x * 2, range(3))
        print 'none', mec.map(lambda x: x * 2, [])
        print 'two', mec.map(lambda x, y: x + y, range(6), range(10, 16))
        @mec.parallel()
        def twice(x):
            return 2 * x

        print 'parallel', twice(range(10))
        print 'mapper', mec.mapper(targets=[1, 3]).map(lambda s: s.upper(), 'abcde')
        print 'raw str', mec.raw_map('str', [range(5)])
        print 'raw two', mec.raw_map('max', (range(4), [3, 2, 1, 0]))
        print 'helpers', [k for k in mec.keys(targets=0)[0] if k.startswith('_ipython_map')]
        mec.block = False
        pr = mec.map(lambda x: -x, range(5))
        mec.block = True
        print 'pending', pr.r
        """);

    assertTrue(out.contains("\nmap True\n"), out);
    // the original failed here: the empty piece ran map(f) with no sequence (quirk 3)
    assertTrue(out.contains("\nfewer [0, 2, 4]\n"), out);
    assertTrue(out.contains("\nnone []\n"), out);
    assertTrue(out.contains("\ntwo [10, 12, 14, 16, 18, 20]\n"), out);
    assertTrue(out.contains("\nparallel [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]\n"), out);
    assertTrue(out.contains("\nmapper ['A', 'B', 'C', 'D', 'E']\n"), out);
    assertTrue(out.contains("\nraw str ['0', '1', '2', '3', '4']\n"), out);
    assertTrue(out.contains("\nraw two [3, 2, 2, 3]\n"), out);
    assertTrue(out.contains("\nhelpers ['_ipython_map_func', '_ipython_map_seq', "
        + "'_ipython_map_seq_result']\n"), out);
    assertTrue(out.contains("\npending [0, -1, -2, -3, -4]\n"), out);
    assertFalse(out.contains("Traceback"), out);
  }

  @Test
  void aPushedFunctionUsesTheEngineNamespaceAndAPulledOneWorksHere() throws Exception {
    var out = session("""
        K = 3
        mec.push(dict(K=10))
        def f(x):
            return x * K

        print 'pushed', mec.push_function(dict(f=f))
        mec.execute('y = f(4.0)')
        print 'y', mec.pull('y')
        g = mec.pull_function('f', targets=0)[0]
        print 'pulled', g.__name__, g(2)
        def power(x, n=K + 1):
            return x ** n

        mec.push_function(dict(power=power))
        mec.execute('p = power(2)')
        print 'defaults survive', mec.pull('p', targets=2)
        mec.execute('def h(x):\\n    return x + 100\\nsq = lambda v: v * v')
        pulled = mec.pull_function(('h', 'sq'), targets=[0, 1])
        print 'engine functions', [(h(1), sq(3)) for h, sq in pulled]
        mec.execute('def last(x):\\n    return x - 1')
        print 'no newline at the end', mec.pull_function('last', targets=1)[0](10)
        def accent(x):
            return u'é' * x

        mec.push_function(dict(accent=accent))
        mec.execute('r = accent(2)')
        print 'non-ascii', repr(mec.pull('r', targets=0)[0])
        one = mec.pull_function(['sq'], targets=[2])
        print 'one key', one[0](4)
        mec.push_function(dict(sq_again=one[0]), targets=3)
        mec.execute('s = sq_again(5)', targets=3)
        print 'round trip', mec.pull('s', targets=3)
        """);

    assertTrue(out.contains("\npushed [None, None, None, None]\n"), out);
    assertTrue(out.contains("\ny [40.0, 40.0, 40.0, 40.0]\n"), out);
    // rebuilt with this console's globals, where K is 3
    assertTrue(out.contains("\npulled f 6\n"), out);
    // the original lost default values (quirk 19); n = K + 1 was evaluated here, as 4
    assertTrue(out.contains("\ndefaults survive [16]\n"), out);
    assertTrue(out.contains("\nengine functions [(101, 9), (101, 9)]\n"), out);
    assertTrue(out.contains("\nno newline at the end 9\n"), out);
    // the source travels as unicode, decoded as the console read it (UTF-8)
    assertTrue(out.contains("\nnon-ascii u'\\xe9\\xe9'\n"), out);
    assertTrue(out.contains("\none key 16\n"), out);
    assertTrue(out.contains("\nround trip [25]\n"), out);
    assertFalse(out.contains("Traceback"), out);
  }

  @Test
  void functionsThatCannotTravelAreRefusedWithTheReason() throws Exception {
    var out = session("""
        ns = {}
        exec "def made(x): return x" in ns
        mec.push_function(dict(f=ns['made']))
        def outer():
            v = 1
            def inner():
                return v
            return inner

        mec.push_function(dict(f=outer()))
        mec.push_function(dict(f=len))
        mec.map(len, ['a'])
        mec.raw_map(len, [['a']])
        mec.map(lambda x, y: x, [1], [1, 2])
        from ipython1.kernel import codeutil
        codeutil.can(len)
        """);

    assertTrue(out.contains("ValueError: cannot find the source of function made: it was not "
        + "defined in a file or in the jipython console (its code says it comes from "
        + "<string>), and jipython sends functions as source; define it in a file or in the "
        + "console\n"), out);
    assertTrue(out.contains("ValueError: Sorry, cannot pickle code objects with closures\n"),
        out);
    assertTrue(out.contains("CompositeError: one or more exceptions from call to method: "
        + "push_function\n" + engineLines("push_function", "TypeError: function object expected")),
        out);
    assertTrue(out.contains("AssertionError: func must be a function or str\n"), out);
    assertTrue(out.contains("TypeError: func must be a function or str\n"), out);
    assertTrue(out.contains("ValueError: all sequences must have equal length\n"), out);
    assertTrue(out.contains("ValueError: cannot send len: it is a builtin function, with no "
        + "Python source to send;"), out);
  }

  @Test
  void gatherOfAMissingNameAndScatterToAnUnknownEngineFail() throws Exception {
    var out = session("""
        mec.gather('not_there')
        mec.scatter('x', range(4), targets=[0, 7])
        mec.scatter('x', range(4), targets='some')
        mec.scatter('x', {1: 2})
        mec.scatter('x', range(4), dist='r')
        """);

    assertTrue(out.contains("CompositeError: one or more exceptions from call to method: gather\n"
        + engineLines("pull", "NameError: name not_there is not defined")), out);
    assertTrue(out.contains("InvalidEngineID: engine with id 7 does not exist\n"), out);
    assertTrue(out.contains("InvalidEngineID: engine with id 'some' does not exist\n"), out);
    assertTrue(out.contains("TypeError: unhashable type"), out);
    assertTrue(out.contains("ValueError: unknown distribution 'r': the only one is 'b' "
        + "(block)\n"), out);
  }

  @Test
  void aMillionIntsAreScatteredAndGatheredWhole() throws Exception {
    // values larger than one transport frame travel in chunks, so no MessageSizeError here
    var out = session("""
        print 'scatter', mec.scatter('x', range(1000000))
        print 'sizes', mec.execute('n = len(x)') and mec.pull('n')
        print 'gather', len(mec.gather('x')), mec.gather('x') == range(1000000)
        """);

    assertTrue(out.contains("\nscatter [None, None, None, None]\n"), out);
    assertTrue(out.contains("\nsizes [250000, 250000, 250000, 250000]\n"), out);
    assertTrue(out.contains("\ngather 1000000 True\n"), out);
    assertFalse(out.contains("Traceback"), out);
  }

  @Test
  void thePartitionFollowsTheBlockFormulaAndJoinFollowsTheFirstPiece() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel.map import partition, join
        for L in range(13):
            for q in range(1, 6):
                print 'piece', L, q, [partition(range(L), p, q) for p in range(q)]

        print 'join', join([[1, 2], (3,)]), join([(1,), (2,)]), join([1, 2]), join(['ab', 'c'])
        print 'join', join([{'a': 1}]), join([])
        """);
    var out = run.stdout();

    var expected = new ArrayList<String>();
    for (int length = 0; length <= 12; length++) {
      for (int q = 1; q <= 5; q++) {
        var pieces = new ArrayList<String>();
        int b = length / q;
        int r = length % q;
        for (int p = 0; p < q; p++) {
          int lo = p < r ? p * (b + 1) : p * b + r;
          int hi = p < r ? lo + b + 1 : lo + b;
          pieces.add(range(lo, hi));
        }
        expected.add("piece " + length + " " + q + " [" + String.join(", ", pieces) + "]");
      }
    }
    var printed = out.lines().filter(line -> line.startsWith("piece ")).toList();
    assertEquals(expected, printed, out);
    assertTrue(out.contains("\njoin [1, 2, 3] [1, 2] [1, 2] ['ab', 'c']\n"), out);
    assertTrue(out.contains("\njoin [{'a': 1}] []\n"), out);
    assertEquals(0, run.exitCode());
  }

  /** Runs {@code body} after connecting; returns what the console printed. */
  private static String session(String body) throws Exception {
    ConsoleRun run = cluster.console(CONNECT + body);
    assertEquals(0, run.exitCode(), run.stdout() + run.stderr());
    return run.stdout();
  }

  /** Python's repr of {@code range(lo, hi)}. */
  private static String range(int lo, int hi) {
    return IntStream.range(lo, hi).mapToObj(Integer::toString)
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** The CompositeError lines of all four engines for one error. */
  private static String engineLines(String method, String error) {
    return IntStream.range(0, 4).mapToObj(k -> "[" + k + ":" + method + "]: " + error + "\n")
        .collect(Collectors.joining());
  }
}
