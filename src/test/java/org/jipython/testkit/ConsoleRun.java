package org.jipython.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One run of {@code scripts/jipython} with a session on standard input. */
public record ConsoleRun(int exitCode, String stdout, String stderr) {

  public static ConsoleRun run(Path ipythonDir, String session, Duration timeout)
      throws IOException, InterruptedException {
    var builder = new ProcessBuilder(Home.script("jipython").toString());
    builder.environment().put("IPYTHONDIR", ipythonDir.toString());
    var process = builder.start();
    var out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    var err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    try (var in = process.getOutputStream()) {
      in.write(session.getBytes(StandardCharsets.UTF_8));
    }
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      Processes.stop(process.toHandle(), Processes.tree(process.toHandle()), Duration.ofSeconds(5));
      throw new IllegalStateException("the console did not finish within " + timeout
          + "; it printed:\n" + out.getNow("") + err.getNow(""));
    }
    return new ConsoleRun(process.exitValue(), out.join(), err.join());
  }

  private static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
