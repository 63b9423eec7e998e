package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.controller.TaskScheduler.Verdict;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.error.FailureKind;

/**
 * The Task adapter's side of the engine queues: the commands it queues there (task runs,
 * dependency evaluations, property reads) and what their answers mean.
 *
 * <p>Every command carries a tag in its reply slot, so an answer is matched to the run or the
 * evaluation it belongs to, and an answer from a run that was given up (its engine went away)
 * is ignored. Not thread-safe: the adapter's actor uses it.
 */
final class TaskEngines {

  /** What an answer from an engine queue meant for the adapter. */
  sealed interface Event {}

  /** A run is over: its task goes on with this outcome. */
  record AttemptOver(TaskAttempt attempt, TaskOutcome outcome) implements Event {}

  /** A dependency verdict or an engine's properties changed: worth scheduling again. */
  record Learned() implements Event {}

  /** Nothing to do yet. */
  record Nothing() implements Event {}

  /** The engines that came and went with a registry change. */
  record Changes(List<Integer> added, List<Integer> removed) {}

  private static final int PROBE = 6;
  private static final int PROPERTIES = 7;
  private static final int TAG_MASK = 0x0FFF_FFFF;

  private final ActorRef<EngineQueue.Done> replyTo;
  private final TaskDependencies dependencies = new TaskDependencies();
  private final Map<Integer, TaskAttempt> attempts = new HashMap<>();
  private final Map<Integer, TaskAttempt> running = new HashMap<>();
  private final Map<Integer, TaskDependencies.Probe> probes = new HashMap<>();
  private final Map<Integer, Integer> fetches = new HashMap<>();
  private SortedMap<Integer, ActorRef<EngineQueue.Command>> queues = new TreeMap<>();
  private int nextTag;

  /** @param replyTo where the engine queues answer (the adapter, through a message adapter) */
  TaskEngines(ActorRef<EngineQueue.Done> replyTo) {
    this.replyTo = replyTo;
  }

  /** Takes the registry's new view; an engine whose queue changed left and came back. */
  Changes update(SortedMap<Integer, ActorRef<EngineQueue.Command>> now) {
    var removed = new ArrayList<Integer>();
    var added = new ArrayList<Integer>();
    queues.forEach((id, queue) -> {
      if (!queue.equals(now.get(id))) {
        removed.add(id);
      }
    });
    now.forEach((id, queue) -> {
      if (!queue.equals(queues.get(id))) {
        added.add(id);
      }
    });
    queues = new TreeMap<>(now);
    return new Changes(added, removed);
  }

  /** Queues a run of {@code spec} for task {@code taskId} on the engine. */
  TaskAttempt dispatch(long taskId, int engineId, TaskSpec spec, long now) {
    var attempt = new TaskAttempt(nextTag(), taskId, engineId, spec, now);
    attempts.put(attempt.tag, attempt);
    running.put(engineId, attempt);
    attempt.commands().forEach((step, op) -> submit(engineId, op, attempt.tag, step.code));
    return attempt;
  }

  /** An answer from an engine queue. */
  Event answered(EngineQueue.Done done, long now) {
    int tag = done.slot() >>> 3;
    int code = done.slot() & 7;
    var reply = done.reply();
    if (code == PROBE) {
      var probe = probes.remove(tag);
      return probe != null && dependencies.probed(probe, verdictOf(reply))
          ? new Learned() : new Nothing();
    }
    if (code == PROPERTIES) {
      var engineId = fetches.remove(tag);
      if (engineId == null) {
        return new Nothing();
      }
      if (!reply.ok() || reply.names() == null || reply.values() == null) {
        dependencies.fetchFailed(engineId);
        return new Nothing();
      }
      return dependencies.fetched(engineId, reply.names(), reply.values())
          ? new Learned() : new Nothing();
    }
    var attempt = attempts.get(tag);
    var step = TaskAttempt.Step.ofCode(code);
    if (attempt == null || step == null) {
      return new Nothing();
    }
    if (step == TaskAttempt.Step.CLEAR_AFTER) {
      return over(attempt, attempt.outcome());
    }
    if (!attempt.record(step, reply)) {
      return new Nothing();
    }
    attempt.completed(now);
    if (attempt.spec.clearAfter()) {
      // a reset clears what waits in the queue: it goes in only once the task's commands are done
      attempt.clearAfterQueued(now);
      submit(attempt.engineId, new EngineOp.Reset(), tag, TaskAttempt.Step.CLEAR_AFTER.code);
      return new Nothing();
    }
    return over(attempt, attempt.outcome());
  }

  /** The engine is gone; the run on it, if any, is over with EngineLost. */
  Optional<AttemptOver> lost(int engineId, long now) {
    dependencies.forget(engineId);
    var attempt = running.get(engineId);
    if (attempt == null) {
      return Optional.empty();
    }
    // after its own commands answered only the reset after was missing: the outcome stands
    var outcome = attempt.clearingAfter() ? attempt.outcome() : attempt.lost(Failure.of(
        FailureKind.ENGINE_LOST, "engine " + engineId + " is gone: its process exited or is "
            + "unreachable"), now);
    return Optional.of(over(attempt, outcome));
  }

  /** Whether {@code depend} accepts the engine, as far as known. */
  Verdict verdict(int engineId, byte[] depend) {
    return dependencies.verdict(engineId, depend);
  }

  /** Finds out whether {@code depend} accepts the engine: reads its properties, then asks it. */
  void evaluate(int engineId, byte[] depend) {
    var probe = dependencies.startProbe(engineId, depend);
    if (probe.isPresent()) {
      int tag = nextTag();
      probes.put(tag, probe.get());
      submit(engineId, new EngineOp.Execute(probe.get().source()), tag, PROBE);
    } else if (!dependencies.propertiesKnown(engineId)) {
      readProperties(engineId);
    }
  }

  /** Reads the engine's properties again; verdicts are dropped if they changed. */
  void readProperties(int engineId) {
    if (queues.containsKey(engineId) && dependencies.startFetch(engineId)) {
      int tag = nextTag();
      fetches.put(tag, engineId);
      submit(engineId, new EngineOp.GetProperties(null), tag, PROPERTIES);
    }
  }

  /** Every verdict and property is found out afresh. */
  void forgetDependencies() {
    dependencies.forgetAll();
    probes.clear();
    fetches.clear();
  }

  private AttemptOver over(TaskAttempt attempt, TaskOutcome outcome) {
    attempts.remove(attempt.tag);
    running.remove(attempt.engineId, attempt);
    return new AttemptOver(attempt, outcome);
  }

  private void submit(int engineId, EngineOp op, int tag, int code) {
    var queue = queues.get(engineId);
    if (queue != null) {
      queue.tell(new EngineQueue.Submit(op, (tag << 3) | code, replyTo));
    }
  }

  private int nextTag() {
    nextTag = (nextTag + 1) & TAG_MASK;
    return nextTag;
  }

  /** True or false from an evaluation; null when it did not run (it is tried again). */
  private static Boolean verdictOf(EngineReply reply) {
    if (reply.ok()) {
      return reply.execute() != null && "True".equals(reply.execute().displayRepr());
    }
    // Python raised (the function could not even be rebuilt): false, as a depend that raises
    return reply.failure().kind() == FailureKind.PYTHON ? Boolean.FALSE : null;
  }
}
