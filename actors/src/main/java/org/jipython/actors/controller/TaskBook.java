package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The Task adapter's records: every task by id, its state and outcome (kept until cleared), and
 * the clients waiting for tasks to finish.
 */
final class TaskBook {

  /** One task: what runs now (the task, or its recovery task) and how it ended. */
  static final class Task {
    final long id;
    TaskState state = TaskState.QUEUED;
    TaskSpec current;
    int retriesLeft;
    TaskOutcome outcome;

    Task(long id, TaskSpec spec) {
      this.id = id;
      this.current = spec;
      this.retriesLeft = spec.retries();
    }
  }

  private record Waiter(long requestId, ActorRef<TaskAdapter.Reply> replyTo) {}

  private static final class BarrierWait {
    final Waiter waiter;
    final Set<Long> remaining;

    BarrierWait(Waiter waiter, Set<Long> remaining) {
      this.waiter = waiter;
      this.remaining = remaining;
    }
  }

  private final Map<Long, Task> tasks = new HashMap<>();
  private final Map<Long, List<Waiter>> resultWaiters = new HashMap<>();
  private final Map<Long, List<BarrierWait>> barriers = new HashMap<>();
  private long nextId;
  private int queuedWithDepend;

  /** A new queued task with the next id (0, 1, 2, ...). */
  Task add(TaskSpec spec) {
    var task = new Task(nextId++, spec);
    tasks.put(task.id, task);
    queued(task);
    return task;
  }

  Task get(long taskId) {
    return tasks.get(taskId);
  }

  /** The task (as it is now) went into the queue. */
  void queued(Task task) {
    if (task.current.depend() != null) {
      queuedWithDepend++;
    }
  }

  /** The task (as it is now) left the queue. */
  void dequeued(Task task) {
    if (task.current.depend() != null) {
      queuedWithDepend--;
    }
  }

  /** How many queued tasks have a depend function. */
  int queuedWithDepend() {
    return queuedWithDepend;
  }

  /** Answer {@code replyTo} once the task finishes. */
  void awaitResult(long taskId, long requestId, ActorRef<TaskAdapter.Reply> replyTo) {
    resultWaiters.computeIfAbsent(taskId, id -> new ArrayList<>())
        .add(new Waiter(requestId, replyTo));
  }

  /** Answer {@code replyTo} once every known task of {@code taskIds} has finished. */
  void awaitAll(List<Long> taskIds, long requestId, ActorRef<TaskAdapter.Reply> replyTo) {
    var remaining = new HashSet<Long>();
    for (var id : taskIds) {
      var task = id == null ? null : tasks.get(id);
      if (task != null && !task.state.finished()) {
        remaining.add(id);
      }
    }
    var waiter = new Waiter(requestId, replyTo);
    if (remaining.isEmpty()) {
      replyTo.tell(TaskAdapter.Reply.ok(requestId));
      return;
    }
    var wait = new BarrierWait(waiter, remaining);
    for (var id : remaining) {
      barriers.computeIfAbsent(id, k -> new ArrayList<>()).add(wait);
    }
  }

  /**
   * After a failed run: the task goes back to the queue while it has retries, then as its
   * recovery task (unless that one's retries are negative), under the same id.
   *
   * @return true when the task is queued again (the caller puts it in the scheduler's queue)
   */
  boolean requeued(Task task) {
    if (task.retriesLeft > 0) {
      task.retriesLeft--;
    } else if (task.current.recoveryTask() != null
        && task.current.recoveryTask().retries() > -1) {
      task.current = task.current.recoveryTask();
      task.retriesLeft = task.current.retries();
    } else {
      return false;
    }
    task.state = task.state.to(TaskState.QUEUED);
    queued(task);
    return true;
  }

  /** The task finished in {@code state}: keep the outcome, answer who waits. */
  void finished(Task task, TaskState state, TaskOutcome outcome,
      BiFunction<Long, TaskOutcome, TaskAdapter.Reply> replyFor,
      java.util.function.BiConsumer<ActorRef<TaskAdapter.Reply>, TaskAdapter.Reply> send) {
    if (task.state == TaskState.QUEUED) {
      dequeued(task);
    }
    task.state = task.state.to(state);
    task.outcome = outcome;
    var waiting = resultWaiters.remove(task.id);
    if (waiting != null) {
      waiting.forEach(w -> send.accept(w.replyTo(), replyFor.apply(w.requestId(), outcome)));
    }
    var waits = barriers.remove(task.id);
    if (waits != null) {
      for (var wait : waits) {
        wait.remaining.remove(task.id);
        if (wait.remaining.isEmpty()) {
          wait.waiter.replyTo().tell(TaskAdapter.Reply.ok(wait.waiter.requestId()));
        }
      }
    }
  }

  /** queue_status: {@code queuedIds} as the scheduler holds them; ids only when verbose. */
  TaskAdapter.QueueStatus status(List<Long> queuedIds, boolean verbose) {
    var pending = new ArrayList<Long>();
    var succeeded = new ArrayList<Long>();
    var failed = new ArrayList<Long>();
    for (var task : tasks.values()) {
      if (task.state == TaskState.RUNNING || task.state == TaskState.ABORTING) {
        pending.add(task.id);
      } else if (task.state == TaskState.SUCCEEDED && task.outcome.counted()) {
        succeeded.add(task.id);
      } else if (task.state == TaskState.FAILED && task.outcome.counted()) {
        failed.add(task.id);
      }
    }
    if (!verbose) {
      return new TaskAdapter.QueueStatus(queuedIds.size(), pending.size(), succeeded.size(),
          failed.size(), null, null, null, null);
    }
    pending.sort(null);
    succeeded.sort(null);
    failed.sort(null);
    return new TaskAdapter.QueueStatus(queuedIds.size(), pending.size(), succeeded.size(),
        failed.size(), queuedIds, pending, succeeded, failed);
  }

  /**
   * Drops finished tasks: these ids, or all when {@code taskIds} is null.
   *
   * @param missing receives the given ids that are not finished tasks
   * @return how many were dropped
   */
  int clear(List<Long> taskIds, List<Long> missing) {
    int cleared = 0;
    if (taskIds == null) {
      for (Iterator<Task> it = tasks.values().iterator(); it.hasNext(); ) {
        if (it.next().state.finished()) {
          it.remove();
          cleared++;
        }
      }
      return cleared;
    }
    for (var id : taskIds) {
      var task = id == null ? null : tasks.get(id);
      if (task != null && task.state.finished()) {
        tasks.remove(id);
        cleared++;
      } else {
        missing.add(id);
      }
    }
    return cleared;
  }
}
