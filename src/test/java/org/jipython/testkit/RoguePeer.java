package org.jipython.testkit;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.remote.artery.tcp.SSLEngineProviderSetup;
import org.jipython.actors.internal.IdentitySslEngineProvider;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.TlsIdentity;

/**
 * A Pekko system in the test JVM that holds a port's TLS identity but does not follow the
 * protocol: it sends whatever the test tells it to (strings, Java-serialized objects, lying
 * chunks, oversized frames). What it receives goes to {@link #inbox()}.
 */
public final class RoguePeer implements AutoCloseable {
  private final ActorSystem<Object> system;
  private final BlockingQueue<Object> inbox;

  private RoguePeer(ActorSystem<Object> system, BlockingQueue<Object> inbox) {
    this.system = system;
    this.inbox = inbox;
  }

  /** Starts one on 127.0.0.1 with {@code identity}'s TLS and {@code extraConfig} on top. */
  public static RoguePeer start(TlsIdentity identity, String extraConfig) {
    var config = ConfigFactory.parseString(extraConfig + """

        pekko.actor.provider = remote
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.remote.warn-about-direct-use = off
        pekko.daemonic = on
        # its shutdown may wait for acknowledgements the controller's untrusted port never sends
        pekko.coordinated-shutdown.phases.actor-system-terminate.timeout = 3s
        """).withFallback(Systems.load()).resolve();
    var setup = ActorSystemSetup.create(BootstrapSetup.create(config),
        SSLEngineProviderSetup.create(system -> new IdentitySslEngineProvider(identity, system)));
    var inbox = new LinkedBlockingQueue<Object>();
    Behavior<Object> guardian = Behaviors.receiveMessage(message -> {
      inbox.add(message);
      return Behaviors.same();
    });
    return new RoguePeer(ActorSystem.create(guardian, "rogue", setup), inbox);
  }

  public ActorSystem<Object> system() {
    return system;
  }

  /** Where replies sent to {@link #self()} arrive. */
  public BlockingQueue<Object> inbox() {
    return inbox;
  }

  /** This peer as a reply address, of whatever reply type a request wants. */
  public <T> org.apache.pekko.actor.typed.ActorRef<T> self() {
    return system.unsafeUpcast();
  }

  /** Looks {@code path} up, trying until {@code within} has passed; null when it never resolves. */
  public ActorRef resolve(String path, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        return system.classicSystem().actorSelection(path).resolveOne(Duration.ofSeconds(2))
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // not (yet) reachable
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** Sends {@code message} to {@code target} with no sender, as any remote peer can. */
  public void send(ActorRef target, Object message) {
    target.tell(message, ActorRef.noSender());
  }

  /** Terminates the system and waits for it. */
  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the rogue peer did not terminate within 60 s", e);
    }
  }

  /**
   * Starts terminating and waits a while, without failing: a sender whose Java-serialized
   * message the controller dropped was seen to take minutes to finish its own shutdown (after
   * its shutdown phases time out, in its transport). It is a daemonic system in the test JVM,
   * not a process.
   */
  public void closeEventually() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // see above
    }
  }
}
