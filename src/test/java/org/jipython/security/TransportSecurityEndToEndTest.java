package org.jipython.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.CapabilityToken;
import org.jipython.runtime.security.Furl;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.TlsIdentity;
import org.jipython.testkit.ControllerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real controller and engine: only a peer with the port's TLS identity and the interface's
 * capability gets anything done. Each refused attempt tries to create a marker file on the
 * engine; the test asserts that the file does not exist.
 */
class TransportSecurityEndToEndTest {
  private static ControllerProcess controller;
  private static FurlFile mecFurl;
  private static Config quickConfig;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    controller = ControllerProcess.start();
    controller.startEngine();
    mecFurl = FurlFile.read(controller.furl("ipcontroller-mec.furl"));
    quickConfig = ConfigFactory.parseString("jipython.client.connect-timeout = 6s")
        .withFallback(Systems.load());
  }

  @AfterAll
  static void stop() {
    if (controller != null) {
      assertEquals(List.of(), controller.stop());
    }
  }

  private static String createMarker(Path marker) {
    return "open(r'" + marker + "', 'w').close()";
  }

  @Test
  void theRightFurlRunsCodeOnTheEngine() throws Exception {
    var marker = tmp.resolve("allowed");
    try (var mec = MultiEngineClient.connect(quickConfig, mecFurl)) {
      mec.execute(createMarker(marker), Targets.all()).toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }
    assertTrue(Files.exists(marker), "the control case must be able to create the marker");
  }

  @Test
  void aRequestWithAChangedTokenIsRefusedAndNothingRuns() throws Exception {
    var marker = tmp.resolve("changed-token");
    var f = mecFurl.furl();
    var forged = new FurlFile(new Furl(f.fingerprint(), f.host(), f.port(), f.interfaceName(),
        CapabilityToken.random()), mecFurl.identity());

    try (var mec = MultiEngineClient.connect(quickConfig, forged)) {
      var error = assertThrows(Exception.class, () -> mec.execute(createMarker(marker),
          Targets.all()).toCompletableFuture().get(60, TimeUnit.SECONDS));
      var refused = assertInstanceOf(JipythonException.class, error.getCause());
      assertEquals(FailureKind.REFUSED, refused.kind());
      var idsError = assertThrows(Exception.class,
          () -> mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS));
      assertEquals(FailureKind.REFUSED,
          ((JipythonException) idsError.getCause()).kind());
    }
    assertFalse(Files.exists(marker), "a refused request must not run");
    var logs = controller.logs();
    assertTrue(logs.contains("refused a MultiEngine request from pekko://"), logs);
    assertFalse(logs.contains(f.token().encoded()), "a log echoes the forged token");
    assertFalse(logs.contains(mecFurl.furl().token().encoded()), "a log shows the real token");
  }

  @Test
  void aPeerWithACertificateTheClientPortDoesNotTrustCannotConnect() throws Exception {
    var marker = tmp.resolve("other-certificate");
    var stranger = TlsIdentity.generate("stranger");
    var f = mecFurl.furl();
    var foreign = new FurlFile(new Furl(stranger.fingerprint(), f.host(), f.port(),
        f.interfaceName(), f.token()), stranger);

    var error = assertThrows(JipythonException.class, () -> {
      try (var mec = MultiEngineClient.connect(quickConfig, foreign)) {
        mec.execute(createMarker(marker), Targets.all()).toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
      }
    });
    assertEquals(FailureKind.CONNECTION, error.kind());
    assertFalse(Files.exists(marker));
  }

  @Test
  void aPlainTcpPekkoPeerCannotReachTheAdapter() throws Exception {
    var f = mecFurl.furl();
    var config = ConfigFactory.parseString("""
        pekko.actor.provider = remote
        pekko.remote.artery.transport = tcp
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        """).withFallback(ConfigFactory.load());
    var system = ActorSystem.create(Behaviors.empty(), "plain", config);
    try {
      var path = "pekko://" + Systems.CLIENT_PORT_SYSTEM + "@" + f.host() + ":" + f.port()
          + "/user/multiengine";
      var lookup = system.classicSystem().actorSelection(path)
          .resolveOne(Duration.ofSeconds(5)).toCompletableFuture();
      assertThrows(Exception.class, () -> lookup.get(20, TimeUnit.SECONDS));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void rawBytesOnTheClientPortGetNoAnswer() throws Exception {
    var f = mecFurl.furl();
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(f.host(), f.port()), 5000);
      socket.setSoTimeout(15000);
      socket.getOutputStream().write(
          "AKKA\u0000hello, is anybody there?\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      int answer;
      try {
        answer = socket.getInputStream().read();
      } catch (SocketException e) {
        answer = -1;
      }
      // a TLS server may send an alert record (content type 21); it never answers in plaintext
      assertTrue(answer == -1 || answer == 21, "unexpected plaintext byte " + answer);
    }
  }

}
