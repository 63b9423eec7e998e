package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * With fixed ports the controller reuses its furl files, so copies made once keep working across
 * restarts; {@code --new-furls} replaces them, and the old copies stop working.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FixedPortsTest {
  private static final Duration START = Duration.ofSeconds(180);
  private static Path dir;
  private static Path copies;
  private static String enginePort;
  private static String clientPort;
  private final List<Spawned> started = new ArrayList<>();

  /** A first controller writes the furl files; the copies stand for files sent to other hosts. */
  @BeforeAll
  static void firstStart() throws Exception {
    dir = Files.createTempDirectory("jipython-fixed-ports-");
    copies = Files.createDirectories(dir.resolve("copies"));
    enginePort = Integer.toString(freePort());
    clientPort = Integer.toString(freePort());
    try (var controller = Spawned.script(dir, "ipcontroller", "--engine-port", enginePort,
        "--client-port", clientPort)) {
      controller.awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
      for (var name : List.of("ipcontroller-engine.furl", "ipcontroller-mec.furl")) {
        Files.copy(dir.resolve("security").resolve(name), copies.resolve(name),
            StandardCopyOption.COPY_ATTRIBUTES);
      }
      assertEquals(List.of(), controller.stop(Duration.ofSeconds(20)));
    }
  }

  @AfterEach
  void stopEverything() {
    var killed = new ArrayList<ProcessHandle>();
    for (int i = started.size() - 1; i >= 0; i--) {
      killed.addAll(started.get(i).stop(Duration.ofSeconds(20)));
    }
    assertEquals(List.of(), killed, "processes that ignored SIGTERM");
  }

  private Spawned script(String name, String... args) throws Exception {
    var process = Spawned.script(dir, name, args);
    started.add(process);
    return process;
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Config quickConfig() {
    return ConfigFactory.parseString("jipython.client.connect-timeout = 6s")
        .withFallback(Systems.load());
  }

  @Test
  @Order(1)
  void theOldFurlFilesKeepWorkingAcrossAControllerRestartWithFixedPorts() throws Exception {
    var controller = script("ipcontroller", "--engine-port", enginePort, "--client-port",
        clientPort);
    controller.awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
    script("ipengine", "--furl-file", copies.resolve("ipcontroller-engine.furl").toString())
        .awaitLine(l -> l.contains("ipengine: registered as engine 0"), START);

    for (var name : List.of("ipcontroller-engine.furl", "ipcontroller-mec.furl")) {
      assertEquals(Files.readString(copies.resolve(name)),
          Files.readString(dir.resolve("security").resolve(name)), name + " was rewritten");
    }
    try (var mec = MultiEngineClient.connect(copies.resolve("ipcontroller-mec.furl"))) {
      assertEquals(List.of(0), mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS));
      var out = mec.execute("print 6 * 7", Targets.all()).toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
      assertEquals("42\n", out.get(0).stdout());
    }
  }

  @Test
  @Order(2)
  void newFurlsMakesTheOldFilesFail() throws Exception {
    var controller = script("ipcontroller", "--engine-port", enginePort, "--client-port",
        clientPort, "--new-furls");
    controller.awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
    var newMec = dir.resolve("security/ipcontroller-mec.furl");
    assertNotEquals(Files.readString(copies.resolve("ipcontroller-mec.furl")),
        Files.readString(newMec));

    var refused = assertThrows(JipythonException.class, () -> {
      try (var mec = MultiEngineClient.connect(quickConfig(),
          FurlFile.read(copies.resolve("ipcontroller-mec.furl")))) {
        mec.getIds().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    });
    assertEquals(org.jipython.runtime.error.FailureKind.CONNECTION, refused.kind());
    try (var mec = MultiEngineClient.connect(newMec)) {
      assertEquals(List.of(), mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS));
    }
    // an engine with the old engine file reaches the port but cannot join: it gives up
    var engine = script("ipengine", "--wait", "20", "--furl-file",
        copies.resolve("ipcontroller-engine.furl").toString());
    assertEquals(1, engine.awaitExit(START));
    assertTrue(engine.output().contains("gave up: could not join the controller at 127.0.0.1:"
        + enginePort), engine.output());
  }
}
