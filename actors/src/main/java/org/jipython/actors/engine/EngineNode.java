package org.jipython.actors.engine;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntConsumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
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
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;

/**
 * A running engine: an actor system that joins the controller's cluster over the seed node, an
 * {@link EngineWorker}, and the {@link EngineRunner} thread with the Jython interpreter.
 *
 * <p>Lifecycle: {@code joining -> registering -> registered}. Jython starts while the node joins;
 * once the node is up it registers with the engine capability, repeating the request until the
 * controller answers. An engine started before its controller keeps trying to join, saying so in
 * its log every few seconds, until {@link Options#joinTimeout()}; then it stops with a non-zero
 * exit status and the reason as the failure of {@link #registered()}.
 */
public final class EngineNode implements AutoCloseable {

  /**
   * What an engine needs to start.
   *
   * @param furl the engine furl: where the controller is, the TLS identity, the capability
   * @param localHost the address this engine listens on and the controller reaches it at
   * @param desiredId the id to ask for (the MPI rank), or null for the smallest free one
   * @param mpi the object bound to {@code mpi} in the namespace, or null for {@code None}
   * @param onRegistered called with the id once the controller has registered this engine
   * @param joinTimeout how long to keep trying to reach the controller and register before
   *     giving up (the engine then stops with a non-zero exit status); null waits forever
   */
  public record Options(FurlFile furl, String localHost, Integer desiredId, Object mpi,
      IntConsumer onRegistered, Duration joinTimeout) {

    /** Options that wait for the controller forever. */
    public Options(FurlFile furl, String localHost, Integer desiredId, Object mpi,
        IntConsumer onRegistered) {
      this(furl, localHost, desiredId, mpi, onRegistered, null);
    }

    /** Checks the timeout. */
    public Options {
      if (joinTimeout != null && (joinTimeout.isNegative() || joinTimeout.isZero())) {
        throw new IllegalArgumentException("joinTimeout must be positive, not " + joinTimeout);
      }
    }
  }

  /** How often an engine that waits for the controller says so in its log. */
  static final Duration WAITING_LOG_INTERVAL = Duration.ofSeconds(5);

  private interface Command {}

  private enum Up implements Command {
    INSTANCE
  }

  private enum Retry implements Command {
    INSTANCE
  }

  private enum StillWaiting implements Command {
    INSTANCE
  }

  private enum GiveUp implements Command {
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
    var limits = ReplyLimits.from(config);
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
      timers.startTimerWithFixedDelay(StillWaiting.INSTANCE, WAITING_LOG_INTERVAL);
      if (options.joinTimeout() != null) {
        timers.startSingleTimer(GiveUp.INSTANCE, options.joinTimeout());
      }
      var controller = ActorRefResolver.get(ctx.getSystem()).<Controller.Command>resolveActorRef(
          controllerAddress + "/user/controller");
      var waiting = new Waiting(ctx, timers, furl.host() + ":" + furl.port(),
          options.joinTimeout(), System.nanoTime(), registered);
      return joining(waiting, retry, controller, registration(ctx, options, worker), runner,
          options.onRegistered());
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

  /** What the joining and registering states share: timers, and how to say what they wait for. */
  private record Waiting(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      String controller, Duration timeout, long since, CompletableFuture<Integer> registered) {

    void logStillWaiting(String what) {
      long seconds = (System.nanoTime() - since) / 1_000_000_000L;
      ctx.getLog().info("still waiting for the controller at {} ({}) after {} s{}", controller,
          what, seconds, timeout == null ? "" : " of at most " + timeout.toSeconds() + " s");
    }

    /** Ends the engine with a non-zero exit status (when it runs as its own process). */
    Behavior<Command> fail(String reason) {
      ctx.getLog().error("{}", reason);
      timers.cancelAll();
      registered.completeExceptionally(new JipythonException(FailureKind.CONNECTION, reason));
      // the join-unsuccessful reason makes CoordinatedShutdown exit with a non-zero status
      CoordinatedShutdown.get(ctx.getSystem())
          .run(CoordinatedShutdown.clusterJoinUnsuccessfulReason());
      return Behaviors.stopped();
    }

    Behavior<Command> giveUp(String stage) {
      long seconds = (timeout.toMillis() + 999) / 1000;
      return fail("gave up: " + stage + " the controller at " + controller + " within " + seconds
          + " s; is ipcontroller running there, and is this its current engine furl file?");
    }
  }

  private static Behavior<Command> joining(Waiting waiting, Duration retry,
      ActorRef<Controller.Command> controller, Controller.Register register, EngineRunner runner,
      IntConsumer onRegistered) {
    var ctx = waiting.ctx();
    return Behaviors.receive(Command.class)
        .onMessageEquals(StillWaiting.INSTANCE, () -> {
          waiting.logStillWaiting("it cannot be reached yet: no cluster join");
          return Behaviors.same();
        })
        .onMessageEquals(GiveUp.INSTANCE, () -> waiting.giveUp("could not join"))
        .onMessageEquals(Up.INSTANCE, () -> {
          ctx.getLog().info("joined the cluster; registering with the controller");
          controller.tell(register);
          waiting.timers().startTimerWithFixedDelay(Retry.INSTANCE, retry);
          return registering(waiting, controller, register, runner, onRegistered);
        })
        .build();
  }

  private static Behavior<Command> registering(Waiting waiting,
      ActorRef<Controller.Command> controller, Controller.Register register, EngineRunner runner,
      IntConsumer onRegistered) {
    var ctx = waiting.ctx();
    return Behaviors.receive(Command.class)
        .onMessageEquals(Retry.INSTANCE, () -> {
          ctx.getLog().info("no answer from the controller yet; registering again");
          controller.tell(register);
          return Behaviors.same();
        })
        .onMessageEquals(StillWaiting.INSTANCE, () -> {
          waiting.logStillWaiting("joined its cluster, no answer to the registration yet");
          return Behaviors.same();
        })
        .onMessageEquals(GiveUp.INSTANCE, () -> waiting.giveUp("joined but could not register "
            + "with"))
        .onMessage(Answer.class, answer -> {
          var reply = answer.reply();
          if (reply.id() == null) {
            return waiting.fail("engine registration failed: " + reply.refusal());
          }
          waiting.timers().cancelAll();
          ctx.getLog().info("engine registration succeeded, got id: {}", reply.id());
          runner.assign(reply.id());
          waiting.registered().complete(reply.id());
          onRegistered.accept(reply.id());
          return Behaviors.receive(Command.class).build();
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
