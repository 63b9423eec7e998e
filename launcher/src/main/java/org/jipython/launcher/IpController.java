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
    description = "Start the controller: engines and clients connect to it with its furl files.")
final class IpController implements Callable<Integer> {
  /** The line ipcluster waits for: the furl files are written and the controller listens. */
  static final String READY = "ipcontroller: ready";

  @Mixin Ipythondir ipythondir;

  @Option(names = "--ip", paramLabel = "IP", defaultValue = "127.0.0.1",
      description = "Listen on this address for engines and clients (default: ${DEFAULT-VALUE}).")
  String ip;

  @Option(names = "--engine-port", paramLabel = "N", defaultValue = "0",
      description = "Port for engines (default: a random free port).")
  int enginePort;

  @Option(names = "--client-port", paramLabel = "N", defaultValue = "0",
      description = "Port for clients (default: a random free port).")
  int clientPort;

  @Option(names = "--new-furls",
      description = "Write new furl files (new tokens, new TLS material) even with fixed ports.")
  boolean newFurls;

  @Option(names = {"-l", "--logfile"}, paramLabel = "FILE", description = "Log to this file.")
  Path logfile;

  @Option(names = "--parent-pid", hidden = true)
  Long parentPid;

  @Override
  public Integer call() throws Exception {
    var folder = ipythondir.open();
    var logFile = Logs.init("ipcontroller", folder.logDir(), logfile);
    var log = LoggerFactory.getLogger(IpController.class);
    ParentWatch.start(parentPid);
    var fixed = enginePort != 0 && clientPort != 0 && !newFurls;
    var secrets = fixed
        ? ControllerSecrets.reuse(folder, ip, enginePort, clientPort)
            .orElseGet(ControllerSecrets::generate)
        : ControllerSecrets.generate();
    var node = ControllerNode.start(Systems.load(), secrets,
        new ControllerNode.Addresses(ip, ip, enginePort, ip, ip, clientPort));
    secrets.writeFurls(folder, ip, node.enginePort(), ip, node.clientPort());
    log.info("engine port {}, client port {}; furl files in {}", node.enginePort(),
        node.clientPort(), folder.dir());
    System.out.println("ipcontroller: listening on " + ip + " (engines: port " + node.enginePort()
        + ", clients: port " + node.clientPort() + ")");
    System.out.println("ipcontroller: furl files written to " + folder.dir());
    System.out.println("ipcontroller: log " + logFile);
    System.out.println(READY);
    System.out.flush();
    node.whenTerminated().toCompletableFuture().join();
    log.info("controller stopped");
    return 0;
  }
}
