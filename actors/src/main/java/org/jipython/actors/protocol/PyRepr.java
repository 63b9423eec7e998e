package org.jipython.actors.protocol;

import java.util.List;
import java.util.stream.Collectors;

/** Python-style reprs of strings, for the texts the original prints (queue_status, errors). */
final class PyRepr {
  private static final int MAX = 200;

  private PyRepr() {}

  static String str(String s) {
    var shown = s.length() > MAX ? s.substring(0, MAX) + "..." : s;
    var quote = shown.contains("'") && !shown.contains("\"") ? '"' : '\'';
    var out = new StringBuilder().append(quote);
    for (int i = 0; i < shown.length(); i++) {
      char c = shown.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        case '\r' -> out.append("\\r");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c == quote) {
            out.append('\\');
          }
          out.append(c);
        }
      }
    }
    return out.append(quote).toString();
  }

  static String strList(List<String> names) {
    return names.stream().map(PyRepr::str).collect(Collectors.joining(", ", "[", "]"));
  }
}
