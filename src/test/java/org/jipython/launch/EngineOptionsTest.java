package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.Targets;
import org.jipython.testkit.ControllerProcess;
import org.jipython.testkit.Home;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One engine started by hand the way a launcher would: {@code --classpath} with a jar built by
 * the test, and the environment MPICH's mpiexec gives rank 2 of 3.
 */
class EngineOptionsTest {
  private static Path work;
  private static ControllerProcess controller;
  private static Spawned engine;
  private static MultiEngineClient mec;

  @BeforeAll
  static void start() throws Exception {
    work = Files.createTempDirectory("jipython-engine-options-");
    var jar = buildJar(work);
    controller = ControllerProcess.start();
    engine = Spawned.start(
        List.of(Home.script("ipengine").toString(), "--classpath", jar.toString()),
        Map.of("IPYTHONDIR", controller.ipythonDir().toString(),
            "PMI_RANK", "2", "PMI_SIZE", "3"));
    engine.awaitLine(l -> l.contains("ipengine: registered as engine "), Duration.ofSeconds(180));
    mec = MultiEngineClient.connect(controller.furl("ipcontroller-mec.furl"));
  }

  @AfterAll
  static void stop() {
    if (mec != null) {
      mec.close();
    }
    var killed = new ArrayList<ProcessHandle>();
    if (engine != null) {
      killed.addAll(engine.stop(Duration.ofSeconds(20)));
    }
    if (controller != null) {
      killed.addAll(controller.stop());
    }
    assertEquals(List.of(), killed, "processes that ignored SIGTERM");
  }

  /** A jar with {@code some.pkg.SomeClass}, compiled from source here. */
  private static Path buildJar(Path dir) throws IOException {
    var source = dir.resolve("src/some/pkg/SomeClass.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, """
        package some.pkg;
        public class SomeClass {
          public static String hello(String who) { return "hello " + who + " from a jar"; }
          public int twice(int n) { return 2 * n; }
        }
        """);
    var classes = Files.createDirectories(dir.resolve("classes"));
    var compiler = ToolProvider.getSystemJavaCompiler();
    assertEquals(0, compiler.run(null, null, null, "-d", classes.toString(), source.toString()));
    var jar = dir.resolve("some.jar");
    try (var out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (var name : List.of("some/", "some/pkg/", "some/pkg/SomeClass.class")) {
        out.putNextEntry(new JarEntry(name));
        if (!name.endsWith("/")) {
          out.write(Files.readAllBytes(classes.resolve(name)));
        }
        out.closeEntry();
      }
    }
    return jar;
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void engineCodeImportsClassesFromTheClasspathJar() throws Exception {
    await(mec.execute("from some.pkg import SomeClass\n"
        + "greeting = SomeClass.hello('jython')\n"
        + "doubled = SomeClass().twice(21)", Targets.all()));

    assertEquals(List.of("hello jython from a jar"), await(mec.pull("greeting", Targets.all())));
    assertEquals(List.of(42), await(mec.pull("doubled", Targets.all())));
  }

  @Test
  void anEngineStartedByMpichAsksForItsRankAsIdAndKnowsRankAndSize() throws Exception {
    assertEquals(List.of(2), await(mec.getIds()));
    await(mec.execute("r, s = mpi.rank, mpi.size\nkind = mpi.launcher", Targets.all()));

    assertEquals(List.of(2), await(mec.pull("r", Targets.all())));
    assertEquals(List.of(3), await(mec.pull("s", Targets.all())));
    assertEquals(List.of("MPICH/PMI"), await(mec.pull("kind", Targets.all())));
    var log = controller.logs();
    assertTrue(log.contains("MPI started with rank = 2 and size = 3"), log);
    assertTrue(log.contains("registered engine with id: 2"), log);
  }
}
