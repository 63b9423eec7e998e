package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;

/**
 * One run of a task on one engine: the commands it queues there and what came back.
 *
 * <p>The task's own commands (reset before, push, execute, pull) are queued together, so the
 * engine queue pipelines them; the original queued each after the previous one answered, which
 * costs a round trip per step and lets nothing more happen in between than here (MultiEngine
 * commands may still arrive between them). The reset after is queued once they all answered,
 * since a reset clears whatever waits in the engine's queue.
 *
 * <p>Answers may arrive in any order (a failure clears the commands behind it before it is
 * answered itself), so they are kept by step; the first failure in step order is the task's.
 */
final class TaskAttempt {

  /** The commands of a run, with the code each carries in its reply slot. */
  enum Step {
    CLEAR_BEFORE(0),
    PUSH(1),
    EXECUTE(2),
    PULL(3),
    CLEAR_AFTER(4);

    final int code;

    Step(int code) {
      this.code = code;
    }

    static Step ofCode(int code) {
      for (var step : values()) {
        if (step.code == code) {
          return step;
        }
      }
      return null;
    }
  }

  final int tag;
  final long taskId;
  final int engineId;
  final TaskSpec spec;
  final long startedMillis;
  private final Map<Step, EngineOp> commands = new LinkedHashMap<>();
  private final EnumMap<Step, EngineReply> replies = new EnumMap<>(Step.class);
  private boolean clearingAfter;
  private long completedMillis;

  TaskAttempt(int tag, long taskId, int engineId, TaskSpec spec, long startedMillis) {
    this.tag = tag;
    this.taskId = taskId;
    this.engineId = engineId;
    this.spec = spec;
    this.startedMillis = startedMillis;
    if (spec.clearBefore()) {
      commands.put(Step.CLEAR_BEFORE, new EngineOp.Reset());
    }
    if (!spec.push().isEmpty()) {
      commands.put(Step.PUSH, new EngineOp.Push(spec.push()));
    }
    commands.put(Step.EXECUTE, new EngineOp.Execute(spec.expression()));
    if (!spec.pull().isEmpty()) {
      commands.put(Step.PULL, new EngineOp.Pull(spec.pull()));
    }
  }

  /** The commands to queue now, in order. */
  Map<Step, EngineOp> commands() {
    return commands;
  }

  /**
   * Records one answer.
   *
   * @return true when the task's own commands have all answered (the reset after, if any, is
   *     still to be queued)
   */
  boolean record(Step step, EngineReply reply) {
    if (step == Step.CLEAR_AFTER || !commands.containsKey(step) || replies.containsKey(step)) {
      return false;
    }
    replies.put(step, reply);
    return replies.size() == commands.size();
  }

  /** Whether the reset after the task is queued and not answered yet. */
  boolean clearingAfter() {
    return clearingAfter;
  }

  /** The reset after the task is queued; the task is over when it answers. */
  void clearAfterQueued(long now) {
    clearingAfter = true;
    completedMillis = now;
  }

  /** The task's commands are done at {@code now} (kept if the reset after is still running). */
  void completed(long now) {
    if (completedMillis == 0) {
      completedMillis = now;
    }
  }

  /** The first failure in step order, or null when every command succeeded. */
  Failure failure() {
    for (var step : commands.keySet()) {
      var reply = replies.get(step);
      if (reply == null) {
        return null;
      }
      if (!reply.ok()) {
        return reply.failure();
      }
    }
    return null;
  }

  /** The task's outcome from its answers. */
  TaskOutcome outcome() {
    var failure = failure();
    List<byte[]> values = null;
    if (failure == null) {
      var pulled = replies.get(Step.PULL);
      values = pulled == null ? List.of() : new ArrayList<>(pulled.values());
    }
    return new TaskOutcome(taskId, spec.kind(), engineId, spec.pull(), values, failure,
        startedMillis, completedMillis);
  }

  /** The outcome when the engine went away before the task's commands all answered. */
  TaskOutcome lost(Failure failure, long now) {
    completed(now);
    var own = failure();
    return new TaskOutcome(taskId, spec.kind(), engineId, spec.pull(), null,
        own != null ? own : failure, startedMillis, completedMillis);
  }
}
