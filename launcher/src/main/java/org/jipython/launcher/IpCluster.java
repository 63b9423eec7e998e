package org.jipython.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

  @Option(names = "--engines-per-jvm", paramLabel = "K", defaultValue = "1",
      description = "local mode: run the engines K to a JVM (ipengine --engines K) instead of "
          + "one each (default: ${DEFAULT-VALUE}). Fewer JVMs start faster and use less "
          + "memory; the engines of one JVM share its fate if it crashes.")
  int enginesPerJvm;

  @Option(names = "--restarts", paramLabel = "K", defaultValue = "3",
      description = "How many times a crashed engine (for mpiexec: the mpirun job) is started "
          + "again (default: ${DEFAULT-VALUE}). One stopped by SIGINT or SIGTERM is not.")
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
          + "'--hostfile hosts'; engines on other hosts also need --ip 0.0.0.0).")
  String mpiArgs;

  @Option(names = "--clusterfile", paramLabel = "FILE", defaultValue = "clusterfile",
      description = "ssh mode: the hosts, 'host count' a line, or the original's "
          + "engines = {'host': count} and send_furl = True (default: ${DEFAULT-VALUE}).")
  Path clusterFile;

  @Option(names = "--ssh", paramLabel = "COMMAND", defaultValue = "ssh",
      description = "ssh mode: the ssh command (default: ${DEFAULT-VALUE}).")
  String sshCommand;

  @Option(names = "--scp", paramLabel = "COMMAND", defaultValue = "scp",
      description = "ssh mode: the scp command, for send_furl (default: ${DEFAULT-VALUE}).")
  String scpCommand;

  @Option(names = "--remote-ipengine", paramLabel = "PATH",
      description = "ssh mode: ipengine on the remote hosts (default: this installation's "
          + "scripts/ipengine, the same path as here).")
  String remoteIpengine;

  private Supervisor supervisor;
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
    if (enginesPerJvm < 1) {
      System.err.println("ipcluster: --engines-per-jvm must be at least 1");
      return 2;
    }
    var folder = ipythondir.open();
    ipythonDirPath = folder.dir().getParent();
    var logFile = Logs.init("ipcluster", folder.logDir(), null);
    log = LoggerFactory.getLogger(IpCluster.class);
    List<Supervisor.Slot> planned;
    try {
      planned = plan(folder.engineFurl());
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("ipcluster: " + e.getMessage());
      log.error("{}", e.getMessage());
      return 2;
    }
    int expectedEngines = planned.stream().mapToInt(Supervisor.Slot::engines).sum();
    supervisor = new Supervisor(log, expectedEngines);
    Runtime.getRuntime().addShutdownHook(
        new Thread(supervisor::stopAll, "jipython-ipcluster-stop"));

    long t0 = System.nanoTime();
    // With random ports the controller writes new furl files, and local engines (which wait for
    // their furl file) can start their JVMs and Jython while the controller starts: remove the
    // old engine furl first, so that no engine reads it. With fixed ports the file may be
    // reused, and engines start once the controller has said which files are current.
    var early = !mode.equals("ssh") && (enginePort == 0 || clientPort == 0 || newFurls);
    if (early) {
      java.nio.file.Files.deleteIfExists(folder.engineFurl());
    }
    var controller = startController(folder.logDir(), early ? planned : List.of());
    if (controller == null) {
      return 1;
    }
    log.info("Controller started");
    if (!early) {
      try {
        for (var slot : planned) {
          if (slot.sendFurl) {
            sendFurl(slot);
          }
        }
      } catch (IOException e) {
        log.error("{}", e.getMessage());
        return 1;
      }
      startEngines(planned);
    }
    try {
      supervisor.allRegistered().get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println("ipcluster: only " + supervisor.registeredCount() + " of "
          + expectedEngines + " engines registered within " + timeoutSeconds + " s; see "
          + folder.logDir());
      return 1;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.info("cluster up in {} s", String.format("%.2f", seconds));
    System.out.printf("ipcluster: a controller and %d engines are up (ids %s) in %.1f s.%n",
        expectedEngines, supervisor.ids(), seconds);
    System.out.println("ipcluster: connect with scripts/jipython, then:");
    System.out.println("    from ipython1.kernel import client");
    System.out.println("    mec = client.MultiEngineClient()");
    System.out.println("ipcluster: furl files in " + folder.dir());
    System.out.println("ipcluster: logs in " + folder.logDir() + " (this process: " + logFile
        + ")");
    System.out.println("ipcluster: stop with Ctrl-C, or kill -TERM " + pid());
    System.out.flush();
    controller.waitFor();
    return supervisor.stopping() ? 0 : 1;
  }

  /** What to start for this mode: one slot per engine process (one mpirun for mpiexec). */
  private List<Supervisor.Slot> plan(Path engineFurl) throws IOException {
    var engineArgs = new ArrayList<String>();
    for (var entry : classpath) {
      engineArgs.addAll(List.of("--classpath", entry));
    }
    engineArgs.addAll(List.of("--wait", Integer.toString(Math.max(timeoutSeconds, 1))));
    var local = new ArrayList<>(List.of("ipengine", "--ipythondir", ipythonDirPath.toString(),
        "--parent-pid", pid()));
    local.addAll(engineArgs);
    var planned = new ArrayList<Supervisor.Slot>();
    switch (mode) {
      case "local" -> {
        for (int first = 0, jvm = 0; first < engines; first += enginesPerJvm, jvm++) {
          int count = Math.min(enginesPerJvm, engines - first);
          var command = new ArrayList<>(local);
          if (count > 1) {
            command.addAll(List.of("--engines", Integer.toString(count)));
          }
          planned.add(new Supervisor.Slot(count == 1 ? "ipengine " + jvm
              : "ipengine " + jvm + " (" + count + " engines)",
              ChildJvm.javaCommand("engine", command), Map.of(), count, null, null, false));
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
        planned.add(new Supervisor.Slot("mpirun", command,
            openMpiEnv(System.getenv(), !multiHost), engines, null, null, false));
      }
      default -> {
        var cluster = SshEngines.ClusterFile.read(clusterFile);
        var remote = remoteIpengine != null ? remoteIpengine : defaultRemoteIpengine();
        var ssh = new ArrayList<>(List.of(sshCommand.trim().split("\\s+")));
        ssh.addAll(List.of("-o", "BatchMode=yes"));
        var scp = new ArrayList<>(List.of(scpCommand.trim().split("\\s+")));
        scp.addAll(List.of("-o", "BatchMode=yes", "-q"));
        var launcher = new SshEngines(ssh, scp, remote, ipythonDirPath, engineFurl, engineArgs);
        for (var host : cluster.hosts()) {
          for (int i = 0; i < host.engines(); i++) {
            planned.add(new Supervisor.Slot("ipengine " + i + " on " + host.name(),
                launcher.engineCommand(host.name(), cluster.sendFurl()), Map.of(), 1,
                launcher, host.name(), cluster.sendFurl() && i == 0));
          }
        }
      }
    }
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

  private void startEngines(List<Supervisor.Slot> slots) {
    if (slots.isEmpty()) {
      return;
    }
    for (var slot : slots) {
      supervisor.start(slot, restarts);
    }
    log.info("Engines started with pids: {}", supervisor.pids());
  }

  /**
   * Starts ipcontroller, then {@code engines} (at once, while it starts), and waits until the
   * controller is ready; null (after saying why) if it is not.
   */
  private Process startController(Path logDir, List<Supervisor.Slot> engines)
      throws Exception {
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
    supervisor.controller(process);
    log.info("Process ipcontroller has started with pid={}", process.pid());
    process.onExit().thenRun(() -> {
      ready.completeExceptionally(new IllegalStateException("exited"));
      if (!supervisor.stopping()) {
        log.error("the controller exited (code {}); stopping the cluster", process.exitValue());
        System.err.println("ipcluster: the controller exited; stopping the cluster");
        System.exit(1);
      }
    });
    startEngines(engines);
    try {
      ready.get(timeoutSeconds, TimeUnit.SECONDS);
      return process;
    } catch (TimeoutException e) {
      System.err.println("ipcluster: the controller did not start within " + timeoutSeconds
          + " s; see " + logDir);
      return null;
    } catch (ExecutionException e) {
      System.err.println("ipcluster: the controller exited before it was ready; see " + logDir);
      return null;
    }
  }

  private void sendFurl(Supervisor.Slot slot) throws IOException, InterruptedException {
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

  private String defaultRemoteIpengine() {
    var home = System.getProperty(HOME_PROPERTY);
    if (home == null) {
      throw new IllegalArgumentException("ssh mode needs --remote-ipengine (the path of "
          + "ipengine on the remote hosts): this process was not started by scripts/ipcluster");
    }
    return Path.of(home, "scripts", "ipengine").toString();
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
}
