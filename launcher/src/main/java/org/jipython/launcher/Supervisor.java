package org.jipython.launcher;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * What ipcluster started, supervised: engine processes (local engines, ssh sessions, an mpirun
 * job) are started again when they crash, registrations are counted from their output, and
 * {@link #stopAll()} ends everything, by pid, down to mpirun's ranks and remote engines.
 */
final class Supervisor {

  /** One supervised process that runs engines: an engine, an ssh session, or an mpirun job. */
  static final class Slot {
    final String label;
    final List<String> command;
    final Map<String, String> env;
    final int engines;
    /** For an ssh session: how to reach its host. */
    final SshEngines ssh;
    final String host;
    /** Whether the engine furl file must be sent to {@link #host} before this starts. */
    final boolean sendFurl;
    volatile Process process;
    volatile long remotePid = -1;
    int restartsLeft;

    Slot(String label, List<String> command, Map<String, String> env, int engines,
        SshEngines ssh, String host, boolean sendFurl) {
      this.label = label;
      this.command = List.copyOf(command);
      this.env = Map.copyOf(env);
      this.engines = engines;
      this.ssh = ssh;
      this.host = host;
      this.sendFurl = sendFurl;
    }

    int engines() {
      return engines;
    }
  }

  private static final int GRACE_SECONDS = 10;
  /** Exit statuses of a JVM ended by SIGINT and by SIGTERM (128 + signal number). */
  private static final int EXIT_SIGINT = 130;
  private static final int EXIT_SIGTERM = 143;

  private final Logger log;
  private final int expectedEngines;
  private final List<Slot> slots = new CopyOnWriteArrayList<>();
  private final TreeSet<Integer> registered = new TreeSet<>();
  private final CompletableFuture<Void> allRegistered = new CompletableFuture<>();
  private volatile Process controller;
  private volatile boolean stopping;

  Supervisor(Logger log, int expectedEngines) {
    this.log = log;
    this.expectedEngines = expectedEngines;
  }

  /** The controller: stopped last. */
  void controller(Process process) {
    controller = process;
  }

  boolean stopping() {
    return stopping;
  }

  /** Completes once as many engines as planned have registered. */
  CompletableFuture<Void> allRegistered() {
    return allRegistered;
  }

  /** Starts a slot and keeps it running: a crash starts it again while restarts are left. */
  void start(Slot slot, int restarts) {
    slot.restartsLeft = restarts;
    slots.add(slot);
    launch(slot);
  }

  private void launch(Slot slot) {
    if (stopping) {
      return;
    }
    try {
      slot.remotePid = -1;
      var process = ChildJvm.startCommand(slot.command, slot.env, line -> onLine(slot, line));
      slot.process = process;
      log.info("starting engine: {} (pid {})", slot.label, process.pid());
      if (!slot.env.isEmpty()) {
        log.info("{} runs with {}", slot.label, slot.env);
      }
      process.onExit().thenAccept(p -> onExit(slot, p));
      if (stopping) {
        // stopAll ran while this started: it may not have seen it
        process.destroy();
      }
    } catch (IOException e) {
      log.error("could not start {}: {}", slot.label, e.getMessage());
      System.err.println("ipcluster: could not start " + slot.label + ": " + e.getMessage());
    }
  }

  private void onLine(Slot slot, String line) {
    log.info("[{}] {}", slot.label, line);
    var remote = SshEngines.remotePid(line);
    if (remote.isPresent()) {
      slot.remotePid = remote.getAsLong();
      return;
    }
    int at = line.indexOf(IpEngine.REGISTERED);
    if (at < 0) {
      return;
    }
    try {
      int id = Integer.parseInt(line.substring(at + IpEngine.REGISTERED.length()).trim());
      synchronized (registered) {
        registered.add(id);
        if (registered.size() >= expectedEngines) {
          allRegistered.complete(null);
        }
      }
    } catch (NumberFormatException e) {
      // not the line counted
    }
  }

  private void onExit(Slot slot, Process p) {
    if (stopping) {
      return;
    }
    if (p.exitValue() == 0) {
      log.info("{} (pid {}) exited normally", slot.label, p.pid());
      return;
    }
    if (p.exitValue() == EXIT_SIGINT || p.exitValue() == EXIT_SIGTERM) {
      // asked to stop (Ctrl-C reaches the whole process group before ipcluster's own hook runs)
      log.info("{} (pid {}) was stopped by a signal (code {}); not starting it again",
          slot.label, p.pid(), p.exitValue());
      return;
    }
    if (slot.restartsLeft <= 0) {
      log.error("{} (pid {}) crashed (code {}); no restarts left", slot.label, p.pid(),
          p.exitValue());
      return;
    }
    slot.restartsLeft--;
    log.warn("{} (pid {}) crashed (code {}); starting it again ({} restarts left)", slot.label,
        p.pid(), p.exitValue(), slot.restartsLeft);
    launch(slot);
  }

  /** The pids of the slots' processes now. */
  List<Long> pids() {
    return slots.stream().map(s -> s.process).filter(p -> p != null).map(Process::pid).toList();
  }

  int registeredCount() {
    synchronized (registered) {
      return registered.size();
    }
  }

  String ids() {
    synchronized (registered) {
      return registered.toString().replace("[", "").replace("]", "");
    }
  }

  /**
   * Stops everything: remote engines by pid over ssh, then the local engine processes (mpirun
   * forwards SIGTERM to its ranks), then the controller; whatever of the recorded process trees
   * is still alive after a grace period is killed by pid.
   */
  void stopAll() {
    stopping = true;
    log.info("Stopping cluster (stop signal or exit)");
    var remoteStops = new ArrayList<Process>();
    for (var slot : slots) {
      if (slot.ssh != null && slot.remotePid > 0) {
        try {
          remoteStops.add(ChildJvm.startCommand(slot.ssh.stopCommand(slot.host, slot.remotePid),
              Map.of(), line -> log.info("[stop {}] {}", slot.host, line)));
        } catch (IOException e) {
          log.warn("could not stop {} (remote pid {}): {}", slot.label, slot.remotePid,
              e.getMessage());
        }
      }
    }
    var engineTrees = new ArrayList<ProcessHandle>();
    for (var slot : slots) {
      var process = slot.process;
      if (process != null) {
        engineTrees.add(process.toHandle());
        process.descendants().forEach(engineTrees::add);
        process.destroy();
      }
    }
    int stopped = stopTrees(engineTrees);
    for (var p : remoteStops) {
      waitFor(p.toHandle(), GRACE_SECONDS);
      p.destroyForcibly();
    }
    var controllerTree = new ArrayList<ProcessHandle>();
    var process = controller;
    if (process != null) {
      controllerTree.add(process.toHandle());
      process.descendants().forEach(controllerTree::add);
      process.destroy();
    }
    stopped += stopTrees(controllerTree);
    log.info("all {} processes stopped", stopped);
  }

  /** Waits for every process up to the grace period, then SIGKILLs the living by pid. */
  private int stopTrees(List<ProcessHandle> tree) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
    for (var p : tree) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!waitFor(p, left / 1e9)) {
        log.warn("pid {} did not stop within {} s; killing it", p.pid(), GRACE_SECONDS);
        p.destroyForcibly();
        waitFor(p, 5);
      }
    }
    return tree.size();
  }

  private static boolean waitFor(ProcessHandle p, double seconds) {
    try {
      p.onExit().get((long) (seconds * 1000), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return !p.isAlive();
    }
  }
}
