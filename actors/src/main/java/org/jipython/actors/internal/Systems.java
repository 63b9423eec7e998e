package org.jipython.actors.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;
import org.jipython.runtime.security.TlsIdentity;

/**
 * Starts the actor systems of each role with the right transport settings. Role-specific
 * settings live in the {@code jipython.systems.*} sections of reference.conf; this class only
 * adds what is known at run time (addresses, ports) and the TLS identity, which never goes into
 * a config object.
 */
public final class Systems {
  /** The name of the cluster system on the engine port (controller and engines). */
  public static final String CLUSTER_SYSTEM = "jipython";
  /** The name of the controller's client-port system. */
  public static final String CLIENT_PORT_SYSTEM = "jipython-client";
  /** The name of a client's own system. */
  public static final String CLIENT_SYSTEM = "jipython-user";

  private Systems() {}

  /** The controller's cluster system, listening on the engine port. */
  public static <T> ActorSystem<T> controllerEngineSide(Behavior<T> guardian, Config base,
      TlsIdentity identity, String bindHost, String advertisedHost, int port) {
    var config = role(base, "controller-engine-side", advertisedHost, port, bindHost);
    return start(guardian, CLUSTER_SYSTEM, config, identity);
  }

  /** The controller's client-port system: untrusted mode, only the adapters reachable. */
  public static <T> ActorSystem<T> controllerClientSide(Behavior<T> guardian, Config base,
      TlsIdentity identity, String bindHost, String advertisedHost, int port) {
    var config = role(base, "controller-client-side", advertisedHost, port, bindHost);
    return start(guardian, CLIENT_PORT_SYSTEM, config, identity);
  }

  /** An engine's cluster system. */
  public static <T> ActorSystem<T> engine(Behavior<T> guardian, Config base,
      TlsIdentity identity, String localHost) {
    var config = role(base, "engine", localHost, 0, localHost);
    return start(guardian, CLUSTER_SYSTEM, config, identity);
  }

  /** A client's system (console, Java application). */
  public static <T> ActorSystem<T> client(Behavior<T> guardian, Config base,
      TlsIdentity identity, String localHost) {
    var config = role(base, "client", localHost, 0, localHost);
    return start(guardian, CLIENT_SYSTEM, config, identity);
  }

  /** Configuration as loaded for every role: system properties, application.conf, defaults. */
  public static Config load() {
    return ConfigFactory.load();
  }

  private static Config role(Config base, String role, String host, int port, String bindHost) {
    return ConfigFactory.empty()
        .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("pekko.remote.artery.bind.hostname", ConfigValueFactory.fromAnyRef(bindHost))
        .withValue("pekko.remote.artery.bind.port", ConfigValueFactory.fromAnyRef(""))
        .withFallback(base.getConfig("jipython.systems." + role))
        .withFallback(base)
        .resolve();
  }

  private static <T> ActorSystem<T> start(
      Behavior<T> guardian, String name, Config config, TlsIdentity identity) {
    var setup = ActorSystemSetup.create(
        BootstrapSetup.create(config),
        SSLEngineProviderSetup.create(system -> new IdentitySslEngineProvider(identity, system)));
    return ActorSystem.create(guardian, name, setup);
  }

}
