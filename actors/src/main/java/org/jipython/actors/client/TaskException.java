package org.jipython.actors.client;

import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.error.JipythonException;

/**
 * A task failed (its Python error, an abort, a timeout) or a Task request was refused (an
 * unknown task id, a task already finished). {@link #failure()} holds the details, including the
 * Python exception type the original raised ({@code IndexError}, {@code KeyError}, ...).
 */
public final class TaskException extends JipythonException {
  private final transient Failure failure;

  public TaskException(Failure failure) {
    super(failure.kind(), failure.pythonTypeName() == null ? failure.message()
        : failure.pythonTypeName() + ": " + failure.message());
    this.failure = failure;
  }

  /** What failed, as it came from the controller. */
  public Failure failure() {
    return failure;
  }
}
