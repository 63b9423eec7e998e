package org.jipython.runtime.error;

import java.util.Arrays;

/**
 * Why something failed, as it travels on the wire and as clients see it.
 *
 * <p>Each kind has a stable wire code (never the ordinal) and the name of the exception class
 * the Python client raises for it (the original's {@code IPython.kernel.error} vocabulary).
 */
public enum FailureKind {
  /** User code raised: the remote error carries the Python type, message and traceback. */
  PYTHON("python", null, false),
  /** The command waited behind a command that failed, or the queue was cleared. */
  QUEUE_CLEARED("queue-cleared", "QueueCleared", true),
  /** The engine died or became unreachable while the command waited or ran. */
  ENGINE_LOST("engine-lost", "EngineError", true),
  /** A target names an engine that is not registered. */
  INVALID_ENGINE_ID("invalid-engine-id", "InvalidEngineID", false),
  /** {@code 'all'} was asked for while no engine is registered. */
  NO_ENGINES("no-engines", "NoEnginesRegistered", false),
  /** The request did not carry the capability of the interface it was sent to. */
  REFUSED("refused", "SecurityError", false),
  /** A value or a reply is larger than a message may be. */
  MESSAGE_TOO_LARGE("message-too-large", "MessageSizeError", false),
  /** The request was malformed. */
  PROTOCOL("protocol", "ProtocolError", false),
  /** A pending result or task id is unknown. */
  INVALID_ID("invalid-id", "InvalidDeferredID", false),
  /** A pending result was asked for without waiting, and it is not ready. */
  RESULT_NOT_COMPLETED("not-completed", "ResultNotCompleted", true),
  /** A pending result was dropped by {@code flush()} while someone waited for it. */
  PENDING_ABORTED("pending-aborted", "AbortedPendingDeferredError", false),
  /** A waiting task was aborted. */
  TASK_ABORTED("task-aborted", "TaskAborted", false),
  /** A task could not be scheduled on any engine in time. */
  TASK_TIMEOUT("task-timeout", "TaskTimeout", false),
  /** The controller could not be reached or went away. */
  CONNECTION("connection", "ConnectionError", true),
  /** A bug or an unexpected state in jipython itself; the log says more. */
  INTERNAL("internal", "KernelError", false);

  private final String code;
  private final String pythonName;
  private final boolean retryable;

  FailureKind(String code, String pythonName, boolean retryable) {
    this.code = code;
    this.pythonName = pythonName;
    this.retryable = retryable;
  }

  /** The stable code used on the wire. */
  public String code() {
    return code;
  }

  /**
   * The exception class name the Python client raises, or {@code null} for {@link #PYTHON},
   * where the remote error names its own class.
   */
  public String pythonName() {
    return pythonName;
  }

  /** Whether trying the same thing again (elsewhere, later) can succeed. */
  public boolean retryable() {
    return retryable;
  }

  /** The kind with this wire code. */
  public static FailureKind fromCode(String code) {
    return Arrays.stream(values())
        .filter(k -> k.code.equals(code))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown failure kind code: " + code));
  }
}
