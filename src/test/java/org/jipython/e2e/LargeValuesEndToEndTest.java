package org.jipython.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.testkit.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values far larger than one transport frame (256 KiB) move whole, in both directions, and a
 * value over the configured limit gets a clear error instead of a silent drop or a hang.
 */
class LargeValuesEndToEndTest {
  private static LocalCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(4);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      assertEquals(List.of(), cluster.stop());
    }
  }

  @Test
  void aTenMegabyteStringGoesToFourEnginesAndComesBackEqual() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel import client
        mec = client.MultiEngineClient()
        s = ''.join(chr(i % 251) for i in xrange(10 * 1000 * 1000))
        mec.push(dict(s=s))
        mec.execute('n = len(s); h = hash(s)')
        mec.pull('n')
        back = mec.pull('s')
        [b == s for b in back]
        """);
    var out = run.stdout();
    assertTrue(out.contains("Out[4]: [None, None, None, None]\n"), out);
    assertTrue(out.contains("Out[6]: [10000000, 10000000, 10000000, 10000000]\n"), out);
    assertTrue(out.contains("Out[8]: [True, True, True, True]\n"), out);
  }

  @Test
  void aTaskPushesAndPullsValuesLargerThanOneFrame() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel import client
        tc = client.TaskClient()
        s = 'z' * 3000000
        r = tc.run(client.StringTask('t = s[::-1] + "!"', push=dict(s=s), pull='t'), block=True)
        len(r.ns.t), r.ns.t[-2:]
        """);
    assertTrue(run.stdout().contains("Out[5]: (3000001, 'z!')\n"), run.stdout());
  }

  @Test
  void aMegabyteOfPrintedOutputReachesTheClient() throws Exception {
    var run = cluster.console("""
        from ipython1.kernel import client
        mec = client.MultiEngineClient()
        r = mec.execute('print "y" * 1000000', targets=[1, 2])
        [len(m['stdout']) for m in r]
        """);
    assertTrue(run.stdout().contains("Out[4]: [1000001, 1000001]\n"), run.stdout());
  }

  @Test
  void largeByteArraysMoveThroughTheJavaApi() throws Exception {
    var data = new byte[3_000_000];
    new Random(42).nextBytes(data);
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      mec.push(Map.of("blob", data), Targets.of(0, 3)).toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      var back = mec.pull("blob", Targets.of(3, 0)).toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      assertArrayEquals(data, (byte[]) back.get(0));
      assertArrayEquals(data, (byte[]) back.get(1));
    }
  }

  @Test
  void aValueOverTheConfiguredLimitIsRefusedWithMessageSizeError() throws Exception {
    var config = ConfigFactory.parseString("jipython.wire.max-message-bytes = 1 MiB")
        .withFallback(Systems.load());
    var furl = FurlFile.read(cluster.furl("ipcontroller-mec.furl"));
    try (var mec = MultiEngineClient.connect(config, furl)) {
      var error = assertThrows(Exception.class, () -> mec.push(Map.of("big",
          new byte[2_000_000]), Targets.all()).toCompletableFuture().get(60, TimeUnit.SECONDS));
      var refused = assertInstanceOf(JipythonException.class, error.getCause());
      assertEquals(FailureKind.MESSAGE_TOO_LARGE, refused.kind());
      assertTrue(refused.getMessage().contains("jipython.wire.max-message-bytes"));
      // and the client is still usable
      assertEquals(4, mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS).size());
    }
  }
}
