package org.jipython.runtime.engine;

import java.util.Objects;

/**
 * Thrown by {@link EngineInterpreter#push} and {@link EngineInterpreter#pull} when Python
 * raised: the Python error is in {@link #error()}, ready to be sent back to the client.
 */
public final class PythonException extends RuntimeException {
  private final RemoteError error;

  /** Wraps the Python error; the Java message is its one-line form. */
  public PythonException(RemoteError error) {
    super(Objects.requireNonNull(error, "error").oneLine());
    this.error = error;
  }

  /** The Python error, as data. */
  public RemoteError error() {
    return error;
  }
}
