package org.jipython.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of a {@code bench} run in the order measured, each printed as a
 * {@code name: value unit} line as it arrives, and the values that go to the JSON only; with the
 * statistics and the number formats they use.
 */
final class BenchFigures {
  /** One figure: a value with its unit, or why there is none. */
  record Figure(String key, Double value, String unit, String note, String missing,
      boolean failed) {
    String line() {
      if (value == null) {
        return key + ": missing (" + missing + ")";
      }
      return key + ": " + format(value) + " " + unit + (note == null ? "" : "  (" + note + ")");
    }
  }

  private final Map<String, Figure> byKey = new LinkedHashMap<>();
  private final Map<String, Object> extra = new LinkedHashMap<>();

  synchronized void add(String key, double value, String unit, String note) {
    put(new Figure(key, value, unit, note, null, false));
  }

  synchronized void missing(String key, String unit, String why) {
    put(new Figure(key, null, unit, null, why, false));
  }

  synchronized void failed(String key, String unit, String why) {
    put(new Figure(key, null, unit, null, why, true));
  }

  /** Each of {@code keys} failed for the same reason; the units follow from the keys. */
  synchronized void failed(List<String> keys, String why) {
    for (var key : keys) {
      failed(key, unitOf(key), why);
    }
  }

  private void put(Figure figure) {
    byKey.put(figure.key(), figure);
    System.out.println(figure.line());
    System.out.flush();
  }

  /** A value for the JSON only: detail behind the figures, never printed as one. */
  synchronized void extra(String key, Object value) {
    extra.put(key, value);
  }

  synchronized boolean has(String key) {
    return byKey.containsKey(key);
  }

  synchronized Double value(String key) {
    var figure = byKey.get(key);
    return figure == null ? null : figure.value();
  }

  synchronized List<Figure> all() {
    return List.copyOf(byKey.values());
  }

  synchronized boolean anyFailed() {
    return byKey.values().stream().anyMatch(Figure::failed);
  }

  /**
   * The figures as JSON members, in order: each figure's value, the extra values, then the
   * units, the reasons of the missing figures, and the notes.
   */
  synchronized Map<String, Object> json() {
    var doc = new LinkedHashMap<String, Object>();
    var units = new LinkedHashMap<String, String>();
    var missing = new LinkedHashMap<String, String>();
    var notes = new LinkedHashMap<String, String>();
    for (var figure : byKey.values()) {
      doc.put(figure.key(), figure.value() == null ? null : round(figure.value()));
      units.put(figure.key(), figure.unit());
      if (figure.value() == null) {
        missing.put(figure.key(), figure.missing());
      } else if (figure.note() != null) {
        notes.put(figure.key(), figure.note());
      }
    }
    doc.putAll(extra);
    doc.put("units", units);
    doc.put("missing", missing);
    doc.put("notes", notes);
    doc.put("unit_meaning", "MB = 10^6 bytes; medians unless the key ends in _p99");
    return doc;
  }

  static double median(List<Double> values) {
    var sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Nearest-rank percentile, as the peers' benchmark computes it. */
  static double percentile(List<Double> values, double q) {
    var sorted = values.stream().sorted().toList();
    int k = (int) Math.ceil(q / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, k)));
  }

  static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  static String unitOf(String key) {
    if (key.endsWith("_mb_s")) {
      return "MB/s";
    } else if (key.endsWith("_per_s")) {
      return "/s";
    } else if (key.contains("_ms")) {
      return "ms";
    } else if (key.contains("_mb")) {
      return "MB";
    }
    return "s";
  }

  static String format(double value) {
    double abs = Math.abs(value);
    if (abs >= 1000) {
      return String.format("%.0f", value);
    } else if (abs >= 100) {
      return String.format("%.1f", value);
    } else if (abs >= 1) {
      return String.format("%.2f", value);
    } else if (abs >= 0.01) {
      return String.format("%.3f", value);
    }
    return String.format("%.2g", value);
  }

  /** Six significant digits: what the JSON keeps of a measured value. */
  static double round(double value) {
    return value == 0 ? 0 : Double.parseDouble(String.format("%.6g", value));
  }
}
