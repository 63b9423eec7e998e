package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The original needed the controller first. Here an engine started first waits for the furl
 * file and for the controller to listen, and joins when it appears, or gives up after --wait.
 */
class StartOrderTest {
  private static final Duration START = Duration.ofSeconds(180);
  private final List<Spawned> started = new ArrayList<>();

  @AfterEach
  void stopEverything() {
    var killed = new ArrayList<ProcessHandle>();
    // engines first, then controllers
    for (int i = started.size() - 1; i >= 0; i--) {
      killed.addAll(started.get(i).stop(Duration.ofSeconds(20)));
    }
    assertEquals(List.of(), killed, "processes that ignored SIGTERM");
  }

  private Spawned script(Path dir, String name, String... args) throws Exception {
    var process = Spawned.script(dir, name, args);
    started.add(process);
    return process;
  }

  private static List<Integer> ids(Path dir) {
    try (var mec = MultiEngineClient.connect(dir.resolve("security/ipcontroller-mec.furl"))) {
      return mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String logs(Path dir) throws Exception {
    var text = new StringBuilder();
    try (var files = Files.list(dir.resolve("log"))) {
      for (var f : files.sorted().toList()) {
        text.append(Files.readString(f));
      }
    }
    return text.toString();
  }

  @Test
  void anEngineStartedBeforeTheControllerWaitsForTheFurlFileAndJoinsWhenItAppears()
      throws Exception {
    var dir = Files.createTempDirectory("jipython-start-order-");
    var engine = script(dir, "ipengine", "--wait", "240");
    engine.awaitLine(l -> l.contains("ipengine: waiting for the engine furl file"), START);

    script(dir, "ipcontroller").awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
    engine.awaitLine(l -> l.contains("ipengine: registered as engine 0"), START);

    assertEquals(List.of(0), ids(dir));
    assertTrue(logs(dir).contains("waiting for the engine furl file"), logs(dir));
  }

  @Test
  void anEngineWithAStaleFurlFileWaitsForTheControllerAndReadsItsNewFile() throws Exception {
    var dir = Files.createTempDirectory("jipython-start-order-");
    var first = script(dir, "ipcontroller");
    first.awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
    assertEquals(List.of(), first.stop(Duration.ofSeconds(20)));
    var stale = Files.readString(dir.resolve("security/ipcontroller-engine.furl"));

    var engine = script(dir, "ipengine", "--wait", "240");
    engine.awaitLine(l -> l.contains("ipengine: waiting for the controller to listen at "),
        START);
    script(dir, "ipcontroller").awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
    engine.awaitLine(l -> l.contains("ipengine: registered as engine 0"), START);

    // random ports: the second controller wrote a new file, and the engine used it
    assertTrue(!stale.equals(Files.readString(dir.resolve("security/ipcontroller-engine.furl"))));
    assertEquals(List.of(0), ids(dir));
  }

  @Test
  void anEngineWithoutAControllerGivesUpAfterWaitWithAClearError() throws Exception {
    var dir = Files.createTempDirectory("jipython-start-order-");
    var engine = script(dir, "ipengine", "--wait", "3");

    assertEquals(1, engine.awaitExit(START));
    assertTrue(engine.output().contains("ipengine: gave up after 3 s waiting for the engine furl "
        + "file " + dir.resolve("security/ipcontroller-engine.furl")), engine.output());
  }
}
