package org.jipython.actors.controller;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.actors.internal.Reassembly;
import org.jipython.actors.internal.Wire;
import org.jipython.actors.protocol.Chunk;
import org.jipython.runtime.error.JipythonException;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.error.FailureKind;

/**
 * The mailbox of one engine: every action on that engine, from any interface, goes through it.
 *
 * <p>Commands run in arrival order. Up to {@code pipelineDepth} are sent ahead to the engine so it
 * never waits for a round trip; the engine still runs one at a time. The original's rule holds:
 * when a command fails, every command waiting behind it fails with {@code QueueCleared}. Commands
 * already sent ahead are cleared by the engine itself: each command carries the queue's epoch;
 * after a failure the engine halts until the queue, having seen the failure, opens a new epoch
 * ({@code Resume}), and it skips what was sent in the older ones.
 */
public final class EngineQueue extends AbstractBehavior<EngineQueue.Command> {

  /** Messages of the engine queue. */
  public interface Command {}

  /** Run {@code op} on this engine; the answer goes to {@code replyTo} tagged with {@code slot}. */
  public record Submit(EngineOp op, int slot, ActorRef<Done> replyTo) implements Command {}

  /** The answer to a {@link Submit}. */
  public record Done(int slot, EngineReply reply) {}

  /** The engine's answer to the command with sequence number {@code seq}. */
  public record Completed(long seq, EngineReply reply) implements Command, WireMessage {}

  /** The engine is gone: fail everything, then answer every later command with the same. */
  public record EngineLost(String reason) implements Command {}

  private enum StopNow implements Command {
    INSTANCE
  }

  private record Job(EngineOp op, int slot, ActorRef<Done> replyTo, long epoch) {
    Job inEpoch(long e) {
      return new Job(op, slot, replyTo, e);
    }
  }

  /** How long a lost engine's queue keeps answering late commands before it stops. */
  private static final Duration LINGER_AFTER_LOSS = Duration.ofSeconds(60);

  private static final int HISTORY_LIMIT = 1000;

  private final int engineId;
  private final ActorRef<EngineWorker.Command> worker;
  private final int pipelineDepth;
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();
  private final LinkedHashMap<Long, Job> inFlight = new LinkedHashMap<>();
  private final TreeMap<Integer, ExecuteResult> history = new TreeMap<>();
  private final EngineProperties properties = new EngineProperties();
  private final Wire wire;
  private final Reassembly reassembly;
  private long nextSeq = 1;
  private long epoch = 1;
  private String lostReason;

  public static Behavior<Command> create(
      int engineId, ActorRef<EngineWorker.Command> worker, int pipelineDepth) {
    if (pipelineDepth < 1) {
      throw new IllegalArgumentException("pipelineDepth must be at least 1, was " + pipelineDepth);
    }
    return Behaviors.setup(ctx -> new EngineQueue(ctx, engineId, worker, pipelineDepth));
  }

  private EngineQueue(
      ActorContext<Command> context,
      int engineId,
      ActorRef<EngineWorker.Command> worker,
      int pipelineDepth) {
    super(context);
    this.engineId = engineId;
    this.worker = worker;
    this.pipelineDepth = pipelineDepth;
    this.wire = Wire.of(context.getSystem());
    this.reassembly = new Reassembly(context.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Chunk.class, this::onChunk)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Completed.class, this::onCompleted)
        .onMessage(EngineLost.class, this::onEngineLost)
        .onMessageEquals(StopNow.INSTANCE, Behaviors::stopped)
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
        // handled now, not re-enqueued: what arrived after it must stay after it
        return handleNow((Command) whole.get());
      }
    } catch (IllegalArgumentException e) {
      getContext().getLog().warn("engine {}: dropped a chunked message: {}", engineId,
          e.getMessage());
    }
    return this;
  }

  private Behavior<Command> onSubmit(Submit msg) {
    var job = new Job(msg.op(), msg.slot(), msg.replyTo(), 0);
    if (lostReason != null) {
      answer(job, EngineReply.failed(engineId, Failure.of(FailureKind.ENGINE_LOST, lostReason)));
      return this;
    }
    var op = msg.op();
    if (op instanceof EngineOp.ClearQueue) {
      clearWaiting();
      answer(job, EngineReply.done(engineId));
    } else if (op instanceof EngineOp.QueueStatus) {
      answer(job, EngineReply.queue(engineId, state()));
    } else if (op instanceof EngineOp.GetResult g && cached(g) != null) {
      answer(job, EngineReply.executed(engineId, cached(g)));
    } else if (op instanceof EngineOp.PropertiesOp p) {
      answer(job, properties.apply(engineId, p));
    } else if (op instanceof EngineOp.Reset) {
      clearWaiting();
      history.clear();
      properties.clear();
      enqueue(job);
    } else if (op instanceof EngineOp.Kill) {
      clearWaiting();
      enqueue(job);
    } else {
      enqueue(job);
    }
    return this;
  }

  private Behavior<Command> onCompleted(Completed msg) {
    var job = inFlight.remove(msg.seq());
    if (job == null) {
      getContext().getLog().debug("engine {}: reply to unknown command {}", engineId, msg.seq());
      return this;
    }
    var reply = msg.reply();
    if (reply.ok() && job.op() instanceof EngineOp.Execute && reply.execute() != null) {
      remember(reply.execute());
    }
    boolean failed = !reply.ok() && reply.failure().kind() != FailureKind.QUEUE_CLEARED;
    if (failed) {
      // The engine halted when the command failed. Everything waiting here, or sent to it
      // before now, waited behind the failure: it fails; the engine resumes with a new epoch.
      epoch++;
      failWaiting(FailureKind.QUEUE_CLEARED, null);
      worker.tell(new EngineWorker.Resume(epoch));
    }
    answer(job, reply);
    pump();
    return this;
  }

  private Behavior<Command> onEngineLost(EngineLost msg) {
    lostReason = "engine " + engineId + " is gone: " + msg.reason();
    getContext().getLog().info("engine {} lost ({}); failing {} running and {} waiting commands",
        engineId, msg.reason(), inFlight.size(), waiting.size());
    for (var job : inFlight.values()) {
      answer(job, EngineReply.failed(engineId, Failure.of(FailureKind.ENGINE_LOST, lostReason)));
    }
    inFlight.clear();
    failWaiting(FailureKind.ENGINE_LOST, lostReason);
    getContext().scheduleOnce(LINGER_AFTER_LOSS, getContext().getSelf(), StopNow.INSTANCE);
    return this;
  }

  private void enqueue(Job job) {
    waiting.add(job);
    pump();
  }

  private void pump() {
    while (inFlight.size() < pipelineDepth && !waiting.isEmpty()) {
      var job = waiting.poll().inEpoch(epoch);
      long seq = nextSeq++;
      try {
        wire.tell(worker, new EngineWorker.Run(seq, epoch, job.op(), getContext().getSelf()));
        inFlight.put(seq, job);
      } catch (JipythonException e) {
        answer(job, EngineReply.failed(engineId, Failure.of(e.kind(), e.getMessage())));
      }
    }
  }

  /** Fails what waits here and what was sent ahead but has not started on the engine. */
  private void clearWaiting() {
    if (inFlight.size() > 1) {
      // What was sent after the running command belongs to the ending epoch: the engine skips it.
      long running = inFlight.keySet().iterator().next();
      worker.tell(new EngineWorker.Cancel(epoch, running));
    }
    epoch++;
    failWaiting(FailureKind.QUEUE_CLEARED, null);
  }

  private void failWaiting(FailureKind kind, String message) {
    for (var job : waiting) {
      var text = message != null ? message : job.op().describe();
      answer(job, EngineReply.failed(engineId, Failure.of(kind, text)));
    }
    waiting.clear();
  }

  private ExecuteResult cached(EngineOp.GetResult g) {
    if (g.number() == null) {
      return history.isEmpty() ? null : history.lastEntry().getValue();
    }
    return history.get(g.number());
  }

  private void remember(ExecuteResult result) {
    history.put(result.number(), result);
    if (history.size() > HISTORY_LIMIT) {
      history.pollFirstEntry();
    }
  }

  private EngineReply.QueueState state() {
    var names = new ArrayList<String>();
    inFlight.values().forEach(j -> names.add(j.op().describe()));
    waiting.forEach(j -> names.add(j.op().describe()));
    String pending = names.isEmpty() ? null : names.remove(0);
    return new EngineReply.QueueState(pending, List.copyOf(names));
  }

  private void answer(Job job, EngineReply reply) {
    job.replyTo().tell(new Done(job.slot(), reply));
  }
}
