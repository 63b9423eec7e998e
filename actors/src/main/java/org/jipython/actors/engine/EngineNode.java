package org.jipython.actors.engine;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.JoinSeedNodes;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;
import org.jipython.actors.controller.Controller;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.security.FurlFile;

/**
 * A running engine: an actor system that joins the controller's cluster over the seed node, an
 * {@link EngineWorker}, and the {@link EngineRunner} thread with the Jython interpreter.
 *
 * <p>Lifecycle: {@code joining -> registering -> registered}. Jython starts while the node joins;
 * once the node is up it registers with the engine capability, repeating the request until the
 * controller answers.
 */
public final class EngineNode implements AutoCloseable {

  /** What an engine needs to start. */
  public record Options(FurlFile furl, String localHost, Integer desiredId, Object mpi,
      IntConsumer onRegistered) {}

  private interface Command {}

  private enum Up implements Command {
    INSTANCE
  }

  private enum Retry implements Command {
    INSTANCE
  }

  private record Answer(Controller.RegisterReply reply) implements Command {}

  private final ActorSystem<Command> system;
  private final EngineRunner runner;
  private final CompletableFuture<Integer> registered;

  private EngineNode(ActorSystem<Command> system, EngineRunner runner,
      CompletableFuture<Integer> registered) {
    this.system = system;
    this.runner = runner;
    this.registered = registered;
  }

  /** Starts the engine; registration goes on in the background (see {@link #registered()}). */
  public static EngineNode start(Config config, Options options) {
    var limits = new ReplyLimits(config.getInt("jipython.engine.max-output-chars"),
        config.getInt("jipython.engine.max-value-bytes"));
    var retry = config.getDuration("jipython.engine.register-retry-interval");
    var registered = new CompletableFuture<Integer>();
    var systemRef = new CompletableFuture<ActorSystem<Command>>();
    var runner = new EngineRunner(limits, options.mpi(),
        () -> systemRef.thenAccept(ActorSystem::terminate));
    var furl = options.furl().furl();
    var controllerAddress = new Address("pekko", Systems.CLUSTER_SYSTEM, furl.host(), furl.port());
    Behavior<Command> guardian = Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      var worker = ctx.spawn(EngineWorker.create(runner), "worker");
      var cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(SelfUp.class, up -> Up.INSTANCE), SelfUp.class));
      cluster.manager().tell(new JoinSeedNodes(java.util.List.of(controllerAddress)));
      ctx.getLog().info("joining the controller's cluster at {}", controllerAddress);
      var controller = ActorRefResolver.get(ctx.getSystem()).<Controller.Command>resolveActorRef(
          controllerAddress + "/user/controller");
      return joining(ctx, timers, retry, controller, registration(ctx, options, worker),
          registered, runner, options.onRegistered());
    }));
    var system = Systems.engine(guardian, config, options.furl().identity(), options.localHost());
    systemRef.complete(system);
    system.getWhenTerminated().thenRun(runner::close);
    return new EngineNode(system, runner, registered);
  }

  private static Controller.Register registration(ActorContext<Command> ctx, Options options,
      ActorRef<EngineWorker.Command> worker) {
    var replyTo = ctx.messageAdapter(Controller.RegisterReply.class, Answer::new);
    return new Controller.Register(options.furl().furl().token().encoded(), options.desiredId(),
        ProcessHandle.current().pid(), options.localHost(), worker, replyTo);
  }

  private static Behavior<Command> joining(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      Duration retry, ActorRef<Controller.Command> controller, Controller.Register register,
      CompletableFuture<Integer> registered, EngineRunner runner, IntConsumer onRegistered) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Up.INSTANCE, () -> {
          ctx.getLog().info("joined the cluster; registering with the controller");
          controller.tell(register);
          timers.startTimerWithFixedDelay(Retry.INSTANCE, retry);
          return Behaviors.receive(Command.class)
              .onMessageEquals(Retry.INSTANCE, () -> {
                ctx.getLog().info("no answer from the controller yet; registering again");
                controller.tell(register);
                return Behaviors.same();
              })
              .onMessage(Answer.class, answer -> {
                timers.cancel(Retry.INSTANCE);
                var reply = answer.reply();
                if (reply.id() == null) {
                  ctx.getLog().error("engine registration failed: {}", reply.refusal());
                  registered.completeExceptionally(new IllegalStateException(reply.refusal()));
                  return Behaviors.stopped();
                }
                ctx.getLog().info("engine registration succeeded, got id: {}", reply.id());
                runner.assign(reply.id());
                registered.complete(reply.id());
                onRegistered.accept(reply.id());
                return Behaviors.receive(Command.class).build();
              })
              .build();
        })
        .build();
  }

  /** Completes with the engine id once the controller has registered this engine. */
  public CompletionStage<Integer> registered() {
    return registered;
  }

  /** Completes when the engine's actor system has stopped. */
  public CompletionStage<Void> whenTerminated() {
    return system.getWhenTerminated().thenApply(done -> null);
  }

  @Override
  public void close() {
    system.terminate();
    runner.close();
  }
}
