package org.jipython.actors.controller;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jipython.actors.controller.TaskScheduler.Verdict;

/**
 * What the scheduler knows about {@code depend(properties)} on each engine.
 *
 * <p>The controller never unpickles, so it cannot call a depend function itself. An engine's
 * properties are pickles kept by its queue; the adapter fetches them, and asks the engine to
 * evaluate the depend function against them (one {@code execute} of a generated expression
 * whose displayed value is {@code True} or {@code False}). The verdict is kept per engine, depend
 * function and properties: tasks with the same function (all tasks of a map) cost one
 * evaluation per engine, and a change of the engine's properties drops its verdicts.
 *
 * <p>A depend function that raises, or cannot be rebuilt on the engine, counts as false.
 */
final class TaskDependencies {

  /** One evaluation to run: {@code source} on engine {@code engineId}. */
  record Probe(int engineId, String dependKey, String fingerprint, String source) {}

  private static final class Engine {
    String fingerprint;
    List<String> names;
    List<byte[]> pickles;
    boolean fetching;
    final Map<String, Boolean> verdicts = new HashMap<>();
    final Set<String> probing = new HashSet<>();
  }

  private final Map<Integer, Engine> engines = new HashMap<>();

  /** Whether {@code depend} accepts the engine, as far as known now. */
  Verdict verdict(int engineId, byte[] depend) {
    var engine = engines.get(engineId);
    if (engine == null || engine.fingerprint == null) {
      return Verdict.UNKNOWN;
    }
    var verdict = engine.verdicts.get(key(depend));
    if (verdict == null) {
      return Verdict.UNKNOWN;
    }
    return verdict ? Verdict.YES : Verdict.NO;
  }

  /** Whether the engine's properties were fetched at least once. */
  boolean propertiesKnown(int engineId) {
    var engine = engines.get(engineId);
    return engine != null && engine.fingerprint != null;
  }

  /** Whether the engine's properties should be fetched now: true at most once per fetch. */
  boolean startFetch(int engineId) {
    var engine = engines.computeIfAbsent(engineId, id -> new Engine());
    if (engine.fetching) {
      return false;
    }
    engine.fetching = true;
    return true;
  }

  /**
   * The engine's properties arrived.
   *
   * @return true when they differ from what was known (its verdicts are then dropped)
   */
  boolean fetched(int engineId, List<String> names, List<byte[]> pickles) {
    var engine = engines.get(engineId);
    if (engine == null) {
      return false;
    }
    engine.fetching = false;
    var fingerprint = fingerprint(names, pickles);
    if (fingerprint.equals(engine.fingerprint)) {
      return false;
    }
    engine.fingerprint = fingerprint;
    engine.names = List.copyOf(names);
    engine.pickles = List.copyOf(pickles);
    engine.verdicts.clear();
    engine.probing.clear();
    return true;
  }

  /** Fetching the engine's properties failed; a later fetch may be tried. */
  void fetchFailed(int engineId) {
    var engine = engines.get(engineId);
    if (engine != null) {
      engine.fetching = false;
    }
  }

  /**
   * An evaluation of {@code depend} on the engine, unless its verdict is known, one is already
   * running, or the engine's properties are not known yet.
   */
  Optional<Probe> startProbe(int engineId, byte[] depend) {
    var engine = engines.get(engineId);
    if (engine == null || engine.fingerprint == null) {
      return Optional.empty();
    }
    var key = key(depend);
    if (engine.verdicts.containsKey(key) || !engine.probing.add(key)) {
      return Optional.empty();
    }
    return Optional.of(new Probe(engineId, key, engine.fingerprint,
        probeSource(depend, engine.names, engine.pickles)));
  }

  /**
   * An evaluation answered.
   *
   * @param verdict the verdict, or null when the evaluation did not run (the queue was cleared):
   *     it will be tried again
   * @return true when a verdict was learned
   */
  boolean probed(Probe probe, Boolean verdict) {
    var engine = engines.get(probe.engineId());
    if (engine == null || !probe.fingerprint().equals(engine.fingerprint)) {
      return false;
    }
    engine.probing.remove(probe.dependKey());
    if (verdict == null) {
      return false;
    }
    engine.verdicts.put(probe.dependKey(), verdict);
    return true;
  }

  /** The engine is gone. */
  void forget(int engineId) {
    engines.remove(engineId);
  }

  /** Everything is evaluated again, with freshly fetched properties ({@code spin()}). */
  void forgetAll() {
    engines.clear();
  }

  /**
   * The expression an engine evaluates: {@code ipython1.kernel.taskengine.depend_verdict} with
   * the engine namespace, the canned function and the properties, all as Python byte strings.
   * Its displayed value is {@code True} or {@code False}; it binds no name.
   */
  static String probeSource(byte[] depend, List<String> names, List<byte[]> pickles) {
    var source = new StringBuilder(64 + 4 * depend.length)
        .append("__import__('ipython1.kernel.taskengine', None, None, ['depend_verdict'])")
        .append(".depend_verdict(globals(), ");
    literal(source, depend).append(", (");
    for (var name : names) {
      literal(source, name.getBytes(StandardCharsets.UTF_8)).append(", ");
    }
    source.append("), (");
    for (var pickle : pickles) {
      literal(source, pickle).append(", ");
    }
    return source.append("))").toString();
  }

  /** A Python 2 byte-string literal: letters and digits as they are, every other byte escaped. */
  static StringBuilder literal(StringBuilder out, byte[] bytes) {
    out.append('\'');
    for (byte b : bytes) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == ' ') {
        out.append((char) c);
      } else {
        out.append("\\x").append(Character.forDigit(c >> 4, 16))
            .append(Character.forDigit(c & 15, 16));
      }
    }
    return out.append('\'');
  }

  private static String key(byte[] depend) {
    return new String(depend, StandardCharsets.ISO_8859_1);
  }

  private static String fingerprint(List<String> names, List<byte[]> pickles) {
    try {
      var digest = MessageDigest.getInstance("SHA-256");
      for (int i = 0; i < names.size(); i++) {
        var name = names.get(i).getBytes(StandardCharsets.UTF_8);
        digest.update(intBytes(name.length));
        digest.update(name);
        var pickle = i < pickles.size() ? pickles.get(i) : new byte[0];
        digest.update(intBytes(pickle.length));
        digest.update(pickle);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static byte[] intBytes(int n) {
    return new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
  }
}
