package org.jipython.actors.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jipython.actors.protocol.Failure;

/**
 * The result of a {@link StringTask}, as the original's {@code TaskResult}: the pulled values,
 * or the failure.
 *
 * @param taskId the task id
 * @param engineId the engine that ran it (it may be gone by now)
 * @param results the pulled names and their values; empty when the task failed
 * @param failure why the task failed, or null
 * @param submitted when the task started running on the engine (not when it was submitted: the
 *     original's naming)
 * @param completed when it finished
 */
public record TaskResult(long taskId, Integer engineId, Map<String, Object> results,
    Failure failure, Instant submitted, Instant completed) {

  /** Whether the task succeeded. */
  public boolean ok() {
    return failure == null;
  }

  /** From the start of the run to its end. */
  public Duration duration() {
    return Duration.between(submitted, completed);
  }

  /**
   * The value of a pulled name.
   *
   * @throws TaskException if the task failed
   */
  public Object get(String name) {
    raiseException();
    return results.get(name);
  }

  /** Throws the task's failure as a {@link TaskException}, if it failed. */
  public void raiseException() {
    if (failure != null) {
      throw new TaskException(failure);
    }
  }
}
