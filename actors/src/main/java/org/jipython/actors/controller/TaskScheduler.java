package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The task controller's FIFO policy, without actors or time: which queued task goes to which
 * idle engine.
 *
 * <p>Tasks wait in submission order (a retried task goes to the back). Idle workers wait in the
 * order they became idle. A pass scans the tasks in order and, for each, the idle workers in
 * order, and takes the first pair the task's dependencies accept, until no pair fits: the oldest
 * runnable task goes to the engine idle longest. A worker is busy from its assignment until it is
 * {@linkplain #release released}, so an engine runs one task at a time.
 *
 * <p>Whether a task accepts a worker can be unknown for a while (its {@code depend} function is
 * being evaluated); such a pair does not fit yet and is reported in {@link Pass#unknown()}.
 */
public final class TaskScheduler {

  /** Whether a task may run on an engine. */
  public enum Verdict {
    YES,
    NO,
    UNKNOWN
  }

  /** The dependencies of the queued tasks, as far as they are known. */
  @FunctionalInterface
  public interface Fit {
    Verdict verdict(long taskId, int engineId);
  }

  /** Task {@code taskId} runs on engine {@code engineId}. */
  public record Assignment(long taskId, int engineId) {}

  /** A task and an idle engine whose fit is not known yet. */
  public record Unknown(long taskId, int engineId) {}

  /** What one pass decided. */
  public record Pass(List<Assignment> assignments, List<Unknown> unknown) {}

  private final LinkedHashSet<Long> queued = new LinkedHashSet<>();
  private final LinkedHashSet<Integer> idle = new LinkedHashSet<>();
  private final Set<Integer> workers = new HashSet<>();

  /** Puts a task at the back of the queue (a new task, a retry, a recovery task). */
  public void enqueue(long taskId) {
    queued.remove(taskId);
    queued.add(taskId);
  }

  /** Takes a task out of the queue; false when it was not queued. */
  public boolean remove(long taskId) {
    return queued.remove(taskId);
  }

  /** A new engine: its worker is idle from now. */
  public void addWorker(int engineId) {
    if (workers.add(engineId)) {
      idle.add(engineId);
    }
  }

  /** The engine is gone: its worker is never used again. */
  public void removeWorker(int engineId) {
    workers.remove(engineId);
    idle.remove(engineId);
  }

  /** The worker finished its task (or its failure penalty is over): it is idle from now. */
  public void release(int engineId) {
    if (workers.contains(engineId)) {
      idle.remove(engineId);
      idle.add(engineId);
    }
  }

  /** Assigns tasks to idle workers, oldest task to the longest-idle worker, as far as they fit. */
  public Pass schedule(Fit fit) {
    var assignments = new ArrayList<Assignment>();
    var unknown = new ArrayList<Unknown>();
    var taskIds = queued.iterator();
    while (taskIds.hasNext() && !idle.isEmpty()) {
      long taskId = taskIds.next();
      Integer chosen = null;
      for (int engineId : idle) {
        var verdict = fit.verdict(taskId, engineId);
        if (verdict == Verdict.YES) {
          chosen = engineId;
          break;
        }
        if (verdict == Verdict.UNKNOWN) {
          unknown.add(new Unknown(taskId, engineId));
        }
      }
      if (chosen != null) {
        taskIds.remove();
        idle.remove(chosen);
        assignments.add(new Assignment(taskId, chosen));
      }
    }
    return new Pass(assignments, unknown);
  }

  /**
   * Whether tasks wait while every worker is idle: after a pass, none of them fits any worker.
   * This is when the original's dependency timeout runs. With no workers at all, or with one
   * worker busy or held out, tasks simply wait.
   */
  public boolean starving() {
    return !queued.isEmpty() && !workers.isEmpty() && idle.size() == workers.size();
  }

  /** The queued task ids, oldest first. */
  public List<Long> queuedTasks() {
    return List.copyOf(queued);
  }

  public int queuedCount() {
    return queued.size();
  }

  public boolean isQueued(long taskId) {
    return queued.contains(taskId);
  }

  /** The idle workers, longest idle first. */
  public List<Integer> idleWorkers() {
    return List.copyOf(idle);
  }

  public boolean isWorker(int engineId) {
    return workers.contains(engineId);
  }
}
