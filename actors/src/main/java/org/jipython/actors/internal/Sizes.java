package org.jipython.actors.internal;

import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.controller.TaskAdapter;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;

/**
 * A cheap upper estimate of a message's serialized size, so the common small message is sent
 * without being serialized twice. Strings count three bytes a character (UTF-8's worst case).
 */
final class Sizes {
  private Sizes() {}

  static long estimate(Object message) {
    if (message instanceof TaskAdapter.Submit || message instanceof TaskAdapter.Reply) {
      return Long.MAX_VALUE; // tasks carry pickles of any size: measure them
    }
    if (message instanceof EngineWorker.Run run) {
      return op(run.op());
    } else if (message instanceof MultiEngineAdapter.Request request) {
      return op(request.op());
    } else if (message instanceof EngineQueue.Completed completed) {
      return reply(completed.reply());
    } else if (message instanceof MultiEngineAdapter.Reply reply) {
      long total = 0;
      if (reply.results() != null) {
        for (var r : reply.results()) {
          total += reply(r);
        }
      }
      return total;
    }
    return 0;
  }

  private static long op(EngineOp op) {
    if (op instanceof EngineOp.Push push) {
      return push.values().entrySet().stream()
          .mapToLong(e -> e.getValue().length + 3L * e.getKey().length()).sum();
    } else if (op instanceof EngineOp.Execute execute) {
      return 3L * execute.source().length();
    } else if (op instanceof EngineOp.SetProperties set) {
      return set.values().values().stream().mapToLong(v -> v.length).sum();
    }
    return 0;
  }

  private static long reply(EngineReply reply) {
    long total = 0;
    if (reply.values() != null) {
      total += reply.values().stream().mapToLong(v -> v.length).sum();
    }
    var ex = reply.execute();
    if (ex != null) {
      total += 3L * (ex.input().length() + ex.stdout().length() + ex.stderr().length()
          + (ex.displayRepr() == null ? 0 : ex.displayRepr().length()));
      if (ex.error() != null) {
        total += 3L * ex.error().traceback().length();
      }
    }
    if (reply.failure() != null && reply.failure().remote() != null) {
      total += 3L * reply.failure().remote().traceback().length();
    }
    return total;
  }
}
