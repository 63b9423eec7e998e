package org.jipython.actors.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.runtime.error.FailureKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine's runner with a real Jython interpreter: order, halting after a failure. */
class EngineRunnerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static ActorTestKit testKit;
  private TestProbe<EngineQueue.Command> queue;
  private EngineRunner runner;
  private final AtomicInteger kills = new AtomicInteger();

  @BeforeAll
  static void startKit() {
    testKit = ActorTestKit.create();
  }

  @AfterAll
  static void stopKit() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void startRunner() {
    queue = testKit.createTestProbe(EngineQueue.Command.class);
    runner = new EngineRunner(new ReplyLimits(2048, 4096), null, kills::incrementAndGet);
    runner.assign(7);
  }

  @AfterEach
  void stopRunner() {
    runner.close();
  }

  private void run(long seq, long epoch, String source) {
    runner.submit(new EngineWorker.Run(seq, epoch, new EngineOp.Execute(source), queue.ref()));
  }

  private EngineQueue.Completed next() {
    return (EngineQueue.Completed) queue.expectMessageClass(EngineQueue.Completed.class, WAIT);
  }

  @Test
  void commandsRunOneAfterAnotherInArrivalOrder() {
    run(1, 1, "xs = []");
    run(2, 1, "xs.append(1)");
    run(3, 1, "xs.append(2)\nprint xs, id");

    assertEquals(1, next().seq());
    assertEquals(2, next().seq());
    var last = next();
    assertEquals(3, last.seq());
    assertEquals("[1, 2] 7\n", last.reply().execute().stdout());
  }

  @Test
  void afterAFailureTheEngineSkipsWhatWasSentBeforeTheQueueResumesIt() {
    run(1, 1, "a = 1/0");
    run(2, 1, "b = 2");
    var failed = next();
    assertEquals(FailureKind.PYTHON, failed.reply().failure().kind());
    queue.expectNoMessage(Duration.ofMillis(300));  // halted: b waits for the queue's word

    runner.resume(2);
    var skipped = next();
    assertEquals(2, skipped.seq());
    assertEquals(FailureKind.QUEUE_CLEARED, skipped.reply().failure().kind());
    run(3, 2, "print 'b' in dir()");
    assertEquals("False\n", next().reply().execute().stdout());
  }

  @Test
  void aCancelSkipsWhatWasSentAfterTheRunningCommandOnly() {
    run(1, 1, "import time; time.sleep(0.5); r = 1");
    run(2, 1, "r = 2");
    runner.cancel(1, 1);
    run(3, 2, "print r");

    assertTrue(next().reply().ok());
    assertEquals(FailureKind.QUEUE_CLEARED, next().reply().failure().kind());
    assertEquals("1\n", next().reply().execute().stdout());
  }

  @Test
  void aKillIsAnsweredThenTheProcessIsStopped() {
    runner.submit(new EngineWorker.Run(1, 1, new EngineOp.Kill(), queue.ref()));
    assertTrue(next().reply().ok());
    // the process is stopped right after the answer is sent
    queue.awaitAssert(WAIT, () -> {
      assertEquals(1, kills.get());
      return null;
    });
  }

  @Test
  void anOversizedPullIsRefusedWithMessageSizeErrorAndTheEngineGoesOn() {
    run(1, 1, "big = 'x' * 100000");
    next();
    runner.submit(new EngineWorker.Run(2, 1, new EngineOp.Pull(java.util.List.of("big")),
        queue.ref()));
    var refused = next();
    assertEquals(FailureKind.MESSAGE_TOO_LARGE, refused.reply().failure().kind());
    runner.resume(2);
    run(3, 2, "print len(big)");
    assertEquals("100000\n", next().reply().execute().stdout());
  }
}
