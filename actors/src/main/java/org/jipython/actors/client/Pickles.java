package org.jipython.actors.client;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/**
 * Java values to Python pickles and back (Pyrolite): numbers, strings, byte arrays, arrays,
 * lists and maps; Python tuples come back as {@code Object[]}. A value that does not convert
 * is a {@link JipythonException} of kind {@code PROTOCOL} naming it.
 */
final class Pickles {
  private Pickles() {}

  /** The pickle of {@code value}; {@code what} names it in the error. */
  static byte[] dump(Object value, String what) {
    try {
      return new Pickler(false).dumps(value);
    } catch (PickleException | IOException e) {
      throw new JipythonException(FailureKind.PROTOCOL,
          "cannot pickle " + what + ": " + e.getMessage(), e);
    }
  }

  /** The pickle of every value, by name, in the map's order. */
  static Map<String, byte[]> dumpAll(Map<String, ?> values) {
    var pickles = new LinkedHashMap<String, byte[]>();
    values.forEach((name, value) -> pickles.put(name, dump(value, "the value of " + name)));
    return pickles;
  }

  /** The Java value of a pickle. */
  static Object load(byte[] pickle) {
    try {
      return new Unpickler().loads(pickle);
    } catch (PickleException | IOException e) {
      throw new JipythonException(FailureKind.PROTOCOL,
          "cannot unpickle a value in Java: " + e.getMessage(), e);
    }
  }
}
