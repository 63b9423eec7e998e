package org.jipython.runtime.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything secret a controller holds: the TLS identity of each of its two ports and the three
 * capability tokens. The engine port and the client port have different identities, so a client
 * furl file cannot even complete a handshake on the engine port.
 *
 * @param engineIdentity TLS identity of the engine port
 * @param clientIdentity TLS identity of the client port (MultiEngine and Task)
 * @param engineToken capability to register as an engine
 * @param multiEngineToken capability to use the MultiEngine interface
 * @param taskToken capability to use the Task interface
 */
public record ControllerSecrets(
    TlsIdentity engineIdentity,
    TlsIdentity clientIdentity,
    CapabilityToken engineToken,
    CapabilityToken multiEngineToken,
    CapabilityToken taskToken) {
  /** Subject CN of a generated engine port identity. */
  public static final String ENGINE_COMMON_NAME = "jipython-engine-port";

  /** Subject CN of a generated client port identity. */
  public static final String CLIENT_COMMON_NAME = "jipython-client-port";

  private static final Logger log = LoggerFactory.getLogger(ControllerSecrets.class);

  /** Checks that nothing is missing and that the two ports do not share an identity. */
  public ControllerSecrets {
    Objects.requireNonNull(engineIdentity, "engineIdentity");
    Objects.requireNonNull(clientIdentity, "clientIdentity");
    Objects.requireNonNull(engineToken, "engineToken");
    Objects.requireNonNull(multiEngineToken, "multiEngineToken");
    Objects.requireNonNull(taskToken, "taskToken");
    if (engineIdentity.fingerprint().equals(clientIdentity.fingerprint())) {
      throw new IllegalArgumentException(
          "the engine port and the client port must have different TLS identities, or a client"
              + " furl file would let its holder join the engine port");
    }
  }

  /** Fresh secrets: two new identities and three new tokens. */
  public static ControllerSecrets generate() {
    return new ControllerSecrets(
        TlsIdentity.generate(ENGINE_COMMON_NAME),
        TlsIdentity.generate(CLIENT_COMMON_NAME),
        CapabilityToken.random(),
        CapabilityToken.random(),
        CapabilityToken.random());
  }

  /**
   * The secrets of the furl files already in {@code folder}, when they can stay valid: all three
   * files exist, are private and intact, and name the given fixed ports. Reusing them means copies
   * made of the files on other hosts keep working across controller restarts.
   *
   * <p>Returns empty otherwise, logging why at INFO; the controller then generates new secrets.
   * Random ports (0) never reuse: the old files would name ports that are gone.
   *
   * @param host the host the controller will write into the furl files; a different host in the
   *     old files does not prevent reuse, but copies of them elsewhere must then be replaced
   */
  public static Optional<ControllerSecrets> reuse(
      SecurityFolder folder, String host, int enginePort, int clientPort) {
    Objects.requireNonNull(folder, "folder");
    if (enginePort <= 0 || clientPort <= 0) {
      log.info("Not reusing furl files in {}: ports are chosen at random", folder.dir());
      return Optional.empty();
    }
    for (var path : new Path[] {folder.engineFurl(), folder.multiEngineFurl(), folder.taskFurl()}) {
      if (!Files.exists(path)) {
        log.info("Not reusing furl files: {} does not exist", path);
        return Optional.empty();
      }
    }
    FurlFile engine;
    FurlFile multiEngine;
    FurlFile task;
    try {
      engine = FurlFile.read(folder.engineFurl());
      multiEngine = FurlFile.read(folder.multiEngineFurl());
      task = FurlFile.read(folder.taskFurl());
    } catch (IOException | IllegalArgumentException e) {
      // Messages from FurlFile never hold a token.
      log.info("Not reusing furl files: {}", e.getMessage());
      return Optional.empty();
    }
    var problem = mismatch(engine, Furl.ENGINE, enginePort)
        .or(() -> mismatch(multiEngine, Furl.MULTIENGINE, clientPort))
        .or(() -> mismatch(task, Furl.TASK, clientPort));
    if (problem.isEmpty()
        && !multiEngine.identity().fingerprint().equals(task.identity().fingerprint())) {
      problem = Optional.of("the MultiEngine and Task furl files name different client port"
          + " identities");
    }
    if (problem.isEmpty()
        && engine.identity().fingerprint().equals(multiEngine.identity().fingerprint())) {
      problem = Optional.of("the engine and client furl files share one TLS identity");
    }
    if (problem.isPresent()) {
      log.info("Not reusing furl files in {}: {}", folder.dir(), problem.get());
      return Optional.empty();
    }
    for (var file : new FurlFile[] {engine, multiEngine, task}) {
      if (host != null && !host.equals(file.furl().host())) {
        log.info(
            "Reusing {} but its host changes from {} to {}: replace copies of it on other hosts",
            file.furl().interfaceName(), file.furl().host(), host);
      }
    }
    log.info("Reusing the furl files in {} (same tokens and TLS identities)", folder.dir());
    return Optional.of(new ControllerSecrets(
        engine.identity(),
        multiEngine.identity(),
        engine.furl().token(),
        multiEngine.furl().token(),
        task.furl().token()));
  }

  /**
   * Writes the three furl files, each atomically and with mode 0600: {@code engine} with the
   * engine identity, {@code multiengine} and {@code task} with the client identity.
   */
  public void writeFurls(
      SecurityFolder folder, String engineHost, int enginePort, String clientHost, int clientPort)
      throws IOException {
    Objects.requireNonNull(folder, "folder");
    var clientFingerprint = clientIdentity.fingerprint();
    new FurlFile(
            new Furl(clientFingerprint, clientHost, clientPort, Furl.MULTIENGINE, multiEngineToken),
            clientIdentity)
        .write(folder.multiEngineFurl());
    new FurlFile(
            new Furl(clientFingerprint, clientHost, clientPort, Furl.TASK, taskToken),
            clientIdentity)
        .write(folder.taskFurl());
    // Last, because ipcluster takes the engine file's appearance to mean the controller is ready.
    var engineFingerprint = engineIdentity.fingerprint();
    new FurlFile(
            new Furl(engineFingerprint, engineHost, enginePort, Furl.ENGINE, engineToken),
            engineIdentity)
        .write(folder.engineFurl());
  }

  private static Optional<String> mismatch(FurlFile file, String interfaceName, int port) {
    var furl = file.furl();
    if (!furl.interfaceName().equals(interfaceName)) {
      return Optional.of("a file meant for interface " + interfaceName + " names interface "
          + furl.interfaceName());
    }
    if (furl.port() != port) {
      return Optional.of("the " + interfaceName + " furl names port " + furl.port()
          + ", not the fixed port " + port);
    }
    return Optional.empty();
  }
}
