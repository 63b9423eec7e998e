package org.jipython.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.actors.client.StringTask;
import org.jipython.actors.client.Targets;
import org.jipython.actors.client.TaskClient;
import org.jipython.actors.controller.ControllerNode;
import org.jipython.actors.engine.EngineNode;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.ControllerSecrets;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.SecurityFolder;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The training run behind the class-data-sharing archive the build makes: one JVM starts a
 * controller, an engine and both clients on 127.0.0.1 in a temporary IPYTHONDIR, runs a few
 * commands through each, and exits. Started with {@code -XX:ArchiveClassesAtExit}, it leaves an
 * archive of every class those paths load, which each jipython JVM then maps instead of loading
 * and verifying the classes again (about a third less start-up CPU per JVM).
 */
@Command(name = "cds-train", hidden = true,
    description = "Exercise every role once in this JVM (for the build's CDS archive).")
final class CdsTraining implements Callable<Integer> {
  private static final long LIMIT_SECONDS = 60;

  @Override
  public Integer call() throws Exception {
    var home = Files.createTempDirectory("jipython-cds-");
    try {
      train(home);
    } finally {
      deleteTree(home);
    }
    // the help texts load picocli's model of every subcommand
    new CommandLine(new Main()).getUsageMessage();
    for (var sub : new CommandLine(new Main()).getSubcommands().values()) {
      sub.getUsageMessage();
    }
    // threads of the stopped systems may linger; the archive is written as the JVM exits
    System.exit(0);
    return 0;
  }

  private static void train(Path home) throws Exception {
    var folder = SecurityFolder.open(home);
    Logs.init("cds-train", folder.logDir(), null);
    var secrets = ControllerSecrets.generate();
    var localhost = HostAddresses.advertised("127.0.0.1");
    try (var controller = ControllerNode.start(Systems.load(), secrets,
        new ControllerNode.Addresses("127.0.0.1", localhost, 0, "127.0.0.1", localhost, 0))) {
      secrets.writeFurls(folder, localhost, controller.enginePort(), localhost,
          controller.clientPort());
      var engine = EngineNode.start(Systems.load(), new EngineNode.Options(
          FurlFile.read(folder.engineFurl()), "127.0.0.1", null, null, id -> { },
          Duration.ofSeconds(LIMIT_SECONDS)));
      try {
        engine.registered().toCompletableFuture().get(LIMIT_SECONDS, TimeUnit.SECONDS);
        exercise(folder);
      } finally {
        engine.close();
      }
    }
  }

  private static void exercise(SecurityFolder folder) throws Exception {
    try (var mec = MultiEngineClient.connect(folder.multiEngineFurl());
        var tc = TaskClient.connect(folder.taskFurl())) {
      await(mec.execute("def f(x):\n    return x * 2\nprint f(21)", Targets.all()));
      await(mec.push(Map.of("a", List.of(1, 2.5, "three", new byte[] {4})), Targets.all()));
      await(mec.pull("a", Targets.all()));
      await(mec.keys(Targets.all()));
      var id = await(tc.run(new StringTask("b = f(a[0])").push(Map.of("a", List.of(1)))
          .pull("b")));
      await(tc.getTaskResult(id, true));
      await(tc.map("f", List.of(1, 2, 3)));
    }
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(LIMIT_SECONDS, TimeUnit.SECONDS);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (var path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
