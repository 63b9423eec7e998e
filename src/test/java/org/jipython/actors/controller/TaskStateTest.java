package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every pair of task states, against the life of a task in the original's TaskController. */
class TaskStateTest {

  private static final Map<TaskState, Set<TaskState>> ALLOWED = Map.of(
      TaskState.QUEUED, EnumSet.of(TaskState.RUNNING, TaskState.ABORTED, TaskState.TIMED_OUT),
      TaskState.RUNNING, EnumSet.of(TaskState.QUEUED, TaskState.SUCCEEDED, TaskState.FAILED,
          TaskState.ABORTING),
      TaskState.ABORTING, EnumSet.of(TaskState.ABORTED),
      TaskState.SUCCEEDED, EnumSet.noneOf(TaskState.class),
      TaskState.FAILED, EnumSet.noneOf(TaskState.class),
      TaskState.ABORTED, EnumSet.noneOf(TaskState.class),
      TaskState.TIMED_OUT, EnumSet.noneOf(TaskState.class));

  @Test
  void everyPairOfStatesIsAllowedExactlyWhenTheTableSaysSo() {
    for (var from : TaskState.values()) {
      for (var to : TaskState.values()) {
        boolean allowed = ALLOWED.get(from).contains(to);
        assertEquals(allowed, from.canBecome(to), from + " -> " + to);
        if (allowed) {
          assertEquals(to, from.to(to));
        } else {
          var e = assertThrows(IllegalStateException.class, () -> from.to(to));
          assertEquals("a task cannot go from " + from + " to " + to, e.getMessage());
        }
      }
    }
  }

  @Test
  void exactlyTheStatesWithNoWayOutAreFinished() {
    for (var state : TaskState.values()) {
      assertEquals(ALLOWED.get(state).isEmpty(), state.finished(), state.toString());
    }
    assertEquals(EnumSet.of(TaskState.SUCCEEDED, TaskState.FAILED, TaskState.ABORTED,
        TaskState.TIMED_OUT), EnumSet.copyOf(
            java.util.Arrays.stream(TaskState.values()).filter(TaskState::finished).toList()));
  }
}
