package org.jipython.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jipython.actors.engine.EngineNode;
import org.jipython.actors.internal.Net;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.FurlFile;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ipengine}: one engine, a Jython interpreter that joins the controller's cluster. */
@Command(name = "ipengine", mixinStandardHelpOptions = true,
    description = "Start an engine and register it with the controller.")
final class IpEngine implements Callable<Integer> {
  /** The start of the line an engine prints once registered; ipcluster counts these. */
  static final String REGISTERED = "ipengine: registered as engine ";

  @Mixin Ipythondir ipythondir;

  @Option(names = "--furl-file", paramLabel = "FILE",
      description = "The controller's engine furl file "
          + "(default: <ipythondir>/security/ipcontroller-engine.furl).")
  Path furlFile;

  @Option(names = {"-l", "--logfile"}, paramLabel = "FILE", description = "Log to this file.")
  Path logfile;

  @Option(names = "--parent-pid", hidden = true)
  Long parentPid;

  @Override
  public Integer call() throws Exception {
    var folder = ipythondir.open();
    Logs.init("ipengine", folder.logDir(), logfile);
    var log = LoggerFactory.getLogger(IpEngine.class);
    ParentWatch.start(parentPid);
    var file = furlFile != null ? furlFile : folder.engineFurl();
    if (!Files.exists(file)) {
      System.err.println("ipengine: no engine furl file at " + file
          + ": start ipcontroller first, or pass --furl-file");
      return 2;
    }
    var furl = FurlFile.read(file);
    var node = EngineNode.start(Systems.load(), new EngineNode.Options(furl,
        Net.localAddressFor(furl.furl().host()), null, null, id -> {
          System.out.println(REGISTERED + id);
          System.out.flush();
        }));
    node.whenTerminated().toCompletableFuture().join();
    log.info("engine stopped");
    return 0;
  }
}
