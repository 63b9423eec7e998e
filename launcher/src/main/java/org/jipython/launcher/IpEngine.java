package org.jipython.launcher;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MalformedURLException;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jipython.actors.engine.EngineHost;
import org.jipython.actors.engine.EngineNode;
import org.jipython.actors.engine.EngineRunner;
import org.jipython.actors.internal.Net;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.Furl;
import org.jipython.runtime.security.FurlFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ipengine}: one engine, a Jython interpreter that joins the controller's cluster. */
@Command(name = "ipengine", mixinStandardHelpOptions = true,
    description = {"Start an engine and register it with the controller.",
        "An engine started before its controller waits for the furl file and for the "
            + "controller to listen, up to --wait seconds.",
        "Under mpirun, mpiexec or srun it asks for engine id = MPI rank and has mpi.rank and "
            + "mpi.size in its namespace."})
final class IpEngine implements Callable<Integer> {
  /** The start of the line an engine prints once registered; ipcluster counts these. */
  static final String REGISTERED = "ipengine: registered as engine ";
  /** Exit status when the controller did not turn up within --wait. */
  static final int EXIT_GAVE_UP = 1;
  /** Exit status for a wrong command line or a missing file. */
  static final int EXIT_USAGE = 2;
  private static final long POLL_MILLIS = 50;

  /** What to do with an MPI launcher's rank and size. */
  enum MpiMode { auto, on, off }

  @Mixin Ipythondir ipythondir;

  @Option(names = "--furl-file", paramLabel = "FILE",
      description = "The controller's engine furl file "
          + "(default: <ipythondir>/security/ipcontroller-engine.furl).")
  Path furlFile;

  @Option(names = "--controller-ip", paramLabel = "HOST",
      description = "Reach the controller at this host instead of the one in the furl file "
          + "(the TLS identity and the capability still come from the furl file). Name the "
          + "address the controller advertises: it accepts messages only for that one.")
  String controllerIp;

  @Option(names = "--controller-port", paramLabel = "N",
      description = "Reach the controller at this engine port instead of the one in the furl "
          + "file.")
  Integer controllerPort;

  @Option(names = "--mpi", paramLabel = "MODE", arity = "0..1", fallbackValue = "on",
      defaultValue = "auto",
      description = "auto (default): when an MPI launcher (Open MPI, MPICH/PMI, PMIx, Slurm) "
          + "started this engine, ask for engine id = rank and set mpi.rank and mpi.size; "
          + "on (--mpi alone): the same, and fail without such a launcher; off: ignore it "
          + "(mpi is None).")
  MpiMode mpi;

  @Option(names = {"--classpath", "--cp"}, paramLabel = "PATHS",
      description = "Jars and class folders (separated by ':', or the option repeated; "
          + "'dir/*' means every jar in dir) whose classes engine "
          + "code may import: from some.pkg import SomeClass.")
  List<String> classpath = new ArrayList<>();

  @Option(names = "--engines", paramLabel = "N", defaultValue = "1",
      description = "Run N engines in this one JVM (default: ${DEFAULT-VALUE}): each has its own "
          + "interpreter, thread and id, and they share the process, its memory and its "
          + "connection; for many small engines. Not with MPI.")
  int engineCount;

  @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "60",
      description = "How long to wait for the furl file, the controller and the registration "
          + "before giving up with exit status " + EXIT_GAVE_UP + " (default: ${DEFAULT-VALUE}).")
  int waitSeconds;

  @Option(names = {"-l", "--logfile"}, paramLabel = "FILE",
      description = "Log to this file, or into this folder as ipengine-PID.log "
          + "(default: <ipythondir>/log/ipengine-PID.log).")
  Path logfile;

  @Option(names = "--parent-pid", hidden = true)
  Long parentPid;

  private Logger log;

  @Override
  public Integer call() throws Exception {
    if (waitSeconds < 1) {
      System.err.println("ipengine: --wait must be at least 1 second");
      return EXIT_USAGE;
    }
    if (controllerPort != null && (controllerPort < 1 || controllerPort > 65535)) {
      System.err.println("ipengine: --controller-port must be in 1..65535");
      return EXIT_USAGE;
    }
    var folder = ipythondir.open();
    var logFile = Logs.init("ipengine", folder.logDir(), logfile);
    log = LoggerFactory.getLogger(IpEngine.class);
    ParentWatch.start(parentPid);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);

    if (engineCount < 1) {
      return usage("--engines must be at least 1");
    }
    var mpiInfo = mpi == MpiMode.off || engineCount > 1 ? null
        : MpiInfo.detect(System.getenv()).orElse(null);
    if (mpi == MpiMode.on && mpiInfo == null) {
      return usage("--mpi: no MPI launcher started this engine (none of OMPI_COMM_WORLD_RANK, "
          + "PMI_RANK, PMIX_RANK, SLURM_PROCID is set); run it under mpirun, or drop --mpi");
    }
    if (mpiInfo != null) {
      log.info("MPI started with rank = {} and size = {} ({}); asking for engine id {}",
          mpiInfo.rank, mpiInfo.size == null ? "None" : mpiInfo.size, mpiInfo.launcher,
          mpiInfo.rank);
    }
    if (!classpath.isEmpty()) {
      try {
        var urls = classpathUrls(classpath);
        // The interpreter thread is created by EngineNode.start on this thread and inherits its
        // context class loader, which Jython asks for Java classes it cannot find otherwise.
        Thread.currentThread().setContextClassLoader(
            new URLClassLoader(urls.toArray(URL[]::new), IpEngine.class.getClassLoader()));
        log.info("engine code can import classes from: {}", urls);
      } catch (IllegalArgumentException e) {
        return usage("--classpath: " + e.getMessage());
      }
    }

    // Jython starts while this engine waits for its furl file and controller
    EngineRunner.warmUp();
    var file = furlFile != null ? furlFile : folder.engineFurl();
    var furl = awaitController(file, deadline);
    if (furl == null) {
      return EXIT_GAVE_UP;
    }
    if (!Furl.ENGINE.equals(furl.furl().interfaceName())) {
      // a client furl carries the client port's TLS identity and a client capability: the
      // controller would refuse it anyway; say why at once instead of retrying until --wait
      return usage("refused: " + file + " is a furl file for the " + furl.furl().interfaceName()
          + " interface (a client's); an engine needs the controller's ipcontroller-engine.furl");
    }
    var localHost = Net.localAddressFor(furl.furl().host());
    if (engineCount > 1) {
      return runHost(furl, localHost, deadline, logFile);
    }
    long left = Math.max(1, deadline - System.nanoTime());
    var node = EngineNode.start(Systems.load(), new EngineNode.Options(furl, localHost,
        mpiInfo == null ? null : mpiInfo.rank, mpiInfo, id -> {
          System.out.println(REGISTERED + id);
          System.out.flush();
        }, Duration.ofNanos(left)));
    node.registered().whenComplete((id, failure) -> {
      if (failure != null) {
        // the reason is on standard error already, as an ERROR log line
        System.err.println("ipengine: stopping (exit status " + EXIT_GAVE_UP + "); log: "
            + logFile);
        System.err.flush();
        // before the actor system's own shutdown exits the JVM with Pekko's status
        new Thread(() -> System.exit(EXIT_GAVE_UP), "jipython-engine-exit").start();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> log.info("engine shutting down (stop signal or exit)"), "jipython-engine-stop-log"));
    node.whenTerminated().toCompletableFuture().join();
    log.info("engine stopped");
    return node.registered().toCompletableFuture().isCompletedExceptionally() ? EXIT_GAVE_UP : 0;
  }

  /** {@code --engines N}: N engines in this JVM, registered together. */
  private int runHost(FurlFile furl, String localHost, long deadline, Path logFile)
      throws InterruptedException {
    var host = EngineHost.start(Systems.load(), furl, localHost, engineCount);
    try {
      var ids = host.registered().toCompletableFuture()
          .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      for (var id : ids) {
        System.out.println(REGISTERED + id);
      }
      System.out.flush();
      log.info("{} engines registered: ids {}..{}", ids.size(), ids.get(0),
          ids.get(ids.size() - 1));
    } catch (ExecutionException | TimeoutException e) {
      var reason = e instanceof TimeoutException ? "the engines did not register within "
          + waitSeconds + " s" : e.getCause().getMessage();
      log.error("{}", reason);
      System.err.println("ipengine: " + reason + "; stopping (exit status " + EXIT_GAVE_UP
          + "); log: " + logFile);
      host.close();
      return EXIT_GAVE_UP;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> log.info("engines shutting down (stop signal or exit)"), "jipython-engine-stop-log"));
    host.whenTerminated().toCompletableFuture().join();
    log.info("engines stopped");
    return 0;
  }

  /**
   * Waits until the furl file exists and the controller it names (or --controller-ip/-port)
   * accepts connections, re-reading the file while waiting: a controller that starts with random
   * ports writes a new one. Returns null, after saying why, when the deadline passes.
   */
  private FurlFile awaitController(Path file, long deadline) throws InterruptedException {
    String waitingFor = null;
    FurlFile furl = null;
    String problem = null;
    while (true) {
      String now;
      if (!Files.exists(file)) {
        now = "the engine furl file " + file + " to appear (start ipcontroller, or pass "
            + "--furl-file)";
        furl = null;
      } else {
        try {
          furl = withOverrides(FurlFile.read(file));
          problem = null;
        } catch (IOException | IllegalArgumentException e) {
          problem = e.getMessage();
        }
        if (furl == null) {
          now = "a readable engine furl file at " + file + " (" + problem + ")";
        } else if (listens(furl.furl())) {
          if (waitingFor != null) {
            log.info("the controller at {}:{} accepts connections; joining",
                furl.furl().host(), furl.furl().port());
          }
          return furl;
        } else {
          now = "the controller to listen at " + furl.furl().host() + ":" + furl.furl().port()
              + " (from " + file + ")";
        }
      }
      if (!now.equals(waitingFor)) {
        waitingFor = now;
        log.info("waiting for {}, up to {} s", now, waitSeconds);
        System.out.println("ipengine: waiting for " + now);
        System.out.flush();
      }
      if (System.nanoTime() > deadline) {
        var message = "gave up after " + waitSeconds + " s waiting for " + waitingFor
            + " (--wait sets how long)";
        log.warn("{}", message);
        System.err.println("ipengine: " + message);
        return null;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private FurlFile withOverrides(FurlFile read) {
    if (controllerIp == null && controllerPort == null) {
      return read;
    }
    var original = read.furl();
    var host = controllerIp != null ? asAdvertised(controllerIp, original.host())
        : original.host();
    var port = controllerPort != null ? controllerPort : original.port();
    return new FurlFile(new Furl(original.fingerprint(), host, port, original.interfaceName(),
        original.token()), read.identity());
  }

  /**
   * The controller accepts messages only for the address it advertises. Furl files name
   * addresses, so a host name given here is resolved to one; a controller that advertises a
   * name (--engine-location) gets the name.
   */
  private static String asAdvertised(String host, String furlHost) {
    if (!looksLikeAddress(furlHost) || looksLikeAddress(host)) {
      return host;
    }
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (IOException e) {
      return host;
    }
  }

  private static boolean looksLikeAddress(String host) {
    return host.contains(":") || host.matches("[0-9.]+");
  }

  private static boolean listens(Furl furl) {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(furl.host(), furl.port()), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static List<URL> classpathUrls(List<String> entries) {
    var urls = new ArrayList<URL>();
    for (var option : entries) {
      for (var entry : option.split(File.pathSeparator)) {
        if (entry.isBlank()) {
          continue;
        }
        try {
          if (entry.endsWith(File.separator + "*") || entry.equals("*")) {
            var dir = Path.of(entry.substring(0, entry.length() - 1)).toAbsolutePath();
            if (!Files.isDirectory(dir)) {
              throw new IllegalArgumentException("no such folder: " + dir);
            }
            try (var jars = Files.list(dir)) {
              for (var jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
                urls.add(jar.toUri().toURL());
              }
            }
          } else {
            var path = Path.of(entry).toAbsolutePath();
            if (!Files.exists(path)) {
              throw new IllegalArgumentException("no such jar or folder: " + path);
            }
            urls.add(path.toUri().toURL());
          }
        } catch (MalformedURLException e) {
          throw new IllegalArgumentException("not a path: " + entry);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot list " + entry + ": " + e.getMessage());
        }
      }
    }
    return urls;
  }

  private int usage(String message) {
    log.warn("{}", message);
    System.err.println("ipengine: " + message);
    return EXIT_USAGE;
  }
}
