package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jipython.actors.controller.TaskScheduler.Assignment;
import org.jipython.actors.controller.TaskScheduler.Unknown;
import org.jipython.actors.controller.TaskScheduler.Verdict;
import org.junit.jupiter.api.Test;

/** The FIFO policy of the original's TaskController, without actors. */
class TaskSchedulerTest {

  private static final TaskScheduler.Fit ANY = (task, engine) -> Verdict.YES;

  private static TaskScheduler withWorkers(int... engineIds) {
    var scheduler = new TaskScheduler();
    for (int id : engineIds) {
      scheduler.addWorker(id);
    }
    return scheduler;
  }

  @Test
  void theOldestTaskGoesToTheWorkerIdleLongest() {
    var scheduler = withWorkers(0, 1, 2);
    scheduler.enqueue(10);
    scheduler.enqueue(11);

    assertEquals(List.of(new Assignment(10, 0), new Assignment(11, 1)),
        scheduler.schedule(ANY).assignments());

    scheduler.release(0);          // idle after 2 now
    scheduler.enqueue(12);
    scheduler.enqueue(13);
    assertEquals(List.of(new Assignment(12, 2), new Assignment(13, 0)),
        scheduler.schedule(ANY).assignments());
  }

  @Test
  void aWorkerTakesOneTaskAtATime() {
    var scheduler = withWorkers(0);
    scheduler.enqueue(1);
    scheduler.enqueue(2);

    assertEquals(List.of(new Assignment(1, 0)), scheduler.schedule(ANY).assignments());
    assertEquals(List.of(), scheduler.schedule(ANY).assignments());
    assertEquals(List.of(2L), scheduler.queuedTasks());

    scheduler.release(0);
    assertEquals(List.of(new Assignment(2, 0)), scheduler.schedule(ANY).assignments());
  }

  @Test
  void aRequeuedTaskGoesToTheBackOfTheQueue() {
    var scheduler = new TaskScheduler();
    scheduler.enqueue(1);
    scheduler.enqueue(2);
    scheduler.enqueue(3);
    scheduler.remove(1);
    scheduler.enqueue(1);

    assertEquals(List.of(2L, 3L, 1L), scheduler.queuedTasks());
  }

  @Test
  void theFirstTaskAndWorkerPairThatFitsIsTaken() {
    var scheduler = withWorkers(0, 1);
    scheduler.enqueue(1);   // only on 1
    scheduler.enqueue(2);   // anywhere
    var fits = Map.of(1L, Set.of(1), 2L, Set.of(0, 1));

    var pass = scheduler.schedule((task, engine) ->
        fits.get(task).contains(engine) ? Verdict.YES : Verdict.NO);

    assertEquals(List.of(new Assignment(1, 1), new Assignment(2, 0)), pass.assignments());
  }

  @Test
  void aTaskThatFitsNoIdleWorkerWaitsWhileYoungerTasksRun() {
    var scheduler = withWorkers(0);
    scheduler.enqueue(1);
    scheduler.enqueue(2);

    var pass = scheduler.schedule((task, engine) -> task == 1 ? Verdict.NO : Verdict.YES);

    assertEquals(List.of(new Assignment(2, 0)), pass.assignments());
    assertEquals(List.of(1L), scheduler.queuedTasks());
  }

  @Test
  void pairsWhoseFitIsUnknownAreReportedAndNotAssigned() {
    var scheduler = withWorkers(0, 1);
    scheduler.enqueue(1);

    var pass = scheduler.schedule((task, engine) -> engine == 0 ? Verdict.UNKNOWN : Verdict.NO);

    assertEquals(List.of(), pass.assignments());
    assertEquals(List.of(new Unknown(1, 0)), pass.unknown());
  }

  @Test
  void starvingMeansTasksWaitWhileEveryWorkerIsIdle() {
    var scheduler = new TaskScheduler();
    scheduler.enqueue(1);
    assertFalse(scheduler.starving(), "with no workers at all, tasks simply wait");

    scheduler.addWorker(0);
    scheduler.addWorker(1);
    scheduler.schedule((task, engine) -> Verdict.NO);
    assertTrue(scheduler.starving());

    scheduler.enqueue(2);
    scheduler.schedule((task, engine) -> task == 2 && engine == 1 ? Verdict.YES : Verdict.NO);
    assertFalse(scheduler.starving(), "one busy worker: the timeout never starts");

    scheduler.release(1);
    assertTrue(scheduler.starving());
    scheduler.remove(1);
    assertFalse(scheduler.starving(), "nothing waits");
  }

  @Test
  void aRemovedWorkerIsNeverUsedAgainNotEvenWhenReleased() {
    var scheduler = withWorkers(0, 1);
    scheduler.enqueue(1);
    assertEquals(List.of(new Assignment(1, 0)), scheduler.schedule(ANY).assignments());

    scheduler.removeWorker(0);
    scheduler.release(0);
    scheduler.enqueue(2);
    scheduler.enqueue(3);

    assertEquals(List.of(new Assignment(2, 1)), scheduler.schedule(ANY).assignments());
    assertFalse(scheduler.isWorker(0));
    assertEquals(List.of(3L), scheduler.queuedTasks());
  }
}
