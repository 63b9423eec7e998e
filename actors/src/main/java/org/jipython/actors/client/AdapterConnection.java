package org.jipython.actors.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.jipython.actors.internal.Net;
import org.jipython.actors.internal.Reassembly;
import org.jipython.actors.internal.Wire;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.SecurityFolder;

/**
 * A client's connection to one interface adapter, whatever its protocol: its own actor system
 * with the client port's TLS identity, and one long-lived actor that receives every reply and
 * completes the caller's future by request id, so a request costs no temporary actor and no
 * extra hop.
 *
 * <p>At most {@link #MAX_IN_FLIGHT} requests are outstanding at a time; later ones wait here,
 * in order, until replies come back. Without that, a burst of requests (a map of thousands of
 * tasks) overflows the transport's send queue, which drops messages, and their callers would
 * wait forever.
 *
 * @param <C> the adapter's command type
 * @param <R> the adapter's reply type
 */
final class AdapterConnection<C, R> implements AutoCloseable {

  /** Builds a request from the capability, a request id and where the reply goes. */
  @FunctionalInterface
  interface RequestFactory<C, R> {
    C create(String capability, long requestId, ActorRef<R> replyTo);
  }

  /** How many requests may wait for their replies at once (the send queue holds 3072). */
  static final int MAX_IN_FLIGHT = 1024;

  private final ActorSystem<Object> system;
  private final Wire wire;
  private final ConcurrentHashMap<Long, CompletableFuture<R>> pending;
  private final AtomicLong nextId = new AtomicLong(1);
  private final ActorRef<C> adapter;
  private final String capability;
  /** Requests not sent yet because {@link #MAX_IN_FLIGHT} are outstanding, oldest first. */
  private final ArrayDeque<Runnable> held = new ArrayDeque<>();
  private int outstanding;

  private AdapterConnection(ActorSystem<Object> system,
      ConcurrentHashMap<Long, CompletableFuture<R>> pending, ActorRef<C> adapter,
      String capability) {
    this.system = system;
    this.wire = Wire.of(system);
    this.pending = pending;
    this.adapter = adapter;
    this.capability = capability;
  }

  /** A furl file of {@code $IPYTHONDIR/security}, such as {@code SecurityFolder::taskFurl}. */
  static Path defaultFurl(Function<SecurityFolder, Path> file) {
    try {
      return file.apply(SecurityFolder.open(SecurityFolder.ipythonDir()));
    } catch (IOException e) {
      throw new JipythonException(FailureKind.CONNECTION,
          "cannot open the security folder: " + e.getMessage(), e);
    }
  }

  /** Reads a furl file; a file that cannot be read is a {@code CONNECTION} failure. */
  static FurlFile read(Path furlFile) {
    try {
      return FurlFile.read(furlFile);
    } catch (IOException e) {
      throw new JipythonException(FailureKind.CONNECTION,
          "cannot read the furl file " + furlFile + ": " + e.getMessage(), e);
    }
  }

  /**
   * Connects to the interface {@code interfaceName}, refusing a furl of another interface.
   *
   * @param client who connects, for the message ("a TaskClient")
   * @param furlName the file a furl for that interface is in, for the message
   */
  static <C, R> AdapterConnection<C, R> connect(Config config, FurlFile furlFile,
      String interfaceName, String client, String furlName, ToLongFunction<R> requestIdOf) {
    var name = furlFile.furl().interfaceName();
    if (!interfaceName.equals(name)) {
      throw new JipythonException(FailureKind.REFUSED, "this furl is for the " + name
          + " interface; " + client + " needs " + furlName);
    }
    return connect(config, furlFile, requestIdOf);
  }

  /**
   * Connects to the interface the furl names, trying until the configured connect timeout.
   *
   * @param requestIdOf the request id a reply echoes
   */
  static <C, R> AdapterConnection<C, R> connect(Config config, FurlFile furlFile,
      ToLongFunction<R> requestIdOf) {
    var furl = furlFile.furl();
    var pending = new ConcurrentHashMap<Long, CompletableFuture<R>>();
    Behavior<Object> router = Behaviors.setup(ctx -> {
      var reassembly = new Reassembly(ctx.getSystem());
      return Behaviors.receiveMessage(message -> {
        Object reply = message;
        if (message instanceof Chunk chunk) {
          try {
            var whole = reassembly.accept(chunk);
            if (whole.isEmpty()) {
              return Behaviors.same();
            }
            reply = whole.get();
          } catch (IllegalArgumentException e) {
            ctx.getLog().warn("dropped a chunked reply: {}", e.getMessage());
            return Behaviors.same();
          }
        }
        @SuppressWarnings("unchecked")
        var typed = (R) reply;
        var future = pending.remove(requestIdOf.applyAsLong(typed));
        if (future != null) {
          future.complete(typed);
        }
        return Behaviors.same();
      });
    });
    // daemon threads: a client never keeps its program alive, even when a system's shutdown
    // stalls (seen with two clients closing at once in one console)
    var clientConfig = ConfigFactory.parseString("pekko.daemonic = on").withFallback(config);
    var system = Systems.client(router, clientConfig, furlFile.identity(),
        Net.localAddressFor(furl.host()));
    var path = "pekko://" + Systems.CLIENT_PORT_SYSTEM + "@" + hostInUri(furl.host()) + ":"
        + furl.port() + "/user/" + furl.interfaceName();
    var deadline =
        System.nanoTime() + config.getDuration("jipython.client.connect-timeout").toNanos();
    Throwable last = null;
    while (System.nanoTime() < deadline) {
      try {
        var classic = system.classicSystem().actorSelection(path)
            .resolveOne(Duration.ofSeconds(2)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        ActorRef<C> adapter = Adapter.toTyped(classic);
        return new AdapterConnection<>(system, pending, adapter, furl.token().encoded());
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
  CompletableFuture<R> ask(RequestFactory<C, R> factory) {
    long id = nextId.getAndIncrement();
    var future = new CompletableFuture<R>();
    pending.put(id, future);
    var request = factory.create(capability, id, system.narrow());
    Runnable send = () -> {
      try {
        wire.tell(adapter, request);
      } catch (JipythonException e) {
        pending.remove(id);
        future.completeExceptionally(e);
      }
    };
    // a reply (or a failure to send) frees the slot for the oldest held request
    future.whenComplete((reply, failure) -> released());
    synchronized (held) {
      if (outstanding >= MAX_IN_FLIGHT) {
        held.add(send);
        return future;
      }
      outstanding++;
    }
    send.run();
    return future;
  }

  private void released() {
    Runnable next;
    synchronized (held) {
      next = held.poll();
      if (next == null) {
        outstanding--;
      }
    }
    if (next != null) {
      next.run();
    }
  }

  @Override
  public void close() {
    system.terminate();
    synchronized (held) {
      held.clear();
    }
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
