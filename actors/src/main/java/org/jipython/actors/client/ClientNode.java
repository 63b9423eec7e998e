package org.jipython.actors.client;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.internal.Net;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;

/**
 * A client's connection to one interface adapter: its own actor system with the client port's
 * TLS identity, and one long-lived actor that receives every reply and completes the caller's
 * future, so a request costs no temporary actor and no extra hop.
 */
final class ClientNode implements AutoCloseable {
  private final ActorSystem<MultiEngineAdapter.Reply> system;
  private final ConcurrentHashMap<Long, CompletableFuture<MultiEngineAdapter.Reply>> pending;
  private final AtomicLong nextId = new AtomicLong(1);
  private final ActorRef<MultiEngineAdapter.Command> adapter;
  private final String capability;

  private ClientNode(ActorSystem<MultiEngineAdapter.Reply> system,
      ConcurrentHashMap<Long, CompletableFuture<MultiEngineAdapter.Reply>> pending,
      ActorRef<MultiEngineAdapter.Command> adapter, String capability) {
    this.system = system;
    this.pending = pending;
    this.adapter = adapter;
    this.capability = capability;
  }

  static ClientNode connect(Config config, FurlFile furlFile) {
    var furl = furlFile.furl();
    var pending = new ConcurrentHashMap<Long, CompletableFuture<MultiEngineAdapter.Reply>>();
    Behavior<MultiEngineAdapter.Reply> router = Behaviors.receiveMessage(reply -> {
      var future = pending.remove(reply.requestId());
      if (future != null) {
        future.complete(reply);
      }
      return Behaviors.same();
    });
    var system = Systems.client(router, config, furlFile.identity(), Net.localAddressFor(furl.host()));
    var path = "pekko://" + Systems.CLIENT_PORT_SYSTEM + "@" + hostInUri(furl.host()) + ":"
        + furl.port() + "/user/" + furl.interfaceName();
    var deadline = System.nanoTime() + config.getDuration("jipython.client.connect-timeout").toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        var classic = system.classicSystem().actorSelection(path)
            .resolveOne(Duration.ofSeconds(2)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        ActorRef<MultiEngineAdapter.Command> adapter = Adapter.toTyped(classic);
        return new ClientNode(system, pending, adapter, furl.token().encoded());
      } catch (ExecutionException | TimeoutException e) {
        last = e.getCause() != null ? e.getCause() : e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        last = e;
        break;
      }
    }
    system.terminate();
    throw new JipythonException(FailureKind.CONNECTION, "could not reach the controller's "
        + furl.interfaceName() + " interface at " + furl.host() + ":" + furl.port()
        + " (is ipcontroller running, and is this furl file from it?): " + last, last);
  }

  /** Sends a request built around a fresh request id; completes with the adapter's reply. */
  CompletableFuture<MultiEngineAdapter.Reply> ask(RequestFactory factory) {
    long id = nextId.getAndIncrement();
    var future = new CompletableFuture<MultiEngineAdapter.Reply>();
    pending.put(id, future);
    adapter.tell(factory.create(capability, id, system));
    return future;
  }

  /** Builds a request from the capability, a request id and where the reply goes. */
  interface RequestFactory {
    MultiEngineAdapter.Command create(String capability, long requestId,
        ActorRef<MultiEngineAdapter.Reply> replyTo);
  }

  @Override
  public void close() {
    system.terminate();
    var closed = new JipythonException(FailureKind.CONNECTION, "the client was closed");
    pending.values().forEach(f -> f.completeExceptionally(closed));
    try {
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing must not throw; the system logs its own trouble
    }
  }

  private static String hostInUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

}
