package org.jipython.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.serialization.SerializationExtension;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.StringTask;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.actors.internal.Systems;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.Furl;
import org.jipython.runtime.security.FurlFile;
import org.jipython.testkit.LocalCluster;
import org.jipython.testkit.RoguePeer;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real cluster ({@code ipcluster -n 2}); each furl does its one thing and nothing else. Every
 * refused attempt is checked from both sides: what the caller sees, and that the controller
 * logged it and nothing ran (no marker file, no new engine id). Some attempts come from a
 * test-only Pekko system that holds a port's TLS identity but does not follow the protocol.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CapabilityBoundariesEndToEndTest {
  private static final Duration LOG_WAIT = Duration.ofSeconds(30);

  private static LocalCluster cluster;
  private static FurlFile engineFurl;
  private static FurlFile mecFurl;
  private static FurlFile tcFurl;
  private static Config quickConfig;
  private static MultiEngineClient mec;
  private static List<Integer> ids;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(2);
    engineFurl = FurlFile.read(cluster.furl("ipcontroller-engine.furl"));
    mecFurl = FurlFile.read(cluster.furl("ipcontroller-mec.furl"));
    tcFurl = FurlFile.read(cluster.furl("ipcontroller-tc.furl"));
    quickConfig = ConfigFactory.parseString("jipython.client.connect-timeout = 6s")
        .withFallback(Systems.load());
    mec = MultiEngineClient.connect(quickConfig, mecFurl);
    ids = mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(List.of(0, 1), ids);
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

  // ---------------------------------------------------------------------------------------------
  // helpers

  private static String createMarker(Path marker) {
    return "open(r'" + marker + "', 'w').close()";
  }

  /** The text of every log file of the cluster (ipcluster, controller, engines). */
  private static String logs() throws IOException {
    var text = new StringBuilder();
    try (var files = Files.list(cluster.logDir())) {
      for (var f : files.sorted().toList()) {
        text.append(Files.readString(f));
      }
    }
    return text.toString();
  }

  /** The controller's own log. */
  private static String controllerLog() throws IOException {
    var text = new StringBuilder();
    try (var files = Files.list(cluster.logDir())) {
      for (var f : files.sorted().toList()) {
        if (f.getFileName().toString().startsWith("ipcontroller-")) {
          text.append(Files.readString(f));
        }
      }
    }
    return text.toString();
  }

  /** Waits until the controller's log holds a line with every one of {@code parts}. */
  private static String awaitControllerLogLine(String... parts) throws Exception {
    long deadline = System.nanoTime() + LOG_WAIT.toNanos();
    while (true) {
      for (var line : controllerLog().split("\n")) {
        boolean all = true;
        for (var part : parts) {
          all &= line.contains(part);
        }
        if (all) {
          return line;
        }
      }
      if (System.nanoTime() > deadline) {
        fail("no controller log line with " + List.of(parts) + " within " + LOG_WAIT
            + "; log:\n" + controllerLog());
      }
      Thread.sleep(200);
    }
  }

  private static void assertEnginesUnchanged() throws Exception {
    assertEquals(ids, mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS),
        "the engines registered with the controller changed");
  }

  private static FurlFile furl(FurlFile identityFrom, int port, String iface,
      FurlFile tokenFrom) {
    var f = identityFrom.furl();
    return new FurlFile(new Furl(f.fingerprint(), f.host(), port, iface,
        tokenFrom.furl().token()), identityFrom.identity());
  }

  private static String adapterPath(String iface) {
    var f = mecFurl.furl();
    return "pekko://" + Systems.CLIENT_PORT_SYSTEM + "@" + f.host() + ":" + f.port() + "/user/"
        + iface;
  }

  // ---------------------------------------------------------------------------------------------
  // a client with the engine furl

  @Test
  @Order(1)
  void theClientsRefuseTheEngineFurlWithAClearError() {
    var me = assertThrows(JipythonException.class,
        () -> MultiEngineClient.connect(quickConfig, engineFurl));
    assertEquals(FailureKind.REFUSED, me.kind());
    assertTrue(me.getMessage().contains("ipcontroller-mec.furl"), me.getMessage());
    var task = assertThrows(JipythonException.class,
        () -> TaskClient.connect(quickConfig, engineFurl));
    assertEquals(FailureKind.REFUSED, task.kind());
  }

  @Test
  @Order(2)
  void theEngineFurlCannotReachAnInterfaceEvenWhenTheClientIsTricked() throws Exception {
    var marker = tmp.resolve("engine-furl-as-client");
    // everything from the engine furl, only the interface name changed: the engine port has no
    // client interfaces at all
    var onEnginePort = furl(engineFurl, engineFurl.furl().port(), Furl.MULTIENGINE, engineFurl);
    var error = assertThrows(JipythonException.class, () -> {
      try (var client = MultiEngineClient.connect(quickConfig, onEnginePort)) {
        client.execute(createMarker(marker), Targets.all()).toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
      }
    });
    assertEquals(FailureKind.CONNECTION, error.kind());
    // the TLS handshake succeeds there (it is the engine identity), Artery's does not
    awaitControllerLogLine("Dropping Handshake Request from [pekko://" + Systems.CLIENT_SYSTEM,
        "addressed to unknown local address [pekko://" + Systems.CLIENT_PORT_SYSTEM + "@",
        ":" + engineFurl.furl().port() + "]");

    // the engine furl's TLS identity pointed at the client port: the handshake fails
    var onClientPort = furl(engineFurl, mecFurl.furl().port(), Furl.MULTIENGINE, engineFurl);
    var tls = assertThrows(JipythonException.class, () -> {
      try (var client = MultiEngineClient.connect(quickConfig, onClientPort)) {
        client.execute(createMarker(marker), Targets.all()).toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
      }
    });
    assertEquals(FailureKind.CONNECTION, tls.kind());
    awaitControllerLogLine("refused a TLS connection on port " + mecFurl.furl().port());

    assertFalse(Files.exists(marker), "a refused client ran code");
    assertEnginesUnchanged();
  }

  @Test
  @Order(3)
  void theEngineCapabilityIsRefusedByTheClientInterfaces() throws Exception {
    var marker = tmp.resolve("engine-token-as-client");
    // the client port's TLS identity (a client furl's), with the engine furl's capability
    var withEngineToken = furl(mecFurl, mecFurl.furl().port(), Furl.MULTIENGINE, engineFurl);
    try (var client = MultiEngineClient.connect(quickConfig, withEngineToken)) {
      var error = assertThrows(ExecutionException.class, () -> client.execute(
          createMarker(marker), Targets.all()).toCompletableFuture().get(60, TimeUnit.SECONDS));
      var refused = assertInstanceOf(JipythonException.class, error.getCause());
      assertEquals(FailureKind.REFUSED, refused.kind());
    }
    var taskWithEngineToken = furl(tcFurl, tcFurl.furl().port(), Furl.TASK, engineFurl);
    try (var client = TaskClient.connect(quickConfig, taskWithEngineToken)) {
      var error = assertThrows(ExecutionException.class, () -> client.run(
          new StringTask(createMarker(marker)))
          .toCompletableFuture().get(60, TimeUnit.SECONDS));
      assertInstanceOf(JipythonException.class, error.getCause());
      assertEquals(FailureKind.REFUSED, ((JipythonException) error.getCause()).kind());
    }
    awaitControllerLogLine("refused a MultiEngine request from pekko://");
    awaitControllerLogLine("refused a Task request from pekko://");
    assertFalse(Files.exists(marker), "a refused request ran");
    assertFalse(logs().contains(engineFurl.furl().token().encoded()), "a log shows a token");
  }

  // ---------------------------------------------------------------------------------------------
  // an engine with a client furl

  @Test
  @Order(4)
  void anEngineWithAClientFurlIsRefusedAndDoesNotRegister() throws Exception {
    // 1. the client furl file as it is: the engine says at once that it is the wrong file
    // 2. a forged engine furl with the client port, its TLS identity and the MultiEngine
    //    capability: it reaches no cluster there and gives up
    // 3. the engine port and TLS identity with the MultiEngine capability: the registry refuses
    var forgedOnClientPort = tmp.resolve("client-port-engine.furl");
    furl(mecFurl, mecFurl.furl().port(), Furl.ENGINE, mecFurl).write(forgedOnClientPort);
    var withMecToken = tmp.resolve("mec-token-engine.furl");
    furl(engineFurl, engineFurl.furl().port(), Furl.ENGINE, mecFurl).write(withMecToken);

    var engines = new ArrayList<Spawned>();
    try {
      var asIs = Spawned.script(cluster.ipythonDir(), "ipengine", "--furl-file",
          cluster.furl("ipcontroller-mec.furl").toString(), "--wait", "20");
      engines.add(asIs);
      var onClientPort = Spawned.script(cluster.ipythonDir(), "ipengine", "--furl-file",
          forgedOnClientPort.toString(), "--wait", "15");
      engines.add(onClientPort);
      var tokenRefused = Spawned.script(cluster.ipythonDir(), "ipengine", "--furl-file",
          withMecToken.toString(), "--wait", "60");
      engines.add(tokenRefused);

      asIs.awaitLine(l -> l.contains("is a furl file for the multiengine interface"),
          Duration.ofSeconds(60));
      assertEquals(2, asIs.awaitExit(Duration.ofSeconds(30)));

      tokenRefused.awaitLine(l -> l.contains("engine registration failed: refused: wrong engine "
          + "capability"), Duration.ofSeconds(90));
      assertEquals(1, tokenRefused.awaitExit(Duration.ofSeconds(30)));
      awaitControllerLogLine("refused engine registration from pekko://",
          "wrong engine capability");

      onClientPort.awaitLine(l -> l.contains("gave up"), Duration.ofSeconds(90));
      assertEquals(1, onClientPort.awaitExit(Duration.ofSeconds(30)));
      // the client port's system is not the cluster: Artery there drops the join
      awaitControllerLogLine("Dropping Handshake Request from [pekko://" + Systems.CLUSTER_SYSTEM
          + "@", "addressed to unknown local address [pekko://" + Systems.CLUSTER_SYSTEM + "@",
          ":" + mecFurl.furl().port() + "]");
      for (var e : engines) {
        assertFalse(e.output().contains("ipengine: registered"),
            "an engine with a client furl registered:\n" + e.output());
      }
    } finally {
      for (var e : engines) {
        e.close();
      }
    }
    assertEnginesUnchanged();
    assertFalse(logs().contains(mecFurl.furl().token().encoded()), "a log shows a token");
  }

  // ---------------------------------------------------------------------------------------------
  // TLS across ports

  @Test
  @Order(5)
  void aClientFurlCannotCompleteAHandshakeOnTheEnginePort() throws Exception {
    var e = engineFurl.furl();
    try (var rogue = RoguePeer.start(mecFurl.identity(), "")) {
      var controller = rogue.resolve("pekko://" + Systems.CLUSTER_SYSTEM + "@" + e.host() + ":"
          + e.port() + "/user/controller", Duration.ofSeconds(10));
      assertNull(controller, "a client identity reached the controller on the engine port");
      // the server side says so, with the port and its certificate
      awaitControllerLogLine("refused a TLS connection on port " + e.port(),
          "CN=jipython-engine-port");
      assertTrue(rogue.inbox().isEmpty(), "the engine port answered: " + rogue.inbox());
    }
    assertEnginesUnchanged();
  }

  // ---------------------------------------------------------------------------------------------
  // what the client port does with messages that are not requests

  /** Serializable but not a wire message: only Java serialization could carry it. */
  record Gadget(String path) implements Serializable {}

  @Test
  @Order(6)
  void unknownMessagesAndJavaSerializedObjectsAreDroppedAndLoggedAndServingGoesOn()
      throws Exception {
    var marker = tmp.resolve("gadget");
    var rogue = RoguePeer.start(mecFurl.identity(), """
        pekko.actor.allow-java-serialization = on
        pekko.actor.warn-about-java-serializer-usage = off
        """);
    try {
      var multiengine = rogue.resolve(adapterPath("multiengine"), Duration.ofSeconds(20));
      var task = rogue.resolve(adapterPath("task"), Duration.ofSeconds(20));
      assertNotNull(multiengine);
      assertNotNull(task);

      rogue.send(multiengine, "print 'hello'");
      rogue.send(task, "print 'hello'");
      // a wire message, but of another role: the engine's
      rogue.send(multiengine, new EngineWorker.Cancel(0, 1));
      // Java serialization is off in the controller: it must not deserialize this
      rogue.send(multiengine, new Gadget(marker.toString()));

      awaitControllerLogLine("dropped a message of unknown type java.lang.String",
          "MultiEngine interface");
      awaitControllerLogLine("dropped a message of unknown type java.lang.String",
          "Task interface");
      awaitControllerLogLine("dropped a message of unknown type "
          + EngineWorker.Cancel.class.getName());
      var javaLine = awaitControllerLogLine("Failed to deserialize message from [pekko://rogue@",
          "serializer id [1]");
      assertFalse(javaLine.contains(marker.toString()), javaLine);

      // the same connection, a proper request: the controller still serves
      rogue.send(multiengine, new MultiEngineAdapter.GetIds(mecFurl.furl().token().encoded(), 7L,
          rogue.self()));
      var reply = assertInstanceOf(MultiEngineAdapter.Reply.class,
          rogue.inbox().poll(30, TimeUnit.SECONDS));
      assertEquals(7L, reply.requestId());
      assertEquals(ids, reply.ids());
    } finally {
      rogue.closeEventually();
    }
    assertFalse(Files.exists(marker));
    assertEnginesUnchanged();
  }

  // ---------------------------------------------------------------------------------------------
  // inbound size limits

  @Test
  @Order(7)
  void anOversizedChunkedRequestIsRefusedWithAnErrorReplyAndTheControllerGoesOn()
      throws Exception {
    try (var rogue = RoguePeer.start(mecFurl.identity(), "")) {
      var multiengine = rogue.resolve(adapterPath("multiengine"), Duration.ofSeconds(20));
      assertNotNull(multiengine);
      var serializer = SerializationExtension.get(rogue.system().classicSystem())
          .serializerFor(MultiEngineAdapter.Request.class);
      var manifest = MultiEngineAdapter.Request.class.getName();
      var data = new byte[128 * 1024];
      new SecureRandom().nextBytes(data);
      // claims 4096 chunks of 128 KiB: 512 MiB, twice the controller's limit of 256 MiB
      rogue.send(multiengine, new Chunk("big-1", 0, 4096, 4096 * data.length,
          serializer.identifier(), manifest, data, 0, data.length, 11L, rogue.self()));
      var reply = assertInstanceOf(MultiEngineAdapter.Reply.class,
          rogue.inbox().poll(30, TimeUnit.SECONDS));
      assertEquals(11L, reply.requestId());
      assertNotNull(reply.refusal());
      assertEquals(FailureKind.MESSAGE_TOO_LARGE, reply.refusal().kind());
      awaitControllerLogLine("dropped a chunked message from pekko://rogue@",
          "jipython.wire.max-message-bytes");

      // the rest of that transfer is ignored without another answer
      rogue.send(multiengine, new Chunk("big-1", 1, 4096, 4096 * data.length,
          serializer.identifier(), manifest, data, 0, data.length, 11L, rogue.self()));
      rogue.send(multiengine, new MultiEngineAdapter.GetIds(mecFurl.furl().token().encoded(),
          12L, rogue.self()));
      var after = assertInstanceOf(MultiEngineAdapter.Reply.class,
          rogue.inbox().poll(30, TimeUnit.SECONDS));
      assertEquals(12L, after.requestId(), "a second answer came for the dropped transfer");
      assertEquals(ids, after.ids());
    }
  }

  @Test
  @Order(8)
  void aFrameLargerThanArteryAllowsIsRefusedAndTheControllerGoesOn() throws Exception {
    // this sender allows itself 4 MiB frames; the controller allows 256 KiB
    try (var rogue = RoguePeer.start(mecFurl.identity(), """
        pekko.remote.artery.advanced.maximum-frame-size = 4 MiB
        pekko.remote.artery.advanced.buffer-pool-size = 16
        """)) {
      var multiengine = rogue.resolve(adapterPath("multiengine"), Duration.ofSeconds(20));
      assertNotNull(multiengine);
      var random = new byte[768 * 1024];
      new SecureRandom().nextBytes(random);
      // incompressible source, sent whole: about 1 MiB in one frame
      var source = "x = '" + Base64.getEncoder().encodeToString(random) + "'";
      rogue.send(multiengine, new MultiEngineAdapter.Request(mecFurl.furl().token().encoded(),
          21L, null, new EngineOp.Execute(source), false, rogue.self()));
      assertNull(rogue.inbox().poll(10, TimeUnit.SECONDS), "an oversized frame was answered");
    }
    // nothing of it ran (x is not defined on the engines), and the controller still serves
    var pulled = assertThrows(ExecutionException.class, () -> mec.pull("x", Targets.all())
        .toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertTrue(String.valueOf(pulled.getCause()).contains("NameError"), pulled.toString());
    assertEnginesUnchanged();
    awaitControllerLogLine("closed a connection on port " + mecFurl.furl().port(),
        "over the limit of 262144", "maximum-frame-size");
  }

  // ---------------------------------------------------------------------------------------------
  // secrets stay secret

  @Test
  @Order(100)
  void noTokenOrKeyAppearsInProcessArgumentsEnvironmentsOrLogs() throws Exception {
    var secrets = new ArrayList<String>();
    for (var f : List.of(engineFurl, mecFurl, tcFurl)) {
      secrets.add(f.furl().token().encoded());
    }
    var processes = new ArrayList<>(cluster.startedProcesses());
    assertTrue(processes.size() >= 4, "ipcluster, a controller and two engines: " + processes);
    int javaProcesses = 0;
    for (var p : processes) {
      var proc = Path.of("/proc", Long.toString(p.pid()));
      if (!p.isAlive() || !Files.exists(proc)) {
        fail("process " + p.pid() + " of the cluster is gone");
      }
      var cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ');
      var environ = new String(Files.readAllBytes(proc.resolve("environ")),
          StandardCharsets.UTF_8).replace('\0', '\n');
      if (cmdline.contains("org.jipython.launcher.Main")) {
        javaProcesses++;
      }
      for (var secret : secrets) {
        assertFalse(cmdline.contains(secret), "a token in the arguments of " + p.pid());
        assertFalse(environ.contains(secret), "a token in the environment of " + p.pid());
      }
      assertFalse(cmdline.contains("PRIVATE KEY") || environ.contains("PRIVATE KEY"),
          "a key in the arguments or environment of " + p.pid());
    }
    assertTrue(javaProcesses >= 4, "expected ipcluster, the controller and two engines");

    var ps = new ProcessBuilder("ps", "-eo", "pid,args", "--no-headers", "-ww")
        .redirectErrorStream(true).start();
    var listing = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ps.waitFor());
    assertTrue(listing.contains("org.jipython.launcher.Main"), "ps shows the cluster:\n"
        + listing);
    for (var secret : secrets) {
      assertFalse(listing.contains(secret), "a token in ps output");
    }

    var allLogs = logs();
    assertTrue(allLogs.contains("registered engine with id"), "the logs are the cluster's");
    for (var secret : secrets) {
      assertFalse(allLogs.contains(secret), "a token in the logs");
    }
    assertFalse(allLogs.contains("PRIVATE KEY"), "a key in the logs");
    assertNotEquals(-1, allLogs.indexOf("refused"), "the refusals above were logged");
  }
}
