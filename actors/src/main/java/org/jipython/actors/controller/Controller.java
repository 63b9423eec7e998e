package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.security.CapabilityToken;

/**
 * The supervisor of the controller: it owns the engine registry and one {@link EngineQueue} per
 * engine, and tells the interface adapters which engines there are.
 *
 * <p>An engine registers with the engine capability once it is a cluster member. It leaves when
 * its actor stops (process exit, kill) or its node becomes unreachable: the controller downs an
 * unreachable engine at once, since a command cannot wait for an engine nobody can reach, and
 * its queue fails what was waiting on it.
 */
public final class Controller extends AbstractBehavior<Controller.Command> {

  /** Messages of the controller. */
  public interface Command {}

  /** An engine asks to join, presenting the engine capability. */
  public record Register(
      String capability,
      Integer desiredId,
      long pid,
      String host,
      ActorRef<EngineWorker.Command> worker,
      ActorRef<RegisterReply> replyTo)
      implements Command, WireMessage {}

  /** The answer to {@link Register}: the engine's id, or why it was refused. */
  public record RegisterReply(Integer id, String refusal) implements WireMessage {}

  /** An adapter wants the engine queues now and after every change. */
  public record Subscribe(ActorRef<EnginesChanged> subscriber) implements Command {}

  /** The registered engines' queues, by id. */
  public record EnginesChanged(SortedMap<Integer, ActorRef<EngineQueue.Command>> queues) {}

  /** Kill every engine, then stop the controller after {@code delay}. */
  public record Stop(java.time.Duration delay) implements Command {}

  private enum StopNow implements Command {
    INSTANCE
  }

  private record WorkerGone(int id, ActorRef<EngineWorker.Command> worker) implements Command {}

  private record Unreachable(ClusterEvent.UnreachableMember event) implements Command {}

  /** Settings of the controller. */
  public record Settings(int maxEngines, int pipelineDepth) {
    public Settings {
      if (pipelineDepth < 1) {
        throw new IllegalArgumentException("pipelineDepth must be at least 1");
      }
    }
  }

  private final CapabilityToken engineToken;
  private final Settings settings;
  private final EngineRegistry registry;
  private final List<ActorRef<EnginesChanged>> subscribers = new ArrayList<>();

  private final Runnable onStop;

  /**
   * @param onStop stops the controller's process-level resources (both actor systems)
   */
  public static Behavior<Command> create(CapabilityToken engineToken, Settings settings,
      Runnable onStop) {
    return Behaviors.setup(ctx -> new Controller(ctx, engineToken, settings, onStop));
  }

  private Controller(ActorContext<Command> ctx, CapabilityToken engineToken, Settings settings,
      Runnable onStop) {
    super(ctx);
    this.engineToken = engineToken;
    this.onStop = onStop;
    this.settings = settings;
    this.registry = new EngineRegistry(settings.maxEngines());
    var unreachable =
        ctx.messageAdapter(ClusterEvent.UnreachableMember.class, Unreachable::new);
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(new org.apache.pekko.cluster.typed.Subscribe<>(
            unreachable, ClusterEvent.UnreachableMember.class));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Register.class, this::onRegister)
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(WorkerGone.class, this::onWorkerGone)
        .onMessage(Unreachable.class, this::onUnreachable)
        .onMessage(Stop.class, this::onStop)
        .onMessageEquals(StopNow.INSTANCE, this::onStopNow)
        .build();
  }

  private Behavior<Command> onRegister(Register msg) {
    var log = getContext().getLog();
    var peer = msg.worker().path().address();
    if (!engineToken.matches(msg.capability())) {
      log.warn("refused engine registration from {}: wrong engine capability", peer);
      msg.replyTo().tell(new RegisterReply(null, "refused: wrong engine capability"));
      return this;
    }
    var known = registry.byWorker(msg.worker());
    if (known.isPresent()) {
      // a retried registration whose first reply was lost
      msg.replyTo().tell(new RegisterReply(known.get().id(), null));
      return this;
    }
    var id = registry.assignId(msg.desiredId());
    if (id.isEmpty()) {
      log.warn("refused engine registration from {}: all {} engine ids are taken", peer,
          settings.maxEngines());
      msg.replyTo().tell(new RegisterReply(null,
          "refused: the controller has no free engine id (limit " + settings.maxEngines() + ")"));
      return this;
    }
    int engineId = id.get();
    var queue = getContext().spawn(
        EngineQueue.create(engineId, msg.worker(), settings.pipelineDepth()),
        "engine-" + engineId + "-queue-" + System.nanoTime());
    registry.add(new EngineRegistry.Entry(engineId, msg.worker(), queue, msg.host(), msg.pid()));
    getContext().watchWith(msg.worker(), new WorkerGone(engineId, msg.worker()));
    log.info("registered engine with id: {}", engineId);
    log.info("Engine Info: {} {} {} {}", engineId, msg.host(),
        peer.getPort().orElse(-99), msg.pid());
    msg.replyTo().tell(new RegisterReply(engineId, null));
    publish();
    return this;
  }

  private Behavior<Command> onSubscribe(Subscribe msg) {
    subscribers.add(msg.subscriber());
    msg.subscriber().tell(new EnginesChanged(registry.queues()));
    return this;
  }

  private Behavior<Command> onWorkerGone(WorkerGone msg) {
    var entry = registry.get(msg.id());
    if (entry.isEmpty() || !entry.get().worker().equals(msg.worker())) {
      return this;
    }
    registry.remove(msg.id());
    entry.get().queue().tell(new EngineQueue.EngineLost("its process exited or is unreachable"));
    getContext().getLog().info("unregistered engine with id: {}", msg.id());
    publish();
    return this;
  }

  private Behavior<Command> onUnreachable(Unreachable msg) {
    var member = msg.event().member();
    if (member.hasRole("engine")) {
      var engine = registry.byAddress(member.address());
      getContext().getLog().info("engine node {} (engine id {}) is unreachable; downing it",
          member.address(), engine.map(e -> String.valueOf(e.id())).orElse("none"));
      Cluster.get(getContext().getSystem()).manager().tell(new Down(member.address()));
    }
    return this;
  }

  private Behavior<Command> onStop(Stop msg) {
    getContext().getLog().info("stopping: killing {} engines, then the controller in {} ms",
        registry.size(), msg.delay().toMillis());
    ActorRef<EngineQueue.Done> ignore = getContext().getSystem().ignoreRef();
    registry.queues().values().forEach(q -> q.tell(new EngineQueue.Submit(
        new org.jipython.actors.protocol.EngineOp.Kill(), 0, ignore)));
    getContext().scheduleOnce(msg.delay(), getContext().getSelf(), StopNow.INSTANCE);
    return this;
  }

  private Behavior<Command> onStopNow() {
    getContext().getLog().info("controller stopping as a client asked");
    onStop.run();
    return this;
  }

  private void publish() {
    var changed = new EnginesChanged(registry.queues());
    subscribers.forEach(s -> s.tell(changed));
  }
}
