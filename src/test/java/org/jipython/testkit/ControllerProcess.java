package org.jipython.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code scripts/ipcontroller} (and engines started one by one with
 * {@code scripts/ipengine}) in a fresh IPYTHONDIR; every process is stopped by PID on close.
 */
public final class ControllerProcess implements AutoCloseable {
  private final Path ipythonDir;
  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());

  private ControllerProcess(Path ipythonDir) {
    this.ipythonDir = ipythonDir;
  }

  /** Starts ipcontroller with these arguments and waits until it is ready. */
  public static ControllerProcess start(String... args) throws IOException {
    var controller = new ControllerProcess(Files.createTempDirectory("jipython-test-"));
    var command = new ArrayList<>(List.of(Home.script("ipcontroller").toString()));
    command.addAll(List.of(args));
    controller.launch(command, "ipcontroller: ready");
    return controller;
  }

  /** Starts an engine with these arguments and waits until it has registered. */
  public ProcessHandle startEngine(String... args) throws IOException {
    var command = new ArrayList<>(List.of(Home.script("ipengine").toString()));
    command.addAll(List.of(args));
    return launch(command, "ipengine: registered as engine ");
  }

  private ProcessHandle launch(List<String> command, String readyLine) throws IOException {
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("IPYTHONDIR", ipythonDir.toString());
    var process = builder.start();
    processes.add(process);
    process.getOutputStream().close();
    var ready = new CompletableFuture<Void>();
    var seen = Collections.synchronizedList(new ArrayList<String>());
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          seen.add(line);
          if (line.startsWith(readyLine)) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // ended; see below
      }
      ready.completeExceptionally(new IllegalStateException(command.get(0) + " ended:\n"
          + String.join("\n", seen)));
    }, "test-process-output");
    reader.setDaemon(true);
    reader.start();
    try {
      ready.get(180, TimeUnit.SECONDS);
    } catch (Exception e) {
      close();
      throw new IllegalStateException(command + " did not get ready: " + e.getMessage(), e);
    }
    return process.toHandle();
  }

  public Path ipythonDir() {
    return ipythonDir;
  }

  public Path furl(String name) {
    return ipythonDir.resolve("security").resolve(name);
  }

  /** The text of every log file of this controller's IPYTHONDIR. */
  public String logs() throws IOException {
    var text = new StringBuilder();
    try (var files = Files.list(ipythonDir.resolve("log"))) {
      for (var f : files.sorted().toList()) {
        text.append(Files.readString(f));
      }
    }
    return text.toString();
  }

  /** Stops engines first, then the controller; returns the processes that had to be killed. */
  public List<ProcessHandle> stop() {
    var killed = new ArrayList<ProcessHandle>();
    var all = new ArrayList<>(processes);
    Collections.reverse(all);
    for (var p : all) {
      killed.addAll(Processes.stop(p.toHandle(), Processes.tree(p.toHandle()),
          Duration.ofSeconds(20)));
    }
    return killed;
  }

  @Override
  public void close() {
    stop();
  }
}
