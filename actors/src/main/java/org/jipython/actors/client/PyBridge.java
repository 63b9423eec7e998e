package org.jipython.actors.client;

import org.python.core.PyString;
import org.python.core.util.StringUtil;

/**
 * Moves Python byte strings (pickles) between Jython and Java byte arrays without any decoding,
 * for the Python client module.
 */
public final class PyBridge {
  private PyBridge() {}

  /** The bytes of a Python {@code str}. */
  public static byte[] toBytes(PyString s) {
    return StringUtil.toBytes(s.getString());
  }

  /** A Python {@code str} holding these bytes. */
  public static PyString toStr(byte[] bytes) {
    return new PyString(StringUtil.fromBytes(bytes));
  }
}
