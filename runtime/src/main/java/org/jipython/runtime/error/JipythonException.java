package org.jipython.runtime.error;

import java.util.Objects;

/** The one unchecked exception of the Java API; {@link #kind()} says what went wrong. */
public class JipythonException extends RuntimeException {
  private final FailureKind kind;

  public JipythonException(FailureKind kind, String message) {
    super(message);
    this.kind = Objects.requireNonNull(kind);
  }

  public JipythonException(FailureKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = Objects.requireNonNull(kind);
  }

  /** What kind of failure this is. */
  public FailureKind kind() {
    return kind;
  }
}
