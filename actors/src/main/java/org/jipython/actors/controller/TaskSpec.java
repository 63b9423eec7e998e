package org.jipython.actors.controller;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jipython.actors.protocol.WireMessage;

/**
 * A task as the client built it: the engine commands to run on whichever engine the scheduler
 * picks, in this order, each a separate command in that engine's queue:
 * {@code [reset if clearBefore]}, {@code push(push)}, {@code execute(expression)},
 * {@code pull(pull)}, {@code [reset if clearAfter]}.
 *
 * <p>A StringTask maps onto this directly. A MapTask is built by the client in the same shape
 * (push the canned function and its arguments, execute the call, pull the result), so the
 * controller never unpickles anything; {@link #kind} only tells the client how to present the
 * result.
 *
 * <p>The constructor never throws, so a malformed task still reaches the adapter and is refused
 * with a clear answer; {@link #problem()} says what is wrong.
 *
 * @param kind how the client presents the result
 * @param push names to pickled values, bound before the expression runs (a push of nothing is
 *     not sent)
 * @param expression the Python source to run
 * @param pull the names whose values are the result (a pull of nothing is not sent)
 * @param clearBefore queue a reset of the engine before the task
 * @param clearAfter queue a reset of the engine after the task, whether it failed or not
 * @param retries how many times the task is queued again after a failure
 * @param recoveryTask run under the same task id once the retries are used up, or null; not run
 *     when its own retries are negative
 * @param depend a canned, pickled {@code depend(properties) -> bool} function, or null: the
 *     task runs only on engines whose properties it accepts
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskSpec(
    Kind kind,
    Map<String, byte[]> push,
    String expression,
    List<String> pull,
    boolean clearBefore,
    boolean clearAfter,
    int retries,
    TaskSpec recoveryTask,
    byte[] depend)
    implements WireMessage {

  /** The longest chain of recovery tasks accepted. */
  public static final int MAX_RECOVERY_DEPTH = 100;

  /** How the client presents a task's result; only STRING results count in queue_status. */
  public enum Kind {
    /** A StringTask: the result is a TaskResult of the pulled names. */
    STRING,
    /** A MapTask: the result is the one pulled value, and a failure raises. */
    MAP
  }

  public TaskSpec {
    push = push == null ? Map.of() : new LinkedHashMap<>(push);
    pull = pull == null ? List.of() : List.copyOf(pull.stream().map(n -> n == null ? "" : n)
        .toList());
  }

  /** A StringTask-shaped spec without options. */
  public static TaskSpec of(String expression, Map<String, byte[]> push, List<String> pull) {
    return new TaskSpec(Kind.STRING, push, expression, pull, false, false, 0, null, null);
  }

  /** This spec with a kind. */
  public TaskSpec withKind(Kind newKind) {
    return new TaskSpec(newKind, push, expression, pull, clearBefore, clearAfter, retries,
        recoveryTask, depend);
  }

  /** This spec with reset before and after. */
  public TaskSpec withClear(boolean before, boolean after) {
    return new TaskSpec(kind, push, expression, pull, before, after, retries, recoveryTask,
        depend);
  }

  /** This spec with retries and a recovery task. */
  public TaskSpec withRetries(int newRetries, TaskSpec recovery) {
    return new TaskSpec(kind, push, expression, pull, clearBefore, clearAfter, newRetries,
        recovery, depend);
  }

  /** This spec with a canned, pickled depend function. */
  public TaskSpec withDepend(byte[] canned) {
    return new TaskSpec(kind, push, expression, pull, clearBefore, clearAfter, retries,
        recoveryTask, canned);
  }

  /** What makes this task impossible to run, or null when it is well formed. */
  public String problem() {
    var spec = this;
    for (int depth = 0; spec != null; depth++, spec = spec.recoveryTask) {
      if (depth > MAX_RECOVERY_DEPTH) {
        return "the chain of recovery tasks is longer than " + MAX_RECOVERY_DEPTH;
      }
      var own = spec.ownProblem();
      if (own != null) {
        return depth == 0 ? own : "recovery task " + depth + ": " + own;
      }
    }
    return null;
  }

  private String ownProblem() {
    if (kind == null) {
      return "the task has no kind (STRING or MAP)";
    }
    if (expression == null) {
      return "the task has no expression";
    }
    for (var entry : push.entrySet()) {
      if (entry.getKey() == null || entry.getKey().isEmpty()) {
        return "a pushed name is empty";
      }
      if (entry.getValue() == null) {
        return "the pushed value of " + entry.getKey() + " is missing";
      }
    }
    if (pull.contains("")) {
      return "a pulled name is empty";
    }
    if (depend != null && depend.length == 0) {
      return "the depend function is empty";
    }
    return null;
  }
}
