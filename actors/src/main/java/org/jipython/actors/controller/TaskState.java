package org.jipython.actors.controller;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a task is in its life. A task waits in the queue, runs on one engine, and either
 * finishes or goes back to the queue (a retry, or its recovery task under the same id). An abort
 * finishes a queued task at once and marks a running one, whose result is then thrown away.
 */
public enum TaskState {
  /** Waiting in the scheduler's queue: {@code scheduled} in queue_status. */
  QUEUED,
  /** Running on an engine: {@code pending} in queue_status. */
  RUNNING,
  /** Running, and aborted: it finishes as ABORTED whatever the engine answers. */
  ABORTING,
  /** Finished with the pulled values. */
  SUCCEEDED,
  /** Finished with a failure, retries and recovery used up. */
  FAILED,
  /** Finished by abort. */
  ABORTED,
  /** Finished because no engine satisfied its dependencies in time. */
  TIMED_OUT;

  private static final Map<TaskState, Set<TaskState>> NEXT = new EnumMap<>(TaskState.class);

  static {
    for (var state : values()) {
      NEXT.put(state, EnumSet.noneOf(TaskState.class));
    }
    NEXT.get(QUEUED).addAll(EnumSet.of(RUNNING, ABORTED, TIMED_OUT));
    // back to QUEUED: a retry, or the recovery task
    NEXT.get(RUNNING).addAll(EnumSet.of(QUEUED, SUCCEEDED, FAILED, ABORTING));
    NEXT.get(ABORTING).add(ABORTED);
  }

  /** Whether a task in this state may move to {@code next}. */
  public boolean canBecome(TaskState next) {
    return NEXT.get(this).contains(next);
  }

  /**
   * {@code next}, after checking the move is allowed.
   *
   * @throws IllegalStateException if a task in this state cannot become {@code next}
   */
  public TaskState to(TaskState next) {
    if (!canBecome(next)) {
      throw new IllegalStateException("a task cannot go from " + this + " to " + next);
    }
    return next;
  }

  /** Whether the task is over: its outcome is kept until cleared. */
  public boolean finished() {
    return NEXT.get(this).isEmpty();
  }
}
