package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.engine.RemoteError;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.security.CapabilityToken;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Task adapter against fake engines: a probe per engine queue answers the commands the
 * adapter queues there. Time is manual, so the 1 s failure penalty and the 30 s dependency
 * timeout are exact.
 */
class TaskAdapterTest {

  private static final CapabilityToken TOKEN = CapabilityToken.random();
  /** How long "nothing else arrives" is watched for. */
  private static final Duration QUIET = Duration.ofMillis(200);
  private static final byte[] PICKLE = {(byte) 0x80, 2, 'K', 21, '.'};
  private static final byte[] RESULT = {(byte) 0x80, 2, 'K', 42, '.'};
  private static final byte[] DEPEND = {(byte) 0x80, 2, 'c', 'f', '.'};

  private static ActorTestKit testKit;
  private static ManualTime manualTime;

  private TestProbe<Controller.Command> controller;
  private TestProbe<TaskAdapter.Reply> client;
  private ActorRef<TaskAdapter.Command> adapter;
  private ActorRef<Controller.EnginesChanged> subscriber;
  private long requestId;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create("TaskAdapterTest", ManualTime.config());
    manualTime = ManualTime.get(testKit.system());
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newAdapter() {
    controller = testKit.createTestProbe(Controller.Command.class);
    client = testKit.createTestProbe(TaskAdapter.Reply.class);
    adapter = testKit.spawn(TaskAdapter.create(controller.ref(), TOKEN));
    subscriber = controller.expectMessageClass(Controller.Subscribe.class).subscriber();
  }

  @AfterEach
  void stopAdapter() {
    // its timers would otherwise go on firing while later tests move the manual clock
    testKit.stop(adapter);
  }

  // ---------------------------------------------------------------------------------------------
  // a fake engine and helpers

  /** An engine's queue: answers property reads itself, hands every other command to the test. */
  private final class FakeEngine {
    final int id;
    final TestProbe<EngineQueue.Command> queue;
    final Map<String, byte[]> properties = new LinkedHashMap<>();

    FakeEngine(int id) {
      this.id = id;
      this.queue = testKit.createTestProbe(EngineQueue.Command.class);
    }

    /** The next command that is not a property read. */
    EngineQueue.Submit next() {
      while (true) {
        var submit = queue.expectMessageClass(EngineQueue.Submit.class);
        if (!(submit.op() instanceof EngineOp.GetProperties)) {
          return submit;
        }
        answer(submit, new EngineReply(id, null, List.copyOf(properties.values()),
            List.copyOf(properties.keySet()), null, null));
      }
    }

    <T extends EngineOp> T next(Class<T> type, List<EngineQueue.Submit> into) {
      var submit = next();
      into.add(submit);
      return assertInstanceOf(type, submit.op(), "engine " + id + " got " + submit.op());
    }

    /** Nothing but property reads arrives for a while. */
    void expectNoTask() {
      long end = System.nanoTime() + QUIET.toNanos();
      while (true) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        EngineQueue.Command message;
        try {
          message = queue.receiveMessage(Duration.ofNanos(left));
        } catch (AssertionError quiet) {
          return;
        }
        var submit = assertInstanceOf(EngineQueue.Submit.class, message);
        assertInstanceOf(EngineOp.GetProperties.class, submit.op(),
            "engine " + id + " got a command: " + submit.op());
        answer(submit, new EngineReply(id, null, List.copyOf(properties.values()),
            List.copyOf(properties.keySet()), null, null));
      }
    }

    void answer(EngineQueue.Submit submit, EngineReply reply) {
      submit.replyTo().tell(new EngineQueue.Done(submit.slot(), reply));
    }

    /** Receives a plain task's push, execute and pull; returns them in order. */
    List<EngineQueue.Submit> receiveTask(String expression) {
      var got = new ArrayList<EngineQueue.Submit>();
      next(EngineOp.Push.class, got);
      assertEquals(expression, next(EngineOp.Execute.class, got).source());
      next(EngineOp.Pull.class, got);
      return got;
    }

    /** Runs a plain task to success: done, executed, the pulled value. */
    void succeed(List<EngineQueue.Submit> task) {
      answer(task.get(0), EngineReply.done(id));
      answer(task.get(1), EngineReply.executed(id, executed(task.get(1))));
      answer(task.get(2), EngineReply.values(id, List.of(RESULT)));
    }

    /** The execute raises; the pull behind it is cleared, as the engine queue does. */
    void fail(List<EngineQueue.Submit> task) {
      answer(task.get(0), EngineReply.done(id));
      answer(task.get(2), EngineReply.failed(id, Failure.of(FailureKind.QUEUE_CLEARED,
          "pull(['b'])")));
      answer(task.get(1), EngineReply.executed(id, raised(task.get(1))));
    }

    /** Answers a dependency probe with the verdict. */
    void probe(boolean verdict) {
      var submit = next();
      var execute = assertInstanceOf(EngineOp.Execute.class, submit.op());
      assertTrue(execute.source().startsWith(
          "__import__('ipython1.kernel.taskengine', None, None, ['depend_verdict'])"
              + ".depend_verdict(globals(), "), execute.source());
      answer(submit, EngineReply.executed(id, new ExecuteResult(1, execute.source(), "", "",
          verdict ? "True" : "False", null)));
    }
  }

  private static ExecuteResult executed(EngineQueue.Submit submit) {
    return new ExecuteResult(1, ((EngineOp.Execute) submit.op()).source(), "", "", null, null);
  }

  private static ExecuteResult raised(EngineQueue.Submit submit) {
    var error = new RemoteError("ZeroDivisionError", "integer division or modulo by zero",
        "Traceback (most recent call last):\nZeroDivisionError: integer division or modulo "
            + "by zero\n");
    return new ExecuteResult(1, ((EngineOp.Execute) submit.op()).source(), "", "", null, error);
  }

  private void engines(FakeEngine... engines) {
    var queues = new TreeMap<Integer, ActorRef<EngineQueue.Command>>();
    for (var engine : engines) {
      queues.put(engine.id, engine.queue.ref());
    }
    subscriber.tell(new Controller.EnginesChanged(queues));
  }

  private static TaskSpec task(String expression) {
    return TaskSpec.of(expression, Map.of("a", PICKLE), List.of("b"));
  }

  private TaskAdapter.Reply ask(TaskAdapter.Command request) {
    adapter.tell(request);
    return client.receiveMessage();
  }

  private long submit(TaskSpec spec) {
    var reply = ask(new TaskAdapter.Submit(TOKEN.encoded(), ++requestId, spec, false, client.ref()));
    assertNull(reply.refusal(), () -> "refused: " + reply.refusal());
    assertEquals(requestId, reply.requestId());
    return reply.taskId();
  }

  private TaskAdapter.Reply result(long taskId) {
    return ask(new TaskAdapter.GetResult(TOKEN.encoded(), ++requestId, taskId, false,
        client.ref()));
  }

  private TaskOutcome finished(long taskId) {
    var outcome = result(taskId).outcome();
    assertNotNull(outcome, "task " + taskId + " has not finished");
    return outcome;
  }

  private TaskAdapter.Reply abort(long taskId) {
    return ask(new TaskAdapter.Abort(TOKEN.encoded(), ++requestId, taskId, client.ref()));
  }

  private TaskAdapter.QueueStatus status(boolean verbose) {
    return ask(new TaskAdapter.GetQueueStatus(TOKEN.encoded(), ++requestId, verbose,
        client.ref())).status();
  }

  // ---------------------------------------------------------------------------------------------
  // running tasks

  @Test
  void aTaskIsPushExecuteAndPullQueuedTogetherAndItsResultKeepsThePickles() {
    var e0 = new FakeEngine(0);
    engines(e0);

    assertEquals(0, submit(task("b = a*2")));
    var commands = e0.receiveTask("b = a*2");
    var push = (EngineOp.Push) commands.get(0).op();
    assertArrayEquals(PICKLE, push.values().get("a"));
    assertEquals(List.of("b"), ((EngineOp.Pull) commands.get(2).op()).names());
    assertNull(result(0).outcome(), "not finished yet");
    e0.succeed(commands);

    var outcome = finished(0);
    assertTrue(outcome.ok());
    assertEquals(0, outcome.taskId());
    assertEquals(0, outcome.engineId());
    assertEquals(List.of("b"), outcome.names());
    assertArrayEquals(RESULT, outcome.values().get(0));
    assertTrue(outcome.startedMillis() > 0 && outcome.completedMillis() >= outcome.startedMillis());
  }

  @Test
  void taskIdsCountFromZeroAndTheOldestTaskGoesToTheEngineIdleLongest() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    var e2 = new FakeEngine(2);
    engines(e0, e1, e2);

    assertEquals(0, submit(task("t0")));
    assertEquals(1, submit(task("t1")));
    var t0 = e0.receiveTask("t0");
    e1.receiveTask("t1");
    e0.succeed(t0);
    finished(0);

    // engine 2 has been idle since it registered, engine 0 only since now
    assertEquals(2, submit(task("t2")));
    assertEquals(3, submit(task("t3")));
    e2.receiveTask("t2");
    e0.receiveTask("t3");
  }

  @Test
  void anEngineRunsOneTaskAtATime() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("first"));
    submit(task("second"));

    var first = e0.receiveTask("first");
    e0.expectNoTask();
    e0.succeed(first);
    e0.receiveTask("second");
  }

  @Test
  void aBlockedResultRequestIsAnsweredWhenTheTaskFinishes() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("slow"));
    var commands = e0.receiveTask("slow");
    adapter.tell(new TaskAdapter.GetResult(TOKEN.encoded(), 77, 0, true, client.ref()));
    client.expectNoMessage(QUIET);

    e0.succeed(commands);

    var reply = client.receiveMessage();
    assertEquals(77, reply.requestId());
    assertTrue(reply.outcome().ok());
  }

  @Test
  void aBlockingSubmitIsAnsweredOnceWithTheIdAndTheOutcome() {
    var e0 = new FakeEngine(0);
    engines(e0);
    adapter.tell(new TaskAdapter.Submit(TOKEN.encoded(), 41, task("x"), true, client.ref()));
    var commands = e0.receiveTask("x");
    client.expectNoMessage(QUIET);

    e0.succeed(commands);

    var reply = client.receiveMessage();
    assertEquals(41, reply.requestId());
    assertEquals(0, reply.taskId());
    assertTrue(reply.outcome().ok());
  }

  @Test
  void clearBeforeResetsFirstAndClearAfterResetsOnceTheTaskAnsweredAndBeforeItFinishes() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("x").withClear(true, true));

    var got = new ArrayList<EngineQueue.Submit>();
    e0.next(EngineOp.Reset.class, got);
    e0.next(EngineOp.Push.class, got);
    e0.next(EngineOp.Execute.class, got);
    e0.next(EngineOp.Pull.class, got);
    e0.expectNoTask();
    e0.answer(got.get(0), EngineReply.done(0));
    e0.succeed(got.subList(1, 4));
    var reset = e0.next();
    assertInstanceOf(EngineOp.Reset.class, reset.op());
    assertNull(result(0).outcome(), "the task is over once the reset after it answered");

    e0.answer(reset, EngineReply.done(0));
    assertTrue(finished(0).ok());
  }

  @Test
  void aPushOrPullOfNothingIsNotSent() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(TaskSpec.of("pass", Map.of(), List.of()));

    var execute = e0.next();
    assertEquals(new EngineOp.Execute("pass"), execute.op());
    e0.expectNoTask();
    e0.answer(execute, EngineReply.executed(0, executed(execute)));

    var outcome = finished(0);
    assertEquals(List.of(), outcome.values());
    assertEquals(List.of(), outcome.names());
  }

  // ---------------------------------------------------------------------------------------------
  // failures, retries, recovery

  @Test
  void aFailedTaskWithoutRetriesFinishesWithThePythonErrorAndItsEngineRestsOneSecond() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("1/0"));
    submit(task("next"));
    e0.fail(e0.receiveTask("1/0"));

    var outcome = finished(0);
    assertEquals(FailureKind.PYTHON, outcome.failure().kind());
    assertEquals("ZeroDivisionError", outcome.failure().remote().typeName());
    assertNull(outcome.values());

    e0.expectNoTask();
    manualTime.timePasses(Duration.ofMillis(999));
    e0.expectNoTask();
    manualTime.timePasses(Duration.ofMillis(1));
    e0.receiveTask("next");
  }

  @Test
  void aRetriedTaskGoesToTheBackOfTheQueueUntilItSucceeds() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("flaky").withRetries(2, null));
    submit(task("other"));

    e0.fail(e0.receiveTask("flaky"));
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.succeed(e0.receiveTask("other"));
    e0.fail(e0.receiveTask("flaky"));
    assertNull(result(0).outcome(), "one retry left");
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.succeed(e0.receiveTask("flaky"));

    assertTrue(finished(0).ok());
  }

  @Test
  void onceRetriesAreUsedUpTheRecoveryTaskRunsUnderTheSameIdAndItsResultIsFinal() {
    var e0 = new FakeEngine(0);
    engines(e0);
    var recovery = TaskSpec.of("recover", Map.of("a", PICKLE), List.of("r"));
    submit(task("broken").withRetries(1, recovery));

    e0.fail(e0.receiveTask("broken"));
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.fail(e0.receiveTask("broken"));
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.succeed(e0.receiveTask("recover"));

    var outcome = finished(0);
    assertTrue(outcome.ok());
    assertEquals(List.of("r"), outcome.names());
    assertEquals(1, status(false).succeeded());
  }

  @Test
  void aRecoveryTaskWithNegativeRetriesIsNotRun() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("broken").withRetries(0, task("recover").withRetries(-1, null)));

    e0.fail(e0.receiveTask("broken"));

    assertEquals(FailureKind.PYTHON, finished(0).failure().kind());
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.expectNoTask();
  }

  @Test
  void whenTheEngineDiesItsTaskIsRetriedElsewhereAndTheEngineIsNeverUsedAgain() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    engines(e0, e1);
    submit(task("a").withRetries(1, null));
    submit(task("b"));
    var onE0 = e0.receiveTask("a");
    var onE1 = e1.receiveTask("b");

    engines(e1);
    // the dead engine's queue answers late: ignored
    e0.answer(onE0.get(2), EngineReply.failed(0, Failure.of(FailureKind.ENGINE_LOST, "gone")));
    e1.succeed(onE1);
    e1.succeed(e1.receiveTask("a"));

    var outcome = finished(0);
    assertTrue(outcome.ok());
    assertEquals(1, outcome.engineId());
    submit(task("c"));
    e0.expectNoTask();
  }

  @Test
  void whenTheEngineDiesUnderATaskWithoutRetriesTheTaskFailsWithEngineLost() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("a"));
    e0.receiveTask("a");

    engines();

    var outcome = finished(0);
    assertEquals(FailureKind.ENGINE_LOST, outcome.failure().kind());
    assertEquals(0, outcome.engineId());
  }

  // ---------------------------------------------------------------------------------------------
  // abort

  @Test
  void abortingAQueuedTaskFinishesItAtOnce() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("running"));
    submit(task("waiting"));
    var running = e0.receiveTask("running");

    assertNull(abort(1).refusal());
    var outcome = finished(1);
    assertEquals(FailureKind.TASK_ABORTED, outcome.failure().kind());
    assertNull(outcome.engineId());

    e0.succeed(running);
    e0.expectNoTask();
  }

  @Test
  void anAbortedRunningTaskEndsAbortedWhateverItsEngineAnswersAndIsNotRetried() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("running").withRetries(3, null));
    var running = e0.receiveTask("running");

    assertNull(abort(0).refusal());
    assertEquals("Task Already Aborted", abort(0).refusal().message());
    assertEquals("IndexError", abort(0).refusal().pythonTypeName());
    assertEquals(1, status(false).pending());
    e0.fail(running);

    assertEquals(FailureKind.TASK_ABORTED, finished(0).failure().kind());
    assertEquals("Task Already Completed", abort(0).refusal().message());
    manualTime.timePasses(Duration.ofSeconds(5));
    e0.expectNoTask();
  }

  @Test
  void unknownTaskIdsAreRefusedWithIndexError() {
    var refusal = abort(5).refusal();
    assertEquals("task ID not registered: 5", refusal.message());
    assertEquals("IndexError", refusal.pythonTypeName());
    assertEquals("task ID not registered: 9", result(9).refusal().message());
  }

  // ---------------------------------------------------------------------------------------------
  // dependencies

  @Test
  void aTaskWithDependRunsOnlyOnTheEnginesWhoseVerdictIsTrue() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    e1.properties.put("gpu", PICKLE);
    engines(e0, e1);

    submit(task("d0").withDepend(DEPEND));
    e0.probe(false);
    e1.probe(true);
    var first = e1.receiveTask("d0");

    // the same depend function: the verdicts are known, no new evaluation
    submit(task("d1").withDepend(DEPEND));
    e0.expectNoTask();
    e1.succeed(first);
    e1.receiveTask("d1");
  }

  @Test
  void tasksNoIdleEngineAcceptsForThirtySecondsTimeOut() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("never").withDepend(DEPEND));
    e0.probe(false);
    e0.expectNoTask();

    manualTime.timePasses(Duration.ofSeconds(29));
    e0.expectNoTask();
    assertNull(result(0).outcome());
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.expectNoTask();

    var outcome = finished(0);
    assertEquals(FailureKind.TASK_TIMEOUT, outcome.failure().kind());
    assertEquals("task 0 failed to execute due to unmet dependencies for 30 seconds",
        outcome.failure().message());
    assertEquals(new TaskAdapter.QueueStatus(0, 0, 0, 0, null, null, null, null),
        status(false));
  }

  @Test
  void whileAnEngineIsBusyTheDependencyTimeoutNeverStarts() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    engines(e0, e1);
    submit(task("busy"));
    var busy = e0.receiveTask("busy");
    submit(task("picky").withDepend(DEPEND));
    e1.probe(false);

    manualTime.timePasses(Duration.ofSeconds(60));
    e1.expectNoTask();
    assertNull(result(1).outcome(), "still waiting");

    e0.succeed(busy);
    e0.probe(true);
    e0.receiveTask("picky");
  }

  @Test
  void spinEvaluatesDependenciesAgainAfterThePropertiesChanged() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("picky").withDepend(DEPEND));
    e0.probe(false);

    e0.properties.put("ready", PICKLE);
    assertNull(ask(new TaskAdapter.Spin(TOKEN.encoded(), ++requestId, client.ref())).refusal());
    e0.probe(true);
    e0.receiveTask("picky");
  }

  @Test
  void changedPropertiesAreNoticedWithoutSpinWithinASecond() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("picky").withDepend(DEPEND));
    e0.probe(false);

    e0.properties.put("ready", PICKLE);
    manualTime.timePasses(Duration.ofSeconds(1));
    e0.probe(true);
    e0.receiveTask("picky");
  }

  // ---------------------------------------------------------------------------------------------
  // queue_status, clear, barrier

  @Test
  void queueStatusCountsOnlyStringTaskResultsAsSucceededOrFailed() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    engines(e0, e1);
    submit(task("ok"));
    submit(task("bad"));
    e0.succeed(e0.receiveTask("ok"));
    e1.fail(e1.receiveTask("bad"));
    submit(task("map").withKind(TaskSpec.Kind.MAP));
    e0.succeed(e0.receiveTask("map"));
    submit(task("running"));
    e0.receiveTask("running");
    submit(task("waiting"));
    submit(task("aborted"));
    abort(5);

    assertEquals(new TaskAdapter.QueueStatus(1, 1, 1, 1, null, null, null, null),
        status(false));
    assertEquals(new TaskAdapter.QueueStatus(1, 1, 1, 1, List.of(4L), List.of(3L), List.of(0L),
        List.of(1L)), status(true));
  }

  @Test
  void clearDropsFinishedResultsAndNamesTheIdsItDidNotFind() {
    var e0 = new FakeEngine(0);
    engines(e0);
    submit(task("a"));
    e0.succeed(e0.receiveTask("a"));
    submit(task("b"));
    e0.succeed(e0.receiveTask("b"));
    submit(task("c"));
    e0.receiveTask("c");

    var reply = ask(new TaskAdapter.Clear(TOKEN.encoded(), ++requestId, List.of(0L, 2L, 7L),
        client.ref()));
    assertEquals(1, reply.cleared());
    assertEquals("Cleared 1 results, but no tasks found for ids: [2, 7]",
        reply.refusal().message());
    assertEquals("KeyError", reply.refusal().pythonTypeName());
    assertEquals("task ID not registered: 0", result(0).refusal().message());

    var all = ask(new TaskAdapter.Clear(TOKEN.encoded(), ++requestId, null, client.ref()));
    assertEquals(1, all.cleared());
    assertNull(all.refusal());
    assertNull(result(2).refusal(), "a running task is not cleared");
  }

  @Test
  void barrierAnswersOnceEveryListedTaskFinishedIgnoringUnknownIds() {
    var e0 = new FakeEngine(0);
    var e1 = new FakeEngine(1);
    engines(e0, e1);
    submit(task("a"));
    submit(task("b"));
    var a = e0.receiveTask("a");
    var b = e1.receiveTask("b");

    adapter.tell(new TaskAdapter.Barrier(TOKEN.encoded(), 500, List.of(0L, 1L, 99L),
        client.ref()));
    e0.succeed(a);
    client.expectNoMessage(QUIET);
    e1.fail(b);

    assertEquals(TaskAdapter.Reply.ok(500), client.receiveMessage());
  }

  // ---------------------------------------------------------------------------------------------
  // bad input

  @Test
  void aRequestWithoutTheTaskCapabilityIsRefusedAndNothingRuns() {
    var e0 = new FakeEngine(0);
    engines(e0);

    var reply = ask(new TaskAdapter.Submit("forged", 1, task("x"), false, client.ref()));

    assertEquals(FailureKind.REFUSED, reply.refusal().kind());
    assertNull(reply.taskId());
    e0.expectNoTask();
  }

  @Test
  void aMalformedTaskIsRefusedAndTheSchedulerGoesOn() {
    var e0 = new FakeEngine(0);
    engines(e0);

    var noExpression = new TaskSpec(TaskSpec.Kind.STRING, null, null, null, false, false, 0,
        null, null);
    var reply = ask(new TaskAdapter.Submit(TOKEN.encoded(), 1, noExpression, false, client.ref()));
    assertEquals(FailureKind.PROTOCOL, reply.refusal().kind());
    assertEquals("malformed task: the task has no expression", reply.refusal().message());
    var badRecovery = task("x").withRetries(0, TaskSpec.of("y", Map.of("", PICKLE), null));
    assertEquals("malformed task: recovery task 1: a pushed name is empty",
        ask(new TaskAdapter.Submit(TOKEN.encoded(), 2, badRecovery, false, client.ref()))
            .refusal().message());
    assertEquals(FailureKind.PROTOCOL,
        ask(new TaskAdapter.Submit(TOKEN.encoded(), 3, null, false, client.ref())).refusal().kind());

    assertEquals(0, submit(task("fine")));
    e0.receiveTask("fine");
  }
}
