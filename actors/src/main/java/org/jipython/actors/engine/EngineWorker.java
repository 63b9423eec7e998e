package org.jipython.actors.engine;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.WireMessage;

/**
 * The engine's end of its queue. It never runs Python itself: it hands commands to the
 * {@link EngineRunner}'s dedicated thread, so it stays responsive (to cancellations, and later to
 * interrupts) while user code runs.
 */
public final class EngineWorker {

  /** Messages of the engine worker. */
  public interface Command {}

  /** Run {@code op}; answer {@code replyTo} with {@code EngineQueue.Completed(seq, ...)}. */
  public record Run(long seq, long epoch, EngineOp op, ActorRef<EngineQueue.Command> replyTo)
      implements Command, WireMessage {}

  /**
   * Skip every command of an epoch up to {@code epoch} that has not started, except the one with
   * sequence number {@code runningSeq}, which the queue counts as running.
   */
  public record Cancel(long epoch, long runningSeq) implements Command, WireMessage {}

  /**
   * The queue has seen the failure that halted the engine and opened epoch {@code epoch}:
   * skip what was sent before it, run what comes with it.
   */
  public record Resume(long epoch) implements Command, WireMessage {}

  private EngineWorker() {}

  public static Behavior<Command> create(EngineRunner runner) {
    return Behaviors.receive(Command.class)
        .onMessage(Run.class, run -> {
          runner.submit(run);
          return Behaviors.same();
        })
        .onMessage(Cancel.class, cancel -> {
          runner.cancel(cancel.epoch(), cancel.runningSeq());
          return Behaviors.same();
        })
        .onMessage(Resume.class, resume -> {
          runner.resume(resume.epoch());
          return Behaviors.same();
        })
        .build();
  }
}
