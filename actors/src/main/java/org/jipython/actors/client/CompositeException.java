package org.jipython.actors.client;

import java.util.List;
import java.util.stream.Collectors;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/**
 * One or more engines failed in a multiplexed call. Like the original's {@code CompositeError},
 * its message is one line per failed engine: {@code [0:execute]: ZeroDivisionError: ...}.
 */
public final class CompositeException extends JipythonException {

  /** The failure of one engine. */
  public record EngineFailure(int engineId, Failure failure) {}

  private final String method;
  private final List<EngineFailure> failures;

  public CompositeException(String method, List<EngineFailure> failures) {
    super(FailureKind.PYTHON, text(method, failures));
    this.method = method;
    this.failures = List.copyOf(failures);
  }

  /** The method that was called on the engines, e.g. {@code execute}. */
  public String method() {
    return method;
  }

  /** The failed engines, in target order. */
  public List<EngineFailure> failures() {
    return failures;
  }

  private static String text(String method, List<EngineFailure> failures) {
    return "one or more exceptions from call to method: " + method + "\n"
        + failures.stream()
            .map(f -> "[" + f.engineId() + ":" + method + "]: " + f.failure().pythonTypeName()
                + ": " + f.failure().message())
            .collect(Collectors.joining("\n"));
  }
}
