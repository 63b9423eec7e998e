package org.jipython.launcher;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jipython.actors.controller.ControllerNode;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.ControllerSecrets;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ipcontroller}: the controller, the only process that listens. */
@Command(name = "ipcontroller", mixinStandardHelpOptions = true,
    description = {"Start the controller: engines and clients connect to it with its furl files.",
        "With fixed ports (--engine-port and --client-port) the furl files of the last start "
            + "are reused, so copies of them on other hosts keep working."})
final class IpController implements Callable<Integer> {
  /** The line ipcluster waits for: the furl files are written and the controller listens. */
  static final String READY = "ipcontroller: ready";
  static final String DEFAULT_IP = "127.0.0.1";

  @Mixin Ipythondir ipythondir;

  @Option(names = "--ip", paramLabel = "IP",
      description = "Listen on this address for engines and clients (default: " + DEFAULT_IP
          + "); 0.0.0.0 listens on every interface and advertises the address of the "
          + "default-route interface in the furl files.")
  String ip;

  @Option(names = "--engine-ip", paramLabel = "IP",
      description = "Listen on this address for engines (default: --ip).")
  String engineIp;

  @Option(names = "--client-ip", paramLabel = "IP",
      description = "Listen on this address for clients (default: --ip).")
  String clientIp;

  @Option(names = "--engine-location", paramLabel = "HOST",
      description = "Host or address written into the engine furl file (default: the engine "
          + "listen address, or the default-route interface's address for 0.0.0.0).")
  String engineLocation;

  @Option(names = "--client-location", paramLabel = "HOST",
      description = "Host or address written into the client furl files (default: as for "
          + "--engine-location, from the client listen address).")
  String clientLocation;

  @Option(names = "--engine-port", paramLabel = "N", defaultValue = "0",
      description = "Port for engines (default: a random free port).")
  int enginePort;

  @Option(names = "--client-port", paramLabel = "N", defaultValue = "0",
      description = "Port for clients (default: a random free port).")
  int clientPort;

  @Option(names = "--new-furls",
      description = "Write new furl files (new tokens, new TLS material) even with fixed ports; "
          + "copies of the old files stop working.")
  boolean newFurls;

  @Option(names = {"-l", "--logfile"}, paramLabel = "FILE",
      description = "Log to this file, or into this folder as ipcontroller-PID.log "
          + "(default: <ipythondir>/log/ipcontroller-PID.log).")
  Path logfile;

  /** How long the actor systems may take to stop once a client asked the controller to. */
  static final java.time.Duration STOP_LIMIT = java.time.Duration.ofSeconds(15);

  @Option(names = "--parent-pid", hidden = true)
  Long parentPid;

  @Override
  public Integer call() throws Exception {
    var folder = ipythondir.open();
    var logFile = Logs.init("ipcontroller", folder.logDir(), logfile);
    var log = LoggerFactory.getLogger(IpController.class);
    ParentWatch.start(parentPid);
    var engineListen = firstOf(engineIp, ip, DEFAULT_IP);
    var clientListen = firstOf(clientIp, ip, DEFAULT_IP);
    var engineHost = engineLocation != null ? engineLocation
        : HostAddresses.advertised(engineListen);
    var clientHost = clientLocation != null ? clientLocation
        : HostAddresses.advertised(clientListen);
    log.info("starting: engines on {} (advertised as {}), clients on {} (advertised as {})",
        engineListen, engineHost, clientListen, clientHost);
    var fixed = enginePort != 0 && clientPort != 0 && !newFurls;
    if (newFurls) {
      log.info("--new-furls: writing new furl files; copies of the old ones stop working");
    }
    var secrets = fixed
        ? ControllerSecrets.reuse(folder, engineHost, enginePort, clientPort)
            .orElseGet(ControllerSecrets::generate)
        : ControllerSecrets.generate();
    var node = ControllerNode.start(Systems.load(), secrets, new ControllerNode.Addresses(
        HostAddresses.bindAddress(engineListen), engineHost, enginePort,
        HostAddresses.bindAddress(clientListen), clientHost, clientPort));
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> log.info("controller shutting down (stop signal or exit)"),
        "jipython-controller-stop-log"));
    secrets.writeFurls(folder, engineHost, node.enginePort(), clientHost, node.clientPort());
    log.info("engine port {}, client port {}; furl files in {}", node.enginePort(),
        node.clientPort(), folder.dir());
    log.info("Saving furl for interface [engine] to file: {}", folder.engineFurl());
    log.info("Saving furl for interface [multiengine] to file: {}", folder.multiEngineFurl());
    log.info("Saving furl for interface [task] to file: {}", folder.taskFurl());
    var out = System.out;
    out.println("ipcontroller: engines connect to " + engineHost + ":" + node.enginePort()
        + " (listening on " + engineListen + "), clients to " + clientHost + ":"
        + node.clientPort() + " (listening on " + clientListen + ")");
    out.println("ipcontroller: furl files written to " + folder.dir() + ":");
    out.println("ipcontroller:   engines: " + folder.engineFurl());
    out.println("ipcontroller:   MultiEngineClient: " + folder.multiEngineFurl());
    out.println("ipcontroller:   TaskClient: " + folder.taskFurl());
    out.println("ipcontroller: log " + logFile);
    out.println(READY);
    out.flush();
    node.stopping().thenRun(() -> haltIfStuck(log));
    node.whenTerminated().toCompletableFuture().join();
    log.info("controller stopped");
    return 0;
  }

  /**
   * Once a client has asked the controller to stop, the process ends within
   * {@link #STOP_LIMIT} even if a transport's shutdown hangs (seen on a loaded machine: Artery
   * flushing the client port for a minute after its engines had gone).
   */
  private static void haltIfStuck(org.slf4j.Logger log) {
    var watchdog = new Thread(() -> {
      try {
        Thread.sleep(STOP_LIMIT.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      log.warn("the actor systems did not stop within {} s; ending the process",
          STOP_LIMIT.toSeconds());
      Runtime.getRuntime().halt(0);
    }, "jipython-controller-stop-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private static String firstOf(String... values) {
    for (var v : values) {
      if (v != null) {
        return v;
      }
    }
    throw new IllegalArgumentException("no value");
  }
}
