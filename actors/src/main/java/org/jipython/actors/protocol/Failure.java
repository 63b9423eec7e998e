package org.jipython.actors.protocol;

import org.jipython.runtime.engine.RemoteError;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/**
 * A failure as data on the wire.
 *
 * @param code the {@link FailureKind} wire code
 * @param message what happened, for people
 * @param remote the Python error when user code raised ({@link FailureKind#PYTHON}), else null
 */
public record Failure(String code, String message, RemoteError remote) implements WireMessage {

  public static Failure of(FailureKind kind, String message) {
    return new Failure(kind.code(), message, null);
  }

  public static Failure python(RemoteError error) {
    return new Failure(FailureKind.PYTHON.code(), error.message(), error);
  }

  public FailureKind kind() {
    return FailureKind.fromCode(code);
  }

  /** The exception class name a Python client raises for this failure. */
  public String pythonTypeName() {
    return remote != null ? remote.typeName() : kind().pythonName();
  }

  public JipythonException toException() {
    return new JipythonException(kind(), message);
  }
}
