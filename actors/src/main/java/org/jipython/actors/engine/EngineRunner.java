package org.jipython.actors.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.engine.EngineInterpreter;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.engine.PythonException;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.actors.internal.Wire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that owns the engine's Jython interpreter and runs its commands one at a time.
 *
 * <p>It starts Jython as soon as it is created, in parallel with the actor system joining the
 * cluster, and creates the user's interpreter once the controller has assigned the engine id
 * (which the namespace holds as {@code id}). Commands that arrive before that wait.
 */
public final class EngineRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EngineRunner.class);
  private static CompletableFuture<Void> warmedUp;

  private final LinkedBlockingQueue<EngineWorker.Run> commands = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> assignedId = new CompletableFuture<>();
  private final ReplyLimits limits;
  private final Object mpi;
  private final Runnable onKill;
  private final Thread thread;
  private volatile boolean closed;
  private volatile EngineInterpreter interpreter;
  private volatile Wire wire;
  private int engineId = -1;
  // What to skip: commands of an epoch below minEpoch sent after keepSeq. After a failure the
  // runner halts until the queue answers with Resume, so nothing sent before the queue knew of
  // the failure runs (the original's rule: what waited behind a failed command fails).
  private long minEpoch;
  private long keepSeq = Long.MAX_VALUE;
  private boolean halted;

  /**
   * @param limits how large a reply may be
   * @param mpi the {@code mpi} object for the namespace, or null
   * @param onKill what to do after answering a {@code kill}: stop the process
   */
  public EngineRunner(ReplyLimits limits, Object mpi, Runnable onKill) {
    this.limits = limits;
    this.mpi = mpi;
    this.onKill = onKill;
    this.thread = new Thread(this::loop, "jipython-engine-interpreter");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /**
   * Starts Jython (once per JVM) on a daemon thread of its own and runs one command in a
   * throw-away interpreter; completes when that is done. An engine process calls it as early as
   * it can, so that Jython's start-up (a second or more of CPU) overlaps waiting for the
   * controller; the runner waits for it before it creates the user's interpreter. The thread
   * inherits the caller's context class loader, which Jython uses to find Java classes.
   */
  public static synchronized CompletableFuture<Void> warmUp() {
    if (warmedUp == null) {
      var done = new CompletableFuture<Void>();
      var thread = new Thread(() -> {
        try {
          long t0 = System.nanoTime();
          EngineInterpreter.initializeJython(false);
          try (var warm = new EngineInterpreter(new HashMap<>())) {
            warm.execute("a = 1");
          }
          log.info("Jython started in {} ms", (System.nanoTime() - t0) / 1_000_000);
          done.complete(null);
        } catch (RuntimeException | Error e) {
          done.completeExceptionally(e);
        }
      }, "jipython-jython-start");
      thread.setDaemon(true);
      thread.start();
      warmedUp = done;
    }
    return warmedUp;
  }

  /** How replies travel: in chunks when they are too large for one frame. */
  void useWire(Wire wire) {
    this.wire = wire;
  }

  /** The controller gave this engine its id: the interpreter can be created. */
  public void assign(int id) {
    assignedId.complete(id);
  }

  void submit(EngineWorker.Run run) {
    commands.add(run);
  }

  synchronized void cancel(long epoch, long runningSeq) {
    if (epoch + 1 >= minEpoch) {
      minEpoch = epoch + 1;
      keepSeq = runningSeq;
    }
  }

  synchronized void resume(long epoch) {
    minEpoch = Math.max(minEpoch, epoch);
    halted = false;
    notifyAll();
  }

  /** Waits while halted, then says whether {@code run} must be skipped. */
  private synchronized boolean cancelled(EngineWorker.Run run) throws InterruptedException {
    while (halted) {
      wait();
    }
    return run.epoch() < minEpoch && run.seq() > keepSeq;
  }

  private synchronized void failed(EngineWorker.Run run) {
    halted = true;
    keepSeq = run.seq();
  }

  private void loop() {
    try {
      long t0 = System.nanoTime();
      warmUp().join();
      log.info("Jython ready {} ms after this engine asked for it",
          (System.nanoTime() - t0) / 1_000_000);
      engineId = assignedId.join();
      var names = new HashMap<String, Object>();
      names.put("id", engineId);
      names.put("mpi", mpi);
      interpreter = new EngineInterpreter(names);
      while (!closed) {
        runOne(commands.take());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      log.error("the engine's interpreter thread failed; the engine stops", e);
      onKill.run();
    } finally {
      // the interpreter is not thread-safe: only this thread ever touches it, closing included
      if (interpreter != null) {
        interpreter.close();
      }
    }
  }

  private void runOne(EngineWorker.Run run) throws InterruptedException {
    EngineReply reply;
    if (cancelled(run)) {
      reply = EngineReply.failed(engineId,
          Failure.of(FailureKind.QUEUE_CLEARED, run.op().describe()));
    } else {
      reply = limits.check(engineId, perform(run.op()));
      if (!reply.ok()) {
        failed(run);
      }
    }
    send(run, reply);
    if (run.op() instanceof EngineOp.Kill && reply.ok()) {
      onKill.run();
    }
  }

  private void send(EngineWorker.Run run, EngineReply reply) {
    var completed = new EngineQueue.Completed(run.seq(), reply);
    if (wire == null) {
      run.replyTo().tell(completed);
      return;
    }
    try {
      wire.tell(run.replyTo(), completed);
    } catch (JipythonException e) {
      failed(run);
      run.replyTo().tell(new EngineQueue.Completed(run.seq(),
          EngineReply.failed(engineId, Failure.of(e.kind(), e.getMessage()))));
    }
  }

  private EngineReply perform(EngineOp op) {
    try {
      if (op instanceof EngineOp.Execute e) {
        return EngineReply.executed(engineId, interpreter.execute(e.source()));
      } else if (op instanceof EngineOp.Push p) {
        for (var entry : p.values().entrySet()) {
          interpreter.push(entry.getKey(), entry.getValue());
        }
        return EngineReply.done(engineId);
      } else if (op instanceof EngineOp.Pull p) {
        var values = new ArrayList<byte[]>(p.names().size());
        for (var name : p.names()) {
          values.add(interpreter.pull(name));
        }
        return EngineReply.values(engineId, values);
      } else if (op instanceof EngineOp.Keys) {
        return EngineReply.names(engineId, interpreter.keys());
      } else if (op instanceof EngineOp.Reset) {
        interpreter.reset();
        return EngineReply.done(engineId);
      } else if (op instanceof EngineOp.GetResult g) {
        return getResult(g);
      }
      // kill is answered before the process stops; queue operations never reach an engine
      return EngineReply.done(engineId);
    } catch (PythonException e) {
      return EngineReply.failed(engineId, Failure.python(e.error()));
    } catch (RuntimeException e) {
      log.error("engine {}: {} failed unexpectedly", engineId, op.describe(), e);
      return EngineReply.failed(engineId, Failure.of(FailureKind.INTERNAL,
          "the engine failed to run " + op.describe() + ": " + e));
    }
  }

  private EngineReply getResult(EngineOp.GetResult g) {
    int number = g.number() != null ? g.number() : interpreter.executionCount();
    ExecuteResult result = number < 1 ? null : interpreter.result(number).orElse(null);
    if (result == null) {
      var error = new org.jipython.runtime.engine.RemoteError(
          "IndexError", "index " + number + " out of range", "IndexError: index " + number
              + " out of range\n");
      return EngineReply.failed(engineId, Failure.python(error));
    }
    return new EngineReply(engineId, result, null, null, null, null);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
