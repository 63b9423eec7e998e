package org.jipython.actors.controller;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.runtime.error.FailureKind;

/**
 * The MultiEngine interface's store of non-blocking results, shared by every client as in the
 * original: a result is kept until someone collects it (once) or {@code flush()} drops it.
 * Ids are 40 hexadecimal characters, unguessable. Owned by the adapter; not thread-safe.
 */
final class PendingResults {
  private final SecureRandom random = new SecureRandom();
  private final Map<Long, String> idsBySlot = new HashMap<>();
  private final Map<String, Entry> byId = new HashMap<>();
  private long nextSlot = 1;
  private final org.jipython.actors.internal.Wire wire;

  PendingResults(org.jipython.actors.internal.Wire wire) {
    this.wire = wire;
  }

  private static final class Entry {
    final long slot;
    MultiEngineAdapter.Reply result;
    final List<Waiter> waiters = new ArrayList<>();

    Entry(long slot) {
      this.slot = slot;
    }
  }

  private record Waiter(long requestId, ActorRef<MultiEngineAdapter.Reply> replyTo) {}

  /** Opens a pending result; returns the internal slot its results will arrive under. */
  long open() {
    var bytes = new byte[20];
    random.nextBytes(bytes);
    var id = HexFormat.of().formatHex(bytes);
    long slot = nextSlot++;
    idsBySlot.put(slot, id);
    byId.put(id, new Entry(slot));
    return slot;
  }

  String idOf(long slot) {
    return idsBySlot.get(slot);
  }

  /** The results for {@code slot} arrived: hand them to whoever waits, else keep them. */
  void complete(long slot, MultiEngineAdapter.Reply result) {
    var id = idsBySlot.remove(slot);
    var entry = id == null ? null : byId.get(id);
    if (entry == null) {
      return; // flushed while it ran
    }
    if (entry.waiters.isEmpty()) {
      entry.result = result;
      return;
    }
    byId.remove(id);
    entry.waiters.forEach(w ->
        MultiEngineAdapter.send(wire, w.replyTo(), result.to(w.requestId())));
  }

  void collect(String id, boolean block, long requestId,
      ActorRef<MultiEngineAdapter.Reply> replyTo) {
    var entry = id == null ? null : byId.get(id);
    if (entry == null) {
      replyTo.tell(MultiEngineAdapter.Reply.refused(requestId, FailureKind.INVALID_ID,
          "no pending result with id " + id + " (already collected, flushed, or never made)"));
    } else if (entry.result != null) {
      byId.remove(id);
      MultiEngineAdapter.send(wire, replyTo, entry.result.to(requestId));
    } else if (block) {
      entry.waiters.add(new Waiter(requestId, replyTo));
    } else {
      replyTo.tell(MultiEngineAdapter.Reply.refused(requestId, FailureKind.RESULT_NOT_COMPLETED,
          "the result is not ready yet"));
    }
  }

  /** Drops every pending result; waiters are told. Returns how many were dropped. */
  int flush() {
    int dropped = byId.size();
    for (var entry : byId.values()) {
      entry.waiters.forEach(w -> w.replyTo().tell(MultiEngineAdapter.Reply.refused(
          w.requestId(), FailureKind.PENDING_ABORTED, "the pending result was flushed")));
    }
    byId.clear();
    idsBySlot.clear();
    return dropped;
  }
}
