package org.jipython.actors.engine;

import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.error.FailureKind;

/**
 * Keeps an engine's replies within what one message may carry.
 *
 * <p>Captured output beyond {@code maxOutputChars} is cut with a visible note; values larger than
 * {@code maxValueBytes} in total turn the reply into a clear {@code MessageSizeError} instead of
 * a message the transport would silently drop.
 */
public record ReplyLimits(int maxOutputChars, int maxValueBytes) {

  /** The limits in {@code jipython.engine.max-output-chars} and {@code max-value-bytes}. */
  public static ReplyLimits from(com.typesafe.config.Config config) {
    return new ReplyLimits(config.getInt("jipython.engine.max-output-chars"),
        (int) Math.min(Integer.MAX_VALUE, config.getBytes("jipython.engine.max-value-bytes")));
  }

  public ReplyLimits {
    if (maxOutputChars < 1024) {
      throw new IllegalArgumentException("maxOutputChars must be at least 1024");
    }
    if (maxValueBytes < 1024) {
      throw new IllegalArgumentException("maxValueBytes must be at least 1024");
    }
  }

  EngineReply check(int engineId, EngineReply reply) {
    if (reply.values() != null) {
      long total = reply.values().stream().mapToLong(v -> v.length).sum();
      if (total > maxValueBytes) {
        return EngineReply.failed(engineId, Failure.of(FailureKind.MESSAGE_TOO_LARGE,
            "the pulled value is " + total + " bytes pickled; one reply may carry at most "
                + maxValueBytes + " bytes (jipython.engine.max-value-bytes)"));
      }
    }
    var ex = reply.execute();
    if (ex != null && (over(ex.stdout()) || over(ex.stderr()))) {
      var capped = new ExecuteResult(ex.number(), ex.input(), cap(ex.stdout()), cap(ex.stderr()),
          ex.displayRepr(), ex.error());
      return new EngineReply(engineId, capped, reply.values(), reply.names(), reply.queue(),
          reply.failure());
    }
    return reply;
  }

  private boolean over(String s) {
    return s != null && s.length() > maxOutputChars;
  }

  private String cap(String s) {
    if (!over(s)) {
      return s;
    }
    int dropped = s.length() - maxOutputChars;
    return s.substring(0, maxOutputChars) + "\n[jipython: " + dropped
        + " more characters of output were dropped]\n";
  }
}
