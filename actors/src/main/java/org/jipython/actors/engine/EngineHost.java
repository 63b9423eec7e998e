package org.jipython.actors.engine;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.jipython.actors.controller.Controller;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;

/**
 * Many engines in one JVM: one cluster node whose engines each have their own worker, runner
 * thread and interpreter, and register with the controller as separate engines. They share the
 * node, so they join the cluster once and leave it together. This is how one machine hosts
 * hundreds of small engines (and how the benchmark's 1,000-engine check runs); an engine that
 * needs a process of its own is an {@link EngineNode}.
 */
public final class EngineHost implements AutoCloseable {

  private interface Command {}

  private enum Up implements Command {
    INSTANCE
  }

  /** Engine {@code index} was killed: stop its worker, which the controller watches. */
  private record Killed(int index) implements Command {}

  private final ActorSystem<Command> system;
  private final List<EngineRunner> runners;
  private final CompletableFuture<List<Integer>> registered;

  private EngineHost(ActorSystem<Command> system, List<EngineRunner> runners,
      CompletableFuture<List<Integer>> registered) {
    this.system = system;
    this.runners = runners;
    this.registered = registered;
  }

  /**
   * Starts {@code count} engines that join the controller named by {@code furl} and register
   * once the node is up. {@link #registered()} fails if any registration is refused.
   */
  public static EngineHost start(Config config, FurlFile furl, String localHost, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, not " + count);
    }
    var limits = ReplyLimits.from(config);
    var systemRef = new CompletableFuture<ActorSystem<Command>>();
    var runners = new ArrayList<EngineRunner>(count);
    for (int i = 0; i < count; i++) {
      int index = i;
      runners.add(new EngineRunner(limits, null,
          () -> systemRef.thenAccept(s -> s.tell(new Killed(index)))));
    }
    var ids = new Integer[count];
    var answered = new AtomicInteger();
    var live = new AtomicInteger(count);
    var registered = new CompletableFuture<List<Integer>>();
    var at = furl.furl();
    var controllerAddress = new Address("pekko", Systems.CLUSTER_SYSTEM, at.host(), at.port());
    Behavior<Command> guardian = Behaviors.setup(ctx -> {
      var workers = new ArrayList<ActorRef<EngineWorker.Command>>(count);
      for (int i = 0; i < count; i++) {
        workers.add(ctx.spawn(EngineWorker.create(runners.get(i)), "worker-" + i));
      }
      var cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(SelfUp.class, up -> Up.INSTANCE), SelfUp.class));
      cluster.manager().tell(new JoinSeedNodes(List.of(controllerAddress)));
      ctx.getLog().info("{} engines joining the controller's cluster at {}", count,
          controllerAddress);
      var controller = ActorRefResolver.get(ctx.getSystem()).<Controller.Command>resolveActorRef(
          controllerAddress + "/user/controller");
      return Behaviors.receive(Command.class)
          .onMessageEquals(Up.INSTANCE, () -> {
            ctx.getLog().info("joined the cluster; registering {} engines", count);
            for (int i = 0; i < count; i++) {
              int index = i;
              ctx.spawn(registrar(controller, at.token().encoded(), localHost,
                  workers.get(i), reply -> {
                    if (reply.id() == null) {
                      registered.completeExceptionally(new JipythonException(
                          FailureKind.CONNECTION, "engine registration failed: "
                              + reply.refusal()));
                      return;
                    }
                    runners.get(index).assign(reply.id());
                    ids[index] = reply.id();
                    if (answered.incrementAndGet() == count) {
                      registered.complete(Collections.unmodifiableList(List.of(ids)));
                    }
                  }), "registrar-" + i);
            }
            return Behaviors.same();
          })
          .onMessage(Killed.class, killed -> {
            ctx.stop(workers.get(killed.index()));
            runners.get(killed.index()).close();
            if (live.decrementAndGet() == 0) {
              // the last engine was killed: the process ends, as a single engine's does
              ctx.getLog().info("every engine of this process was killed; stopping");
              ctx.getSystem().terminate();
            }
            return Behaviors.same();
          })
          .build();
    });
    var system = Systems.engine(guardian, config, furl.identity(), localHost);
    systemRef.complete(system);
    system.getWhenTerminated().thenRun(() -> runners.forEach(EngineRunner::close));
    return new EngineHost(system, runners, registered);
  }

  /** Registers one engine: asks until the controller answers, then hands the answer on. */
  private static Behavior<Controller.RegisterReply> registrar(
      ActorRef<Controller.Command> controller, String capability, String localHost,
      ActorRef<EngineWorker.Command> worker,
      java.util.function.Consumer<Controller.RegisterReply> onAnswer) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      var register = new Controller.Register(capability, null, ProcessHandle.current().pid(),
          localHost, worker, ctx.getSelf());
      controller.tell(register);
      timers.startTimerWithFixedDelay("retry", new Controller.RegisterReply(null, null),
          Duration.ofSeconds(5));
      return Behaviors.receive(Controller.RegisterReply.class)
          .onMessage(Controller.RegisterReply.class, reply -> {
            if (reply.id() == null && reply.refusal() == null) {
              controller.tell(register);  // the retry timer: no answer yet
              return Behaviors.same();
            }
            onAnswer.accept(reply);
            return Behaviors.stopped();
          })
          .build();
    }));
  }

  /** Completes with the engines' ids, in the order they were created, once all registered. */
  public CompletionStage<List<Integer>> registered() {
    return registered;
  }

  /** Completes when the node's actor system has stopped. */
  public CompletionStage<Void> whenTerminated() {
    return system.getWhenTerminated().thenApply(done -> null);
  }

  /** How many engines this host runs. */
  public int size() {
    return runners.size();
  }

  @Override
  public void close() {
    system.terminate();
    runners.forEach(EngineRunner::close);
  }
}
