package org.jipython.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code ipcluster [local|mpiexec|ssh] -n N}: a controller and engines, supervised. Ctrl-C or
 * SIGTERM stops every process it started (mpirun's ranks and remote engines included); an engine
 * that crashes is started again.
 */
@Command(name = "ipcluster", mixinStandardHelpOptions = true,
    description = {"Start a controller and engines; Ctrl-C or SIGTERM stops them all.",
        "Modes: local (default) starts N engines here; mpiexec (or mpirun) starts them with "
            + "one 'mpirun -n N ipengine', ids = MPI ranks; ssh starts the engines of "
            + "--clusterfile over ssh."})
final class IpCluster implements Callable<Integer> {
  /** System property the scripts set: the installation, whose scripts/ remote hosts run. */
  static final String HOME_PROPERTY = "jipython.home";

  /**
   * Open MPI settings for mpirun as root, on more ranks than cores, with unbound JVMs and
   * traffic on loopback only (MPI-NOTES.md); set for the mpirun child only, never in the
   * user's shell, and only where the user's environment does not set them already.
   */
  static final Map<String, String> OPEN_MPI_ENV = orderedMap(
      "OMPI_ALLOW_RUN_AS_ROOT", "1",
      "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1",
      "OMPI_MCA_rmaps_base_oversubscribe", "1",
      "OMPI_MCA_hwloc_base_binding_policy", "none");
  static final Map<String, String> OPEN_MPI_LOOPBACK_ENV = orderedMap(
      "OMPI_MCA_oob_tcp_if_include", "lo",
      "OMPI_MCA_btl_tcp_if_include", "lo",
      "OMPI_MCA_btl", "self,vader");

  @Mixin Ipythondir ipythondir;

  @Parameters(arity = "0..1", paramLabel = "MODE", defaultValue = "local",
      description = "local (default), mpiexec (same as mpirun), or ssh.")
  String mode;

  @Option(names = {"-n", "--num"}, paramLabel = "N", defaultValue = "2",
      description = "Number of engines for local and mpiexec (default: ${DEFAULT-VALUE}).")
  int engines;

  @Option(names = "--restarts", paramLabel = "K", defaultValue = "3",
      description = "How many times a crashed engine (for mpiexec: the mpirun job) is started "
          + "again (default: ${DEFAULT-VALUE}).")
  int restarts;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for the cluster to come up (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(names = "--ip", paramLabel = "IP",
      description = "The controller's listen address (default: 127.0.0.1; for ssh 0.0.0.0, "
          + "advertising the default-route interface's address).")
  String ip;

  @Option(names = "--engine-port", paramLabel = "N", defaultValue = "0",
      description = "The controller's engine port (default: random).")
  int enginePort;

  @Option(names = "--client-port", paramLabel = "N", defaultValue = "0",
      description = "The controller's client port (default: random). With both ports fixed "
          + "the furl files are reused across restarts.")
  int clientPort;

  @Option(names = "--new-furls", description = "Pass --new-furls to ipcontroller.")
  boolean newFurls;

  @Option(names = {"--classpath", "--cp"}, paramLabel = "PATHS",
      description = "Passed to every engine: jars and folders engine code may import from.")
  List<String> classpath = new ArrayList<>();

  @Option(names = "--mpirun", paramLabel = "COMMAND", defaultValue = "mpirun",
      description = "mpiexec mode: the launcher to run (default: ${DEFAULT-VALUE}).")
  String mpirun;

  @Option(names = "--mpi-args", paramLabel = "ARGS",
      description = "mpiexec mode: more mpirun arguments, split at spaces (e.g. "
          + "'--hostfile hosts').")
  String mpiArgs;

  @Option(names = "--clusterfile", paramLabel = "FILE", defaultValue = "clusterfile",
      description = "ssh mode: the hosts, 'host count' a line, or the original's "
          + "engines = {'host': count} and send_furl = True (default: ${DEFAULT-VALUE}).")
  Path clusterFile;

  @Option(names = "--ssh", paramLabel = "COMMAND", defaultValue = "ssh",
      description = "ssh mode: the ssh command (default: ${DEFAULT-VALUE}).")
  String sshCommand;

  @Option(names = "--remote-ipengine", paramLabel = "PATH",
      description = "ssh mode: ipengine on the remote hosts (default: this installation's "
          + "scripts/ipengine, the same path as here).")
  String remoteIpengine;

  private final List<EngineSlot> slots = new CopyOnWriteArrayList<>();
  private final TreeSet<Integer> registered = new TreeSet<>();
  private final CompletableFuture<Void> allRegistered = new CompletableFuture<>();
  private volatile Process controller;
  private volatile boolean stopping;
  private int expectedEngines;
  private Logger log;
  private Path ipythonDirPath;

  @Override
  public Integer call() throws Exception {
    if (!List.of("local", "mpiexec", "mpirun", "ssh").contains(mode)) {
      System.err.println("ipcluster: unknown mode '" + mode + "' (modes: local, mpiexec, ssh)");
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
    List<EngineSlot> planned;
    try {
      planned = plan(folder.engineFurl());
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("ipcluster: " + e.getMessage());
      log.error("{}", e.getMessage());
      return 2;
    }
    expectedEngines = planned.stream().mapToInt(EngineSlot::engines).sum();
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "jipython-ipcluster-stop"));

    long t0 = System.nanoTime();
    if (!startController(folder.logDir())) {
      return 1;
    }
    log.info("Controller started");
    for (var slot : planned) {
      if (slot.ssh != null && slot.sendFurl) {
        sendFurl(slot);
      }
    }
    for (var slot : planned) {
      slots.add(slot);
      start(slot);
    }
    log.info("Engines started with pids: {}",
        slots.stream().map(s -> s.process == null ? "?" : Long.toString(s.process.pid()))
            .toList());
    try {
      allRegistered.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("ipcluster: only " + registeredCount() + " of " + expectedEngines
          + " engines registered within " + timeoutSeconds + " s; see " + folder.logDir());
      return 1;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.info("cluster up in {} s", String.format("%.2f", seconds));
    System.out.printf("ipcluster: a controller and %d engines are up (ids %s) in %.1f s.%n",
        expectedEngines, ids(), seconds);
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

  /** What to start for this mode: one slot per engine process (one mpirun for mpiexec). */
  private List<EngineSlot> plan(Path engineFurl) throws IOException {
    var engineArgs = new ArrayList<String>();
    for (var entry : classpath) {
      engineArgs.addAll(List.of("--classpath", entry));
    }
    engineArgs.addAll(List.of("--wait", Integer.toString(Math.max(timeoutSeconds, 1))));
    var local = new ArrayList<>(List.of("ipengine", "--ipythondir", ipythonDirPath.toString(),
        "--parent-pid", pid()));
    local.addAll(engineArgs);
    var planned = new ArrayList<EngineSlot>();
    switch (mode) {
      case "local" -> {
        for (int i = 0; i < engines; i++) {
          planned.add(new EngineSlot("engine " + i, ChildJvm.javaCommand("engine", local),
              Map.of(), 1, null, false));
        }
      }
      case "mpiexec", "mpirun" -> {
        var command = new ArrayList<>(List.of(mpirun, "-n", Integer.toString(engines)));
        var extra = mpiArgs == null || mpiArgs.isBlank() ? List.<String>of()
            : List.of(mpiArgs.trim().split("\\s+"));
        command.addAll(extra);
        var engineCommand = new ArrayList<>(local);
        engineCommand.add("--mpi");
        command.addAll(ChildJvm.javaCommand("engine", engineCommand));
        var multiHost = extra.stream().anyMatch(a -> a.startsWith("--hostfile")
            || a.startsWith("-hostfile") || a.equals("-H") || a.startsWith("--host")
            || a.equals("--machinefile") || a.equals("-machinefile"));
        planned.add(new EngineSlot("mpirun", command, openMpiEnv(System.getenv(), !multiHost),
            engines, null, false));
      }
      default -> {
        var cluster = SshEngines.ClusterFile.read(clusterFile);
        var remote = remoteIpengine != null ? remoteIpengine : defaultRemoteIpengine();
        var ssh = new ArrayList<>(List.of(sshCommand.trim().split("\\s+")));
        ssh.addAll(List.of("-o", "BatchMode=yes"));
        var launcher = new SshEngines(ssh, List.of("scp", "-o", "BatchMode=yes", "-q"), remote,
            ipythonDirPath, engineFurl, engineArgs);
        for (var host : cluster.hosts()) {
          for (int i = 0; i < host.engines(); i++) {
            var slot = new EngineSlot("engine " + i + " on " + host.name(),
                launcher.engineCommand(host.name(), cluster.sendFurl()), Map.of(), 1,
                launcher, cluster.sendFurl() && i == 0);
            slot.host = host.name();
            planned.add(slot);
          }
        }
      }
    }
    planned.forEach(slot -> slot.restartsLeft = restarts);
    return planned;
  }

  /** The Open MPI settings for the mpirun child: the user's own values win. */
  static Map<String, String> openMpiEnv(Map<String, String> current, boolean loopbackOnly) {
    var env = new LinkedHashMap<String, String>();
    var wanted = new LinkedHashMap<>(OPEN_MPI_ENV);
    if (loopbackOnly) {
      wanted.putAll(OPEN_MPI_LOOPBACK_ENV);
    }
    wanted.forEach((key, value) -> {
      if (!current.containsKey(key)) {
        env.put(key, value);
      }
    });
    return env;
  }

  private boolean startController(Path logDir) throws Exception {
    var args = new ArrayList<>(List.of("ipcontroller", "--ipythondir", ipythonDirPath.toString(),
        "--parent-pid", pid()));
    var listen = ip != null ? ip : mode.equals("ssh") ? "0.0.0.0" : null;
    if (listen != null) {
      args.addAll(List.of("--ip", listen));
    }
    if (enginePort != 0) {
      args.addAll(List.of("--engine-port", Integer.toString(enginePort)));
    }
    if (clientPort != 0) {
      args.addAll(List.of("--client-port", Integer.toString(clientPort)));
    }
    if (newFurls) {
      args.add("--new-furls");
    }
    var ready = new CompletableFuture<Void>();
    var process = ChildJvm.start("controller", args, line -> {
      log.info("[ipcontroller] {}", line);
      if (line.equals(IpController.READY)) {
        ready.complete(null);
      }
    });
    controller = process;
    log.info("Process ipcontroller has started with pid={}", process.pid());
    process.onExit().thenRun(() -> {
      ready.completeExceptionally(new IllegalStateException("exited"));
      if (!stopping) {
        log.error("the controller exited (code {}); stopping the cluster", process.exitValue());
        System.err.println("ipcluster: the controller exited; stopping the cluster");
        System.exit(1);
      }
    });
    try {
      ready.get(timeoutSeconds, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      System.err.println("ipcluster: the controller did not start within " + timeoutSeconds
          + " s; see " + logDir);
      return false;
    }
  }

  private void sendFurl(EngineSlot slot) throws IOException, InterruptedException {
    for (var command : slot.ssh.sendFurlCommands(slot.host)) {
      log.info("sending the engine furl file to {}: {}", slot.host, command);
      var process = ChildJvm.startCommand(command, Map.of(),
          line -> log.info("[{}] {}", slot.host, line));
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        throw new IOException("could not send the engine furl file to " + slot.host
            + " (" + String.join(" ", command) + ")");
      }
    }
  }

  private void start(EngineSlot slot) {
    if (stopping) {
      return;
    }
    try {
      slot.remotePid = -1;
      var process = ChildJvm.startCommand(slot.command, slot.env, line -> onEngineLine(slot, line));
      slot.process = process;
      log.info("starting engine: {} (pid {})", slot.label, process.pid());
      if (!slot.env.isEmpty()) {
        log.info("{} runs with {}", slot.label, slot.env);
      }
      process.onExit().thenAccept(p -> onExit(slot, p));
    } catch (IOException e) {
      log.error("could not start {}: {}", slot.label, e.getMessage());
      System.err.println("ipcluster: could not start " + slot.label + ": " + e.getMessage());
    }
  }

  private void onEngineLine(EngineSlot slot, String line) {
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
      // not the line we count
    }
  }

  private void onExit(EngineSlot slot, Process p) {
    if (stopping) {
      return;
    }
    if (p.exitValue() == 0) {
      log.info("{} (pid {}) exited normally", slot.label, p.pid());
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
    start(slot);
  }

  /**
   * Stops everything: remote engines by pid over ssh, then the local engine processes (mpirun
   * forwards SIGTERM to its ranks), then the controller; whatever of the recorded process trees
   * is still alive after a grace period is killed by pid.
   */
  private void stopAll() {
    stopping = true;
    if (log == null) {
      return;
    }
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
      if (slot.process != null) {
        engineTrees.add(slot.process.toHandle());
        slot.process.descendants().forEach(engineTrees::add);
      }
    }
    for (var slot : slots) {
      if (slot.process != null) {
        slot.process.destroy();
      }
    }
    int stopped = stopTrees(engineTrees, 10);
    for (var p : remoteStops) {
      waitQuietly(p.toHandle(), 10);
      p.destroyForcibly();
    }
    var controllerTree = new ArrayList<ProcessHandle>();
    if (controller != null) {
      controllerTree.add(controller.toHandle());
      controller.descendants().forEach(controllerTree::add);
      controller.destroy();
    }
    stopped += stopTrees(controllerTree, 10);
    log.info("all {} processes stopped", stopped);
  }

  /** Waits up to {@code seconds} for every process, then SIGKILLs the living by pid. */
  private int stopTrees(List<ProcessHandle> tree, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (var p : tree) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!waitQuietly(p, left / 1e9)) {
        log.warn("pid {} did not stop within {} s; killing it", p.pid(), seconds);
        p.destroyForcibly();
        waitQuietly(p, 5);
      }
    }
    return tree.size();
  }

  private static boolean waitQuietly(ProcessHandle p, double seconds) {
    try {
      p.onExit().get((long) (seconds * 1000), TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return !p.isAlive();
    }
  }

  private String defaultRemoteIpengine() {
    var home = System.getProperty(HOME_PROPERTY);
    if (home == null) {
      throw new IllegalArgumentException("ssh mode needs --remote-ipengine (the path of "
          + "ipengine on the remote hosts): this process was not started by scripts/ipcluster");
    }
    return Path.of(home, "scripts", "ipengine").toString();
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

  private static Map<String, String> orderedMap(String... keysAndValues) {
    var map = new LinkedHashMap<String, String>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  /** One supervised process that runs engines: an engine, an ssh session, or an mpirun job. */
  private static final class EngineSlot {
    final String label;
    final List<String> command;
    final Map<String, String> env;
    final int engines;
    final SshEngines ssh;
    final boolean sendFurl;
    String host;
    volatile Process process;
    volatile long remotePid = -1;
    int restartsLeft;

    EngineSlot(String label, List<String> command, Map<String, String> env, int engines,
        SshEngines ssh, boolean sendFurl) {
      this.label = label;
      this.command = List.copyOf(command);
      this.env = Map.copyOf(env);
      this.engines = engines;
      this.ssh = ssh;
      this.sendFurl = sendFurl;
    }

    int engines() {
      return engines;
    }
  }
}
