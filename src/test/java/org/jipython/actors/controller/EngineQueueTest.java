package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.engine.RemoteError;
import org.jipython.runtime.error.FailureKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine queue against a fake engine (a probe standing in for the {@link EngineWorker}) and a
 * fake client (a probe receiving {@link EngineQueue.Done}).
 */
class EngineQueueTest {

  private static final int ENGINE_ID = 3;
  /** How long "nothing else arrives" is watched for. */
  private static final Duration QUIET = Duration.ofMillis(150);

  private static ActorTestKit testKit;
  private static ManualTime manualTime;

  private TestProbe<EngineWorker.Command> engine;
  private TestProbe<EngineQueue.Done> client;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create("EngineQueueTest", ManualTime.config());
    manualTime = ManualTime.get(testKit.system());
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newProbes() {
    engine = testKit.createTestProbe(EngineWorker.Command.class);
    client = testKit.createTestProbe(EngineQueue.Done.class);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private ActorRef<EngineQueue.Command> queue(int pipelineDepth) {
    return testKit.spawn(EngineQueue.create(ENGINE_ID, engine.ref(), pipelineDepth));
  }

  private void submit(ActorRef<EngineQueue.Command> queue, EngineOp op, int slot) {
    queue.tell(new EngineQueue.Submit(op, slot, client.ref()));
  }

  private EngineWorker.Run expectRun(EngineOp op) {
    var run = engine.expectMessageClass(EngineWorker.Run.class);
    assertEquals(op, run.op(), "the engine runs the submitted commands in order");
    return run;
  }

  /** After a failure the engine halts; the queue must open a new epoch for it. */
  private EngineWorker.Resume expectResumeAfter(EngineWorker.Run failed) {
    var resume = engine.expectMessageClass(EngineWorker.Resume.class);
    assertTrue(resume.epoch() > failed.epoch(),
        "the engine resumes in an epoch later than the failed command's");
    return resume;
  }

  private static void complete(EngineWorker.Run run, EngineReply reply) {
    run.replyTo().tell(new EngineQueue.Completed(run.seq(), reply));
  }

  private static EngineOp.Execute execute(String source) {
    return new EngineOp.Execute(source);
  }

  private static ExecuteResult succeeded(int number, String source) {
    return new ExecuteResult(number, source, "", "", null, null);
  }

  private static ExecuteResult raised(int number, String source) {
    var error = new RemoteError("ZeroDivisionError", "integer division or modulo by zero",
        "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n"
            + "ZeroDivisionError: integer division or modulo by zero\n");
    return new ExecuteResult(number, source, "", "", null, error);
  }

  private static EngineReply cleared(String describe) {
    return EngineReply.failed(ENGINE_ID, Failure.of(FailureKind.QUEUE_CLEARED, describe));
  }

  /** The next {@code n} answers, by slot: answers to different commands may come in any order. */
  private Map<Integer, EngineReply> answersBySlot(int n) {
    var bySlot = new TreeMap<Integer, EngineReply>();
    for (var done : client.receiveSeveralMessages(n)) {
      assertNull(bySlot.put(done.slot(), done.reply()), "slot " + done.slot() + " answered twice");
    }
    return bySlot;
  }

  /** The next message within {@code max}, or empty when none came. */
  private static <T> Optional<T> nextWithin(TestProbe<T> probe, Duration max) {
    try {
      return Optional.of(probe.receiveMessage(max));
    } catch (AssertionError timeout) {
      return Optional.empty();
    }
  }

  private static void assertCleared(String describe, EngineReply reply) {
    assertNotNull(reply.failure(), "expected QueueCleared, got " + reply);
    assertEquals(FailureKind.QUEUE_CLEARED, reply.failure().kind());
    assertEquals(describe, reply.failure().message());
    assertEquals(ENGINE_ID, reply.engineId());
  }

  private static void assertLost(EngineReply reply) {
    assertNotNull(reply.failure(), "expected EngineLost, got " + reply);
    assertEquals(FailureKind.ENGINE_LOST, reply.failure().kind());
    assertTrue(reply.failure().message().contains("connection closed"), reply.failure().message());
  }

  // ---------------------------------------------------------------------------------------------
  // order and pipelining

  @Test
  void withPipelineDepthOneOnlyOneCommandIsOnTheEngineAtATimeAndAnswersComeBackInOrder() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 10);
    submit(queue, execute("b=2"), 11);
    submit(queue, execute("c=3"), 12);

    var a = expectRun(execute("a=1"));
    assertEquals(queue, a.replyTo());
    engine.expectNoMessage(QUIET);
    client.expectNoMessage(Duration.ZERO);
    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));
    complete(a, aReply);
    client.expectMessage(new EngineQueue.Done(10, aReply));

    var b = expectRun(execute("b=2"));
    engine.expectNoMessage(QUIET);
    var bReply = EngineReply.executed(ENGINE_ID, succeeded(2, "b=2"));
    complete(b, bReply);
    client.expectMessage(new EngineQueue.Done(11, bReply));

    var c = expectRun(execute("c=3"));
    var cReply = EngineReply.executed(ENGINE_ID, succeeded(3, "c=3"));
    complete(c, cReply);
    client.expectMessage(new EngineQueue.Done(12, cReply));

    assertTrue(a.seq() < b.seq() && b.seq() < c.seq(), "sequence numbers increase");
    engine.expectNoMessage(QUIET);
    client.expectNoMessage(Duration.ZERO);
  }

  @Test
  void withPipelineDepthThreeThreeCommandsAreSentAtOnceInTheSameEpoch() {
    var queue = queue(3);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    submit(queue, execute("d=4"), 3);

    var a = expectRun(execute("a=1"));
    var b = expectRun(execute("b=2"));
    var c = expectRun(execute("c=3"));
    engine.expectNoMessage(QUIET);

    assertTrue(a.seq() < b.seq() && b.seq() < c.seq(), "sequence numbers increase");
    assertEquals(a.epoch(), b.epoch());
    assertEquals(a.epoch(), c.epoch());

    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));
    complete(a, aReply);
    client.expectMessage(new EngineQueue.Done(0, aReply));
    var d = expectRun(execute("d=4"));
    assertTrue(d.seq() > c.seq());
    assertEquals(a.epoch(), d.epoch(), "a success does not end the epoch");
  }

  @Test
  void aPipelineDepthBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> EngineQueue.create(ENGINE_ID, engine.ref(), 0));
  }

  // ---------------------------------------------------------------------------------------------
  // the abort cascade

  @Test
  void aFailedExecuteFailsEveryWaitingCommandWithQueueClearedAndLaterCommandsRunInANewEpoch() {
    var queue = queue(1);
    submit(queue, execute("a=1/0"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, new EngineOp.Pull(List.of("x", "y")), 2);
    var a = expectRun(execute("a=1/0"));

    var aReply = EngineReply.executed(ENGINE_ID, raised(1, "a=1/0"));
    complete(a, aReply);

    var answers = answersBySlot(3);
    assertEquals(aReply, answers.get(0), "the failing command gets its own failure");
    assertEquals(FailureKind.PYTHON, answers.get(0).failure().kind());
    assertEquals("ZeroDivisionError", answers.get(0).failure().pythonTypeName());
    assertCleared("execute('b=2')", answers.get(1));
    assertCleared("pull(['x', 'y'])", answers.get(2));
    var resume = expectResumeAfter(a);
    engine.expectNoMessage(QUIET);

    submit(queue, execute("d=4"), 3);
    var d = expectRun(execute("d=4"));
    assertEquals(resume.epoch(), d.epoch(), "new commands run in the epoch the engine resumed");
    var dReply = EngineReply.executed(ENGINE_ID, succeeded(2, "d=4"));
    complete(d, dReply);
    client.expectMessage(new EngineQueue.Done(3, dReply));
  }

  @Test
  void aFailureThatIsNotAnExecuteResultAlsoClearsTheQueue() {
    var queue = queue(1);
    submit(queue, new EngineOp.Pull(List.of("huge")), 0);
    submit(queue, new EngineOp.Keys(), 1);
    var pull = expectRun(new EngineOp.Pull(List.of("huge")));

    var failure = EngineReply.failed(ENGINE_ID, Failure.python(
        new RemoteError("NameError", "name 'huge' is not defined", "Traceback ...\n")));
    complete(pull, failure);

    var answers = answersBySlot(2);
    assertEquals(failure, answers.get(0));
    assertCleared("keys()", answers.get(1));
    expectResumeAfter(pull);
    engine.expectNoMessage(QUIET);
  }

  @Test
  void withDepthThreeTheEngineClearsWhatWasSentAheadAndTheQueueForwardsIt() {
    var queue = queue(3);
    submit(queue, execute("a=1/0"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    submit(queue, execute("d=4"), 3);
    var a = expectRun(execute("a=1/0"));
    var b = expectRun(execute("b=2"));
    var c = expectRun(execute("c=3"));

    var aReply = EngineReply.executed(ENGINE_ID, raised(1, "a=1/0"));
    complete(a, aReply);
    var first = answersBySlot(2);
    assertEquals(aReply, first.get(0));
    assertCleared("execute('d=4')", first.get(3));
    var resume = expectResumeAfter(a);
    assertTrue(resume.epoch() > b.epoch() && resume.epoch() > c.epoch(),
        "what was sent ahead before the failure belongs to an epoch the engine skips");
    engine.expectNoMessage(QUIET);

    // The engine skips what it had been sent in the ended epoch and says so.
    complete(b, cleared("execute('b=2')"));
    complete(c, cleared("execute('c=3')"));
    client.expectMessage(new EngineQueue.Done(1, cleared("execute('b=2')")));
    client.expectMessage(new EngineQueue.Done(2, cleared("execute('c=3')")));

    submit(queue, execute("e=5"), 4);
    var e = expectRun(execute("e=5"));
    assertTrue(e.epoch() > a.epoch(), "after a failure new commands run in a later epoch");
    var eReply = EngineReply.executed(ENGINE_ID, succeeded(2, "e=5"));
    complete(e, eReply);
    client.expectMessage(new EngineQueue.Done(4, eReply));
  }

  @Test
  void aCommandWaitingBehindAFailingOneIsClearedEvenWhenClearQueueCameBetween() {
    // Spec 4.3 and the class's own contract: when a command fails, every command waiting behind
    // it fails with QueueCleared. A clear_queue before the failure must not change that.
    var queue = queue(1);
    submit(queue, execute("a=1/0"), 0);
    var a = expectRun(execute("a=1/0"));
    submit(queue, new EngineOp.ClearQueue(), 1);
    client.expectMessage(new EngineQueue.Done(1, EngineReply.done(ENGINE_ID)));
    submit(queue, execute("b=2"), 2);

    var aReply = EngineReply.executed(ENGINE_ID, raised(1, "a=1/0"));
    complete(a, aReply);

    expectResumeAfter(a);
    var reachedEngine = nextWithin(engine, QUIET);
    assertTrue(reachedEngine.isEmpty(), "execute('b=2') waited behind the failing"
        + " execute('a=1/0') and must fail with QueueCleared (spec 4.3), but it was sent to the"
        + " engine: " + reachedEngine.orElse(null));
    var answers = answersBySlot(2);
    assertEquals(aReply, answers.get(0));
    assertCleared("execute('b=2')", answers.get(2));
  }

  // ---------------------------------------------------------------------------------------------
  // clear_queue

  @Test
  void clearQueueFailsTheWaitingCommandsAndLeavesTheRunningOneAlone() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    var a = expectRun(execute("a=1"));

    submit(queue, new EngineOp.ClearQueue(), 3);

    var answers = answersBySlot(3);
    assertCleared("execute('b=2')", answers.get(1));
    assertCleared("execute('c=3')", answers.get(2));
    assertEquals(EngineReply.done(ENGINE_ID), answers.get(3), "clear_queue answers done itself");
    engine.expectNoMessage(QUIET);

    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));
    complete(a, aReply);
    client.expectMessage(new EngineQueue.Done(0, aReply));

    submit(queue, execute("d=4"), 4);
    var d = expectRun(execute("d=4"));
    var dReply = EngineReply.executed(ENGINE_ID, succeeded(2, "d=4"));
    complete(d, dReply);
    client.expectMessage(new EngineQueue.Done(4, dReply));
  }

  @Test
  void clearQueueWithSeveralInFlightTellsTheEngineToSkipAllButTheRunningOne() {
    var queue = queue(3);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    submit(queue, execute("d=4"), 3);
    var a = expectRun(execute("a=1"));
    var b = expectRun(execute("b=2"));
    var c = expectRun(execute("c=3"));

    submit(queue, new EngineOp.ClearQueue(), 4);

    engine.expectMessage(new EngineWorker.Cancel(a.epoch(), a.seq()));
    var answers = answersBySlot(2);
    assertCleared("execute('d=4')", answers.get(3));
    assertEquals(EngineReply.done(ENGINE_ID), answers.get(4));
    engine.expectNoMessage(QUIET);

    complete(b, cleared("execute('b=2')"));
    complete(c, cleared("execute('c=3')"));
    client.expectMessage(new EngineQueue.Done(1, cleared("execute('b=2')")));
    client.expectMessage(new EngineQueue.Done(2, cleared("execute('c=3')")));
    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));
    complete(a, aReply);
    client.expectMessage(new EngineQueue.Done(0, aReply));

    submit(queue, execute("e=5"), 5);
    var e = expectRun(execute("e=5"));
    assertTrue(e.epoch() > a.epoch(), "commands after a clear run in a later epoch");
  }

  @Test
  void clearQueueOnAnIdleQueueJustAnswersDone() {
    var queue = queue(2);
    submit(queue, new EngineOp.ClearQueue(), 7);

    client.expectMessage(new EngineQueue.Done(7, EngineReply.done(ENGINE_ID)));
    engine.expectNoMessage(QUIET);
  }

  // ---------------------------------------------------------------------------------------------
  // queue_status

  @Test
  void queueStatusShowsTheRunningCommandAndTheWaitingOnesWithoutAskingTheEngine() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, new EngineOp.Pull(List.of("x")), 2);
    expectRun(execute("a=1"));

    submit(queue, new EngineOp.QueueStatus(), 3);

    var state = new EngineReply.QueueState("execute('a=1')", List.of("execute('b=2')", "pull(['x'])"));
    client.expectMessage(new EngineQueue.Done(3, EngineReply.queue(ENGINE_ID, state)));
    engine.expectNoMessage(QUIET);
  }

  @Test
  void queueStatusCountsCommandsSentAheadAsWaiting() {
    var queue = queue(3);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    submit(queue, execute("d=4"), 3);
    expectRun(execute("a=1"));
    expectRun(execute("b=2"));
    expectRun(execute("c=3"));

    submit(queue, new EngineOp.QueueStatus(), 4);

    var state = new EngineReply.QueueState("execute('a=1')",
        List.of("execute('b=2')", "execute('c=3')", "execute('d=4')"));
    client.expectMessage(new EngineQueue.Done(4, EngineReply.queue(ENGINE_ID, state)));
    engine.expectNoMessage(QUIET);
  }

  @Test
  void queueStatusOfAnEmptyQueueHasNoPendingAndNoWaitingCommand() {
    var queue = queue(1);

    submit(queue, new EngineOp.QueueStatus(), 0);

    var state = new EngineReply.QueueState(null, List.of());
    client.expectMessage(new EngineQueue.Done(0, EngineReply.queue(ENGINE_ID, state)));
    engine.expectNoMessage(QUIET);
  }

  // ---------------------------------------------------------------------------------------------
  // get_result and history

  @Test
  void getResultOfASuccessfulExecuteIsAnsweredFromHistoryWithoutTheEngine() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    var a = expectRun(execute("a=1"));
    var first = succeeded(1, "a=1");
    complete(a, EngineReply.executed(ENGINE_ID, first));
    client.expectMessage(new EngineQueue.Done(0, EngineReply.executed(ENGINE_ID, first)));

    submit(queue, new EngineOp.GetResult(1), 1);
    client.expectMessage(new EngineQueue.Done(1, EngineReply.executed(ENGINE_ID, first)));
    submit(queue, new EngineOp.GetResult(null), 2);
    client.expectMessage(new EngineQueue.Done(2, EngineReply.executed(ENGINE_ID, first)));
    engine.expectNoMessage(QUIET);

    submit(queue, new EngineOp.GetResult(5), 3);
    var unknown = expectRun(new EngineOp.GetResult(5));
    client.expectNoMessage(Duration.ZERO);
    var fromEngine = EngineReply.failed(ENGINE_ID, Failure.of(FailureKind.INVALID_ID, "no 5"));
    complete(unknown, fromEngine);
    client.expectMessage(new EngineQueue.Done(3, fromEngine));
  }

  @Test
  void getResultWithoutANumberIsTheLatestSuccessfulExecute() {
    var queue = queue(1);
    for (int n = 1; n <= 2; n++) {
      submit(queue, execute("x=" + n), n);
      var run = expectRun(execute("x=" + n));
      complete(run, EngineReply.executed(ENGINE_ID, succeeded(n, "x=" + n)));
      client.expectMessageClass(EngineQueue.Done.class);
    }

    submit(queue, new EngineOp.GetResult(null), 9);

    client.expectMessage(
        new EngineQueue.Done(9, EngineReply.executed(ENGINE_ID, succeeded(2, "x=2"))));
    engine.expectNoMessage(QUIET);
  }

  @Test
  void aFailedExecuteIsNotInTheHistory() {
    var queue = queue(1);
    submit(queue, execute("1/0"), 0);
    var run = expectRun(execute("1/0"));
    complete(run, EngineReply.executed(ENGINE_ID, raised(1, "1/0")));
    client.expectMessageClass(EngineQueue.Done.class);
    expectResumeAfter(run);

    submit(queue, new EngineOp.GetResult(1), 1);

    expectRun(new EngineOp.GetResult(1));
    client.expectNoMessage(QUIET);
  }

  // ---------------------------------------------------------------------------------------------
  // reset and kill

  @Test
  void resetClearsTheWaitingCommandsAndTheHistoryThenRunsOnTheEngine() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    var a = expectRun(execute("a=1"));
    complete(a, EngineReply.executed(ENGINE_ID, succeeded(1, "a=1")));
    client.expectMessageClass(EngineQueue.Done.class);

    submit(queue, execute("b=2"), 1);
    var b = expectRun(execute("b=2"));
    submit(queue, execute("c=3"), 2);
    submit(queue, new EngineOp.Reset(), 3);
    submit(queue, new EngineOp.GetResult(1), 4);

    var cleared = client.expectMessageClass(EngineQueue.Done.class);
    assertEquals(2, cleared.slot());
    assertCleared("execute('c=3')", cleared.reply());
    client.expectNoMessage(QUIET);
    engine.expectNoMessage(Duration.ZERO);

    var bReply = EngineReply.executed(ENGINE_ID, succeeded(2, "b=2"));
    complete(b, bReply);
    client.expectMessage(new EngineQueue.Done(1, bReply));
    var reset = expectRun(new EngineOp.Reset());
    complete(reset, EngineReply.done(ENGINE_ID));
    client.expectMessage(new EngineQueue.Done(3, EngineReply.done(ENGINE_ID)));
    // The history went with the reset: get_result(1) now has to ask the engine.
    expectRun(new EngineOp.GetResult(1));
  }

  @Test
  void killClearsTheWaitingCommandsThenRunsOnTheEngine() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    var a = expectRun(execute("a=1"));
    submit(queue, execute("b=2"), 1);
    submit(queue, new EngineOp.Kill(), 2);

    var cleared = client.expectMessageClass(EngineQueue.Done.class);
    assertEquals(1, cleared.slot());
    assertCleared("execute('b=2')", cleared.reply());
    engine.expectNoMessage(QUIET);

    complete(a, EngineReply.executed(ENGINE_ID, succeeded(1, "a=1")));
    client.expectMessageClass(EngineQueue.Done.class);
    expectRun(new EngineOp.Kill());
  }

  // ---------------------------------------------------------------------------------------------
  // losing the engine

  @Test
  void whenTheEngineIsLostEveryInFlightAndWaitingCommandFailsAndLaterOnesFailAtOnce() {
    var queue = queue(2);
    submit(queue, execute("a=1"), 0);
    submit(queue, execute("b=2"), 1);
    submit(queue, execute("c=3"), 2);
    submit(queue, execute("d=4"), 3);
    var a = expectRun(execute("a=1"));
    expectRun(execute("b=2"));

    queue.tell(new EngineQueue.EngineLost("connection closed"));

    var answers = answersBySlot(4);
    assertEquals(List.of(0, 1, 2, 3), List.copyOf(answers.keySet()));
    answers.values().forEach(EngineQueueTest::assertLost);

    submit(queue, execute("e=5"), 4);
    var late = client.expectMessageClass(EngineQueue.Done.class);
    assertEquals(4, late.slot());
    assertLost(late.reply());
    submit(queue, new EngineOp.QueueStatus(), 5);
    assertLost(client.expectMessageClass(EngineQueue.Done.class).reply());
    engine.expectNoMessage(QUIET);

    // A reply that still arrives from the lost engine is not answered a second time.
    complete(a, EngineReply.executed(ENGINE_ID, succeeded(1, "a=1")));
    client.expectNoMessage(QUIET);
  }

  @Test
  void aLostEnginesQueueLingersForAMinuteThenStops() {
    var queue = queue(1);
    var watcher = testKit.createTestProbe();
    queue.tell(new EngineQueue.EngineLost("connection closed"));
    submit(queue, execute("a=1"), 0);
    assertLost(client.expectMessageClass(EngineQueue.Done.class).reply());

    manualTime.timePasses(Duration.ofSeconds(59));
    submit(queue, execute("b=2"), 1);
    assertLost(client.expectMessageClass(EngineQueue.Done.class).reply());
    watcher.expectNoMessage(QUIET);

    manualTime.timePasses(Duration.ofSeconds(2));
    watcher.expectTerminated(queue);
  }

  // ---------------------------------------------------------------------------------------------
  // robustness

  @Test
  void aCompletionWithAnUnknownSequenceNumberIsIgnored() {
    var queue = queue(1);
    queue.tell(new EngineQueue.Completed(999, EngineReply.done(ENGINE_ID)));
    client.expectNoMessage(QUIET);

    submit(queue, execute("a=1"), 0);
    var a = expectRun(execute("a=1"));
    queue.tell(new EngineQueue.Completed(a.seq() + 1000,
        EngineReply.failed(ENGINE_ID, Failure.of(FailureKind.INTERNAL, "stray"))));
    client.expectNoMessage(QUIET);
    submit(queue, execute("b=2"), 1);
    engine.expectNoMessage(QUIET);

    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));
    complete(a, aReply);
    client.expectMessage(new EngineQueue.Done(0, aReply));
    var b = expectRun(execute("b=2"));
    assertEquals(queue, b.replyTo());
  }

  @Test
  void aCompletionArrivesOnlyOnceEvenIfTheEngineRepeatsIt() {
    var queue = queue(1);
    submit(queue, execute("a=1"), 0);
    var a = expectRun(execute("a=1"));
    var aReply = EngineReply.executed(ENGINE_ID, succeeded(1, "a=1"));

    complete(a, aReply);
    complete(a, aReply);

    client.expectMessage(new EngineQueue.Done(0, aReply));
    client.expectNoMessage(QUIET);
  }
}
