package org.jipython.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ipcluster -n N}: a controller and N engines on this machine, supervised. Ctrl-C or
 * SIGTERM stops every process it started; an engine that crashes is started again.
 */
@Command(name = "ipcluster", mixinStandardHelpOptions = true,
    description = "Start a controller and N engines on this machine; Ctrl-C stops them all.")
final class IpCluster implements Callable<Integer> {

  @Mixin Ipythondir ipythondir;

  @Parameters(arity = "0..1", paramLabel = "MODE", defaultValue = "local",
      description = "Where engines run: local (default).")
  String mode;

  @Option(names = {"-n", "--num"}, paramLabel = "N", defaultValue = "2",
      description = "Number of engines (default: ${DEFAULT-VALUE}).")
  int engines;

  @Option(names = "--restarts", paramLabel = "K", defaultValue = "3",
      description = "How many times a crashed engine is started again (default: ${DEFAULT-VALUE}).")
  int restarts;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for the cluster to come up (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  private final List<Process> children = new CopyOnWriteArrayList<>();
  private final TreeSet<Integer> registered = new TreeSet<>();
  private volatile boolean stopping;
  private Logger log;
  private Path ipythonDirPath;

  @Override
  public Integer call() throws Exception {
    if (!mode.equals("local")) {
      System.err.println("ipcluster: unknown mode '" + mode + "' (this version has: local)");
      return 2;
    }
    if (engines < 1) {
      System.err.println("ipcluster: -n must be at least 1");
      return 2;
    }
    var folder = ipythondir.open();
    ipythonDirPath = folder.dir().getParent();
    var logFile = Logs.init("ipcluster", folder.logDir(), null);
    log = LoggerFactory.getLogger(IpCluster.class);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "jipython-ipcluster-stop"));

    long t0 = System.nanoTime();
    var ready = new CompletableFuture<Void>();
    var controller = ChildJvm.start("controller", List.of("ipcontroller", "--ipythondir",
        ipythonDirPath.toString(), "--parent-pid", pid()), line -> {
          log.info("[ipcontroller] {}", line);
          if (line.equals(IpController.READY)) {
            ready.complete(null);
          }
        });
    children.add(controller);
    log.info("Process ipcontroller has started with pid={}", controller.pid());
    controller.onExit().thenRun(() -> {
      if (!stopping) {
        log.error("the controller exited (code {}); stopping the cluster", controller.exitValue());
        System.err.println("ipcluster: the controller exited; stopping the cluster");
        System.exit(1);
      }
    });
    try {
      ready.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("ipcluster: the controller did not start within " + timeoutSeconds
          + " s; see " + folder.logDir());
      return 1;
    }
    log.info("Controller started");

    var allRegistered = new CompletableFuture<Void>();
    for (int i = 0; i < engines; i++) {
      startEngine(i, restarts, allRegistered);
    }
    try {
      allRegistered.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("ipcluster: only " + registeredCount() + " of " + engines
          + " engines registered within " + timeoutSeconds + " s; see " + folder.logDir());
      return 1;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.info("cluster up in {} s", String.format("%.2f", seconds));
    System.out.printf("ipcluster: a controller and %d engines are up (ids %s) in %.1f s.%n",
        engines, ids(), seconds);
    System.out.println("ipcluster: connect with scripts/jipython, then:");
    System.out.println("    from ipython1.kernel import client");
    System.out.println("    mec = client.MultiEngineClient()");
    System.out.println("ipcluster: furl files in " + folder.dir());
    System.out.println("ipcluster: logs in " + folder.logDir() + " (this process: " + logFile
        + ")");
    System.out.println("ipcluster: stop with Ctrl-C, or kill -TERM " + pid());
    System.out.flush();
    controller.waitFor();
    return stopping ? 0 : 1;
  }

  private void startEngine(int slot, int restartsLeft, CompletableFuture<Void> allRegistered) {
    if (stopping) {
      return;
    }
    try {
      var engine = ChildJvm.start("engine", List.of("ipengine", "--ipythondir",
          ipythonDirPath.toString(), "--parent-pid", pid()), line -> {
            log.info("[ipengine {}] {}", slot, line);
            if (line.startsWith(IpEngine.REGISTERED)) {
              int id = Integer.parseInt(line.substring(IpEngine.REGISTERED.length()).trim());
              synchronized (registered) {
                registered.add(id);
                if (registered.size() >= engines) {
                  allRegistered.complete(null);
                }
              }
            }
          });
      children.add(engine);
      log.info("starting engine: {} (pid {})", slot, engine.pid());
      engine.onExit().thenAccept(p -> {
        children.remove(p);
        if (stopping) {
          return;
        }
        if (p.exitValue() == 0) {
          log.info("engine {} (pid {}) exited normally", slot, p.pid());
          return;
        }
        if (restartsLeft <= 0) {
          log.error("engine {} (pid {}) crashed (code {}); no restarts left", slot, p.pid(),
              p.exitValue());
          return;
        }
        log.warn("engine {} (pid {}) crashed (code {}); starting it again", slot, p.pid(),
            p.exitValue());
        startEngine(slot, restartsLeft - 1, allRegistered);
      });
    } catch (java.io.IOException e) {
      log.error("could not start engine {}", slot, e);
    }
  }

  private void stopAll() {
    stopping = true;
    if (log != null) {
      log.info("Stopping local cluster");
    }
    var live = new ArrayList<>(children);
    // engines first, so the controller sees them leave; then the controller
    for (int i = live.size() - 1; i >= 0; i--) {
      live.get(i).destroy();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (var p : live) {
      try {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
    if (log != null) {
      log.info("all {} processes stopped", live.size());
    }
  }

  private int registeredCount() {
    synchronized (registered) {
      return registered.size();
    }
  }

  private String ids() {
    synchronized (registered) {
      return registered.toString().replace("[", "").replace("]", "");
    }
  }

  private static String pid() {
    return Long.toString(ProcessHandle.current().pid());
  }
}
