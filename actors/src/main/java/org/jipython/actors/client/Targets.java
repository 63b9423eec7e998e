package org.jipython.actors.client;

import java.util.Arrays;
import java.util.List;

/**
 * Which engines a MultiEngine call runs on: every registered engine ({@link #all()}) or the
 * listed ids, in the order given (results come back in that order).
 */
public record Targets(List<Integer> ids) {

  private static final Targets ALL = new Targets(null);

  public Targets {
    if (ids != null) {
      ids = List.copyOf(ids);
    }
  }

  /** Every engine registered when the controller handles the call, in ascending id order. */
  public static Targets all() {
    return ALL;
  }

  /** These engines, in this order. */
  public static Targets of(int... ids) {
    return new Targets(Arrays.stream(ids).boxed().toList());
  }

  /** These engines, in this order. */
  public static Targets of(List<Integer> ids) {
    return new Targets(ids);
  }

  public boolean isAll() {
    return ids == null;
  }

  @Override
  public String toString() {
    return ids == null ? "all" : ids.toString();
  }
}
