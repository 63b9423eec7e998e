package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.jipython.actors.internal.Reassembly;
import org.jipython.actors.internal.Wire;
import org.jipython.actors.protocol.Answerable;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.runtime.error.JipythonException;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.security.CapabilityToken;

/**
 * The MultiEngine interface: explicit, per-engine addressing.
 *
 * <p>It lives in the controller's client-facing actor system, checks the MultiEngine capability
 * on every request, resolves the targets against the registry (all or nothing, before anything
 * is queued), and hands the operation to each target's queue; a {@link Gather} child collects
 * the answers in target order and replies once.
 */
public final class MultiEngineAdapter extends AbstractBehavior<MultiEngineAdapter.Command> {

  /** Messages of the MultiEngine adapter. */
  public interface Command {}

  /**
   * Run {@code op} on {@code targets} (null means every registered engine).
   *
   * @param capability the MultiEngine capability token
   * @param requestId chosen by the client, echoed in the reply
   * @param pending when true, the reply comes at once with a pending-result id, and the results
   *     are kept here until someone collects them ({@link GetPending}) or {@link Flush}es them
   */
  public record Request(
      String capability,
      long requestId,
      List<Integer> targets,
      EngineOp op,
      boolean pending,
      ActorRef<Reply> replyTo)
      implements Command, WireMessage, Answerable {}

  /** Collect a pending result, waiting for it when {@code block}; collecting it deletes it. */
  public record GetPending(String capability, long requestId, String pendingId, boolean block,
      ActorRef<Reply> replyTo) implements Command, WireMessage, Answerable {}

  /** Drop every pending result of every client; whoever waits on one gets an error. */
  public record Flush(String capability, long requestId, ActorRef<Reply> replyTo)
      implements Command, WireMessage, Answerable {}

  /** Stop the controller after {@code delayMillis}: {@code kill(controller=True)}. */
  public record StopController(String capability, long requestId, long delayMillis,
      ActorRef<Reply> replyTo) implements Command, WireMessage, Answerable {}

  /** Which engines are registered now. */
  public record GetIds(String capability, long requestId, ActorRef<Reply> replyTo)
      implements Command, WireMessage, Answerable {}

  /**
   * The answer to a request: the engine ids for {@link GetIds}, one reply per target in target
   * order for {@link Request}, or why the request was refused as a whole.
   */
  public record Reply(long requestId, List<Integer> ids, List<EngineReply> results,
      Failure refusal, String pendingId) implements WireMessage {

    static Reply refused(long requestId, FailureKind kind, String message) {
      return new Reply(requestId, null, null, Failure.of(kind, message), null);
    }

    static Reply results(long requestId, List<EngineReply> results) {
      return new Reply(requestId, null, results, null, null);
    }

    Reply to(long otherRequestId) {
      return new Reply(otherRequestId, ids, results, refusal, pendingId);
    }
  }

  private record Engines(SortedMap<Integer, ActorRef<EngineQueue.Command>> queues)
      implements Command {}

  private record PendingDone(Reply reply) implements Command {}

  private final CapabilityToken token;
  private final ActorRef<Controller.Command> controller;
  private final PendingResults pending;
  private final Reassembly reassembly;
  private final Wire wire;
  private final ActorRef<Reply> pendingDone;
  private SortedMap<Integer, ActorRef<EngineQueue.Command>> queues = new TreeMap<>();

  public static Behavior<Command> create(
      ActorRef<Controller.Command> controller, CapabilityToken token) {
    // a malformed request (any holder of the client TLS identity can send one) must not stop
    // the interface: log the failure and go on with the next message
    return KnownMessagesOnly.of(Command.class, "MultiEngine", Behaviors.supervise(
            Behaviors.<Command>setup(ctx -> new MultiEngineAdapter(ctx, controller, token)))
        .onFailure(RuntimeException.class, SupervisorStrategy.resume()));
  }

  private MultiEngineAdapter(
      ActorContext<Command> ctx, ActorRef<Controller.Command> controller, CapabilityToken token) {
    super(ctx);
    this.token = token;
    this.controller = controller;
    this.wire = Wire.of(ctx.getSystem());
    this.pending = new PendingResults(wire);
    this.reassembly = new Reassembly(ctx.getSystem());
    this.pendingDone = ctx.messageAdapter(Reply.class, PendingDone::new);
    var engines = ctx.messageAdapter(Controller.EnginesChanged.class, c -> new Engines(c.queues()));
    controller.tell(new Controller.Subscribe(engines));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Chunk.class, this::onChunk)
        .onMessage(Request.class, this::onRequest)
        .onMessage(GetIds.class, this::onGetIds)
        .onMessage(GetPending.class, this::onGetPending)
        .onMessage(Flush.class, this::onFlush)
        .onMessage(StopController.class, this::onStopController)
        .onMessage(PendingDone.class, this::onPendingDone)
        .onMessage(Engines.class, this::onEngines)
        .onAnyMessage(this::onUnknown)
        .build();
  }

  private Behavior<Command> handleNow(Command whole) {
    try {
      return createReceive().receive(getContext(), whole);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Behavior<Command> onChunk(Chunk chunk) {
    try {
      var whole = reassembly.accept(chunk);
      if (whole.isPresent()) {
        if (!(whole.get() instanceof Answerable) || !(whole.get() instanceof Command)) {
          return onUnknown(whole.get());
        }
        return handleNow((Command) whole.get());
      }
    } catch (Reassembly.Refused e) {
      getContext().getLog().warn("dropped a chunked message from {}: {}",
          chunk.replyTo() == null ? "an unknown sender" : chunk.replyTo().path().address(),
          e.getMessage());
      if (chunk.replyTo() != null) {
        chunk.replyTo().<Reply>unsafeUpcast().tell(
            Reply.refused(chunk.requestId(), e.kind(), "refused: " + e.getMessage()));
      }
    }
    return this;
  }

  /**
   * Anything that is not a MultiEngine request (any holder of the client TLS identity can send it) is
   * dropped; the log names its type, never its contents.
   */
  private Behavior<Command> onUnknown(Object message) {
    getContext().getLog().warn("dropped a message of unknown type {} sent to the MultiEngine "
        + "interface", message == null ? "null" : message.getClass().getName());
    return this;
  }

  private Behavior<Command> onGetIds(GetIds msg) {
    if (refused(msg.capability(), msg.requestId(), msg.replyTo())) {
      return this;
    }
    msg.replyTo().tell(new Reply(msg.requestId(), List.copyOf(queues.keySet()), null, null, null));
    return this;
  }

  private Behavior<Command> onRequest(Request msg) {
    if (refused(msg.capability(), msg.requestId(), msg.replyTo())) {
      return this;
    }
    if (msg.op() == null) {
      msg.replyTo().tell(Reply.refused(msg.requestId(), FailureKind.PROTOCOL,
          "the request names no operation"));
      return this;
    }
    var targets = new ArrayList<ActorRef<EngineQueue.Command>>();
    if (msg.targets() == null) {
      if (queues.isEmpty()) {
        msg.replyTo().tell(Reply.refused(msg.requestId(), FailureKind.NO_ENGINES,
            "There are no engines registered. Start some with scripts/ipengine or "
                + "scripts/ipcluster; check the logs in ~/.ipython/log"));
        return this;
      }
      targets.addAll(queues.values());
    } else {
      for (var id : msg.targets()) {
        var queue = id == null ? null : queues.get(id);
        if (queue == null) {
          msg.replyTo().tell(Reply.refused(msg.requestId(), FailureKind.INVALID_ENGINE_ID,
              "Engine with id " + id + " is not registered"));
          return this;
        }
        targets.add(queue);
      }
    }
    long gatherId = msg.requestId();
    ActorRef<Reply> resultsTo = msg.replyTo();
    if (msg.pending()) {
      gatherId = pending.open();
      resultsTo = pendingDone;
      msg.replyTo().tell(new Reply(msg.requestId(), null, null, null, pending.idOf(gatherId)));
    }
    if (targets.isEmpty()) {
      resultsTo.tell(Reply.results(gatherId, List.of()));
      return this;
    }
    var gather = getContext().spawnAnonymous(
        Gather.create(gatherId, targets.size(), resultsTo, wire));
    for (int slot = 0; slot < targets.size(); slot++) {
      targets.get(slot).tell(new EngineQueue.Submit(msg.op(), slot, gather));
    }
    return this;
  }

  private Behavior<Command> onGetPending(GetPending msg) {
    if (!refused(msg.capability(), msg.requestId(), msg.replyTo())) {
      pending.collect(msg.pendingId(), msg.block(), msg.requestId(), msg.replyTo());
    }
    return this;
  }

  private Behavior<Command> onFlush(Flush msg) {
    if (!refused(msg.capability(), msg.requestId(), msg.replyTo())) {
      int dropped = pending.flush();
      getContext().getLog().info("flushed {} pending results", dropped);
      msg.replyTo().tell(Reply.results(msg.requestId(), List.of()));
    }
    return this;
  }

  private Behavior<Command> onStopController(StopController msg) {
    if (!refused(msg.capability(), msg.requestId(), msg.replyTo())) {
      getContext().getLog().info("a client asked the controller to stop in {} ms",
          msg.delayMillis());
      controller.tell(new Controller.Stop(java.time.Duration.ofMillis(msg.delayMillis())));
      msg.replyTo().tell(Reply.results(msg.requestId(), List.of()));
    }
    return this;
  }

  private Behavior<Command> onPendingDone(PendingDone msg) {
    pending.complete(msg.reply().requestId(), msg.reply());
    return this;
  }

  private Behavior<Command> onEngines(Engines msg) {
    queues = msg.queues();
    return this;
  }

  private boolean refused(String capability, long requestId, ActorRef<Reply> replyTo) {
    if (token.matches(capability)) {
      return false;
    }
    getContext().getLog().warn("refused a MultiEngine request from {}: wrong capability",
        replyTo.path().address());
    replyTo.tell(Reply.refused(requestId, FailureKind.REFUSED,
        "refused: this request does not carry the MultiEngine capability "
            + "(use the controller's ipcontroller-mec.furl)"));
    return true;
  }

  /** Sends a reply of any size; one too large to send becomes a refusal that says so. */
  static void send(Wire wire, ActorRef<Reply> replyTo, Reply reply) {
    try {
      wire.tell(replyTo, reply);
    } catch (JipythonException e) {
      replyTo.tell(Reply.refused(reply.requestId(), e.kind(), e.getMessage()));
    }
  }

  /** Collects one answer per target, in target order, replies once, and stops. */
  static final class Gather {
    private Gather() {}

    static Behavior<EngineQueue.Done> create(long requestId, int expected, ActorRef<Reply> replyTo,
        Wire wire) {
      return Behaviors.setup(ctx -> {
        var results = new EngineReply[expected];
        int[] missing = {expected};
        return Behaviors.receiveMessage(done -> {
          if (results[done.slot()] == null) {
            results[done.slot()] = done.reply();
            missing[0]--;
          }
          if (missing[0] > 0) {
            return Behaviors.same();
          }
          send(wire, replyTo, Reply.results(requestId, List.of(results)));
          return Behaviors.stopped();
        });
      });
    }
  }
}
