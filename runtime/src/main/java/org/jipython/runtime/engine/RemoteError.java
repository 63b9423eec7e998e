package org.jipython.runtime.engine;

/**
 * An exception raised by Python code on an engine, as data: it travels back to the client
 * instead of being thrown there.
 *
 * @param typeName the exception's class name without its module, e.g. {@code ZeroDivisionError}
 * @param message {@code str()} of the exception value, e.g.
 *     {@code integer division or modulo by zero}
 * @param traceback the full text as Python prints it, ending with a newline, e.g.
 *     {@code Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n
 *     ZeroDivisionError: integer division or modulo by zero\n}
 */
public record RemoteError(String typeName, String message, String traceback) {

  /** The last line of the traceback without the frames: {@code ZeroDivisionError: message}. */
  public String oneLine() {
    return typeName + ": " + message;
  }
}
