package org.jipython.actors.controller;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.ControllerSecrets;

/**
 * A running controller: the cluster system on the engine port (seed node, registry, queues) and
 * the client-port system (interface adapters), in one JVM. The adapters hold plain local
 * references to the controller's actors, so passing a request between the two systems is an
 * in-memory enqueue, not a network hop.
 */
public final class ControllerNode implements AutoCloseable {

  /** Where to listen and what to advertise in furl files. */
  public record Addresses(String engineBindHost, String engineHost, int enginePort,
      String clientBindHost, String clientHost, int clientPort) {}

  private final ActorSystem<Void> clusterSystem;
  private final ActorSystem<Void> clientSystem;
  private final CompletableFuture<Void> stopping = new CompletableFuture<>();

  private ControllerNode(ActorSystem<Void> clusterSystem, ActorSystem<Void> clientSystem) {
    this.clusterSystem = clusterSystem;
    this.clientSystem = clientSystem;
  }

  /** Starts both systems; returns when both listen and the controller has joined itself. */
  public static ControllerNode start(Config config, ControllerSecrets secrets, Addresses at) {
    var settings = new Controller.Settings(
        config.getInt("jipython.controller.max-engines"),
        config.getInt("jipython.controller.pipeline-depth"));
    var controllerRef = new CompletableFuture<ActorRef<Controller.Command>>();
    var node = new CompletableFuture<ControllerNode>();
    Runnable stop = () -> node.thenAccept(ControllerNode::terminate);
    Behavior<Void> clusterGuardian = Behaviors.setup(ctx -> {
      controllerRef.complete(
          ctx.spawn(Controller.create(secrets.engineToken(), settings, stop), "controller"));
      return Behaviors.empty();
    });
    var clusterSystem = Systems.controllerEngineSide(clusterGuardian, config,
        secrets.engineIdentity(), at.engineBindHost(), at.engineHost(), at.enginePort());
    ActorSystem<Void> clientSystem;
    try {
      var cluster = Cluster.get(clusterSystem);
      cluster.manager().tell(new Join(cluster.selfMember().address()));
      var controller = controllerRef.get(30, TimeUnit.SECONDS);
      Behavior<Void> clientGuardian = Behaviors.setup(ctx -> {
        ctx.spawn(MultiEngineAdapter.create(controller, secrets.multiEngineToken()),
            "multiengine");
        ctx.spawn(TaskAdapter.create(controller, secrets.taskToken()), "task");
        return Behaviors.empty();
      });
      clientSystem = Systems.controllerClientSide(clientGuardian, config,
          secrets.clientIdentity(), at.clientBindHost(), at.clientHost(), at.clientPort());
    } catch (Exception e) {
      clusterSystem.terminate();
      throw new IllegalStateException("the controller could not start: " + e.getMessage(), e);
    }
    var started = new ControllerNode(clusterSystem, clientSystem);
    node.complete(started);
    return started;
  }

  private void terminate() {
    stopping.complete(null);
    clientSystem.terminate();
    clusterSystem.terminate();
  }

  /** Completes when the controller begins to stop because a client asked it to. */
  public CompletionStage<Void> stopping() {
    return stopping;
  }

  /** The port engines connect to. */
  public int enginePort() {
    return clusterSystem.address().getPort().orElseThrow();
  }

  /** The port clients connect to. */
  public int clientPort() {
    return clientSystem.address().getPort().orElseThrow();
  }

  /** Completes when both systems have stopped. */
  public CompletionStage<Void> whenTerminated() {
    return clusterSystem.getWhenTerminated()
        .thenCombine(clientSystem.getWhenTerminated(), (a, b) -> null);
  }

  /** Stops both systems and waits (bounded) until they are down. */
  @Override
  public void close() {
    clientSystem.terminate();
    clusterSystem.terminate();
    try {
      whenTerminated().toCompletableFuture().get(Duration.ofSeconds(30).toSeconds(),
          TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // the systems log their own shutdown trouble; close() must not throw
    }
  }
}
