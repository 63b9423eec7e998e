package org.jipython.actors.controller;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.List;
import org.jipython.actors.protocol.Failure;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.error.FailureKind;

/**
 * How a task finished, as the controller keeps it until {@code clear()}: the pulled values as
 * pickles the controller never opened, or the failure.
 *
 * @param taskId the task id
 * @param kind the kind of the task that ran last (a recovery task may differ from the original)
 * @param engineId the engine that ran it last, or null when it never ran (aborted while queued,
 *     timed out)
 * @param names the pulled names, in the order asked
 * @param values one pickle per pulled name on success, else null
 * @param failure why it failed, or null on success
 * @param startedMillis when the last run started on the engine (epoch milliseconds), 0 when it
 *     never ran; the original's {@code submitted}
 * @param completedMillis when it finished (epoch milliseconds)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskOutcome(
    long taskId,
    TaskSpec.Kind kind,
    Integer engineId,
    List<String> names,
    List<byte[]> values,
    Failure failure,
    long startedMillis,
    long completedMillis)
    implements WireMessage {

  /** A task aborted while queued ({@code engineId} null) or while it ran. */
  public static TaskOutcome aborted(long taskId, TaskSpec spec, Integer engineId,
      long startedMillis) {
    return new TaskOutcome(taskId, spec.kind(), engineId, spec.pull(), null,
        Failure.of(FailureKind.TASK_ABORTED, "task " + taskId + " was aborted"),
        startedMillis, System.currentTimeMillis());
  }

  /** A task no idle engine accepted for {@code timeout}. */
  public static TaskOutcome timedOut(long taskId, TaskSpec spec, Duration timeout) {
    var text = "task " + taskId + " failed to execute due to unmet dependencies for "
        + timeout.toSeconds() + " seconds";
    return new TaskOutcome(taskId, spec.kind(), null, spec.pull(), null,
        Failure.of(FailureKind.TASK_TIMEOUT, text), 0, System.currentTimeMillis());
  }

  public boolean ok() {
    return failure == null;
  }

  /** Whether the task was aborted or timed out: any kind of task raises for these. */
  public boolean abortedOrTimedOut() {
    return failure != null && (failure.kind() == FailureKind.TASK_ABORTED
        || failure.kind() == FailureKind.TASK_TIMEOUT);
  }

  /** Whether this outcome counts in queue_status: only StringTask results do (quirk 12). */
  public boolean counted() {
    return kind == TaskSpec.Kind.STRING && !abortedOrTimedOut();
  }
}
