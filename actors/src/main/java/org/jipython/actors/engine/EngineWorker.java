package org.jipython.actors.engine;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.internal.Reassembly;
import org.jipython.actors.internal.Wire;
import org.jipython.actors.protocol.Chunk;
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
    return Behaviors.setup(ctx -> {
      runner.useWire(Wire.of(ctx.getSystem()));
      var reassembly = new Reassembly(ctx.getSystem());
      return Behaviors.receive(Command.class)
          .onMessage(Chunk.class, chunk -> {
            try {
              reassembly.accept(chunk).ifPresent(whole -> handle(runner, (Command) whole));
            } catch (IllegalArgumentException e) {
              ctx.getLog().warn("dropped a chunked message: {}", e.getMessage());
            }
            return Behaviors.same();
          })
          .onMessage(Command.class, command -> {
            handle(runner, command);
            return Behaviors.same();
          })
          .build();
    });
  }

  private static void handle(EngineRunner runner, Command command) {
    if (command instanceof Run run) {
      runner.submit(run);
    } else if (command instanceof Cancel cancel) {
      runner.cancel(cancel.epoch(), cancel.runningSeq());
    } else if (command instanceof Resume resume) {
      runner.resume(resume.epoch());
    }
  }
}
