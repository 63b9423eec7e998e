package org.jipython.actors.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jipython.actors.controller.TaskSpec;

/**
 * A load-balanced task for Java programs, as the original's {@code StringTask}: push values, run
 * Python source on whichever engine is free, pull names back. Immutable: each option returns a
 * new task.
 *
 * <pre>{@code
 * var task = new StringTask("b = a * 2").push(Map.of("a", 21)).pull("b").retries(2);
 * long id = tc.run(task).toCompletableFuture().join();
 * }</pre>
 */
public final class StringTask {
  /** No retries unless asked for. */
  public static final int DEFAULT_RETRIES = 0;

  private final String expression;
  private final Map<String, Object> push;
  private final List<String> pull;
  private final boolean clearBefore;
  private final boolean clearAfter;
  private final int retries;
  private final StringTask recoveryTask;

  /** A task that runs {@code expression}; nothing pushed or pulled, no retries. */
  public StringTask(String expression) {
    this(Objects.requireNonNull(expression, "expression"), Map.of(), List.of(), false, false,
        DEFAULT_RETRIES, null);
  }

  private StringTask(String expression, Map<String, Object> push, List<String> pull,
      boolean clearBefore, boolean clearAfter, int retries, StringTask recoveryTask) {
    this.expression = expression;
    this.push = push;
    this.pull = pull;
    this.clearBefore = clearBefore;
    this.clearAfter = clearAfter;
    this.retries = retries;
    this.recoveryTask = recoveryTask;
  }

  /** Values bound on the engine before the expression runs (pickled here). */
  public StringTask push(Map<String, ?> values) {
    var copy = new LinkedHashMap<String, Object>();
    values.forEach((name, value) -> copy.put(Objects.requireNonNull(name, "name"), value));
    return new StringTask(expression, copy, pull, clearBefore, clearAfter, retries,
        recoveryTask);
  }

  /** The names whose values are the task's result. */
  public StringTask pull(String... names) {
    for (var name : names) {
      Objects.requireNonNull(name, "a pulled name");
    }
    return new StringTask(expression, push, List.of(names), clearBefore, clearAfter, retries,
        recoveryTask);
  }

  /** Reset the engine before the task runs. */
  public StringTask clearBefore(boolean clear) {
    return new StringTask(expression, push, pull, clear, clearAfter, retries, recoveryTask);
  }

  /** Reset the engine after the task ran, whether it failed or not. */
  public StringTask clearAfter(boolean clear) {
    return new StringTask(expression, push, pull, clearBefore, clear, retries, recoveryTask);
  }

  /**
   * How many times the task is queued again after a failure.
   *
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public StringTask retries(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("retries must be at least 0, was " + count);
    }
    return new StringTask(expression, push, pull, clearBefore, clearAfter, count, recoveryTask);
  }

  /** The task run under the same id once the retries are used up; its result is final. */
  public StringTask recoveryTask(StringTask recovery) {
    return new StringTask(expression, push, pull, clearBefore, clearAfter, retries, recovery);
  }

  /** The task as it travels to the controller. */
  public TaskSpec toSpec() {
    var pickles = Pickles.dumpAll(push);
    return TaskSpec.of(expression, pickles, pull)
        .withClear(clearBefore, clearAfter)
        .withRetries(retries, recoveryTask == null ? null : recoveryTask.toSpec());
  }
}
