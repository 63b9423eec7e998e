package org.jipython.actors.internal;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.error.FailureKind;

/**
 * Puts chunked messages back together. Owned by one actor (not thread-safe). A transfer that
 * claims more than the configured maximum ({@code jipython.wire.max-message-bytes}), grows over
 * it, or whose chunks arrive out of order, is dropped: {@link #accept} throws {@link Refused}
 * once, and the transfer's later chunks are ignored without a word.
 */
public final class Reassembly {
  /** How many dropped transfers are remembered, so their later chunks are ignored quietly. */
  private static final int REMEMBERED_DROPS = 1024;

  /**
   * The most a transfer reserves before its bytes arrive: a sender's claim of a large size
   * (any client may send chunks) costs memory only as its chunks come in.
   */
  private static final int MAX_RESERVED_BYTES = 32 << 20;

  /** Why a transfer was dropped; thrown once per transfer. */
  public static final class Refused extends IllegalArgumentException {
    private final FailureKind kind;

    Refused(FailureKind kind, String message) {
      super(message);
      this.kind = kind;
    }

    /** MESSAGE_TOO_LARGE for a transfer over the limit, PROTOCOL for a malformed one. */
    public FailureKind kind() {
      return kind;
    }
  }

  private final Serialization serialization;
  private final long maxBytes;
  private final Map<String, Parts> transfers = new HashMap<>();
  private final Set<String> dropped = Collections.newSetFromMap(
      new LinkedHashMap<String, Boolean>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED_DROPS;
        }
      });

  private static final class Parts {
    byte[] bytes;
    int size;
    int next;

    Parts(int totalBytes) {
      bytes = new byte[Math.min(totalBytes, MAX_RESERVED_BYTES)];
    }

    void append(Chunk chunk, int totalBytes) {
      if (size + chunk.length() > bytes.length) {
        long wanted = Math.max((long) size + chunk.length(), 2L * bytes.length);
        bytes = Arrays.copyOf(bytes, (int) Math.min(wanted, totalBytes));
      }
      System.arraycopy(chunk.data(), chunk.offset(), bytes, size, chunk.length());
      size += chunk.length();
    }
  }

  public Reassembly(ActorSystem<?> system) {
    this.serialization = SerializationExtension.get(Adapter.toClassic(system));
    this.maxBytes = system.settings().config().getBytes("jipython.wire.max-message-bytes");
  }

  /**
   * Takes a chunk; returns the whole message once its last chunk arrived.
   *
   * @throws Refused when the transfer is dropped (the caller logs it, and may tell the sender)
   */
  public Optional<Object> accept(Chunk chunk) {
    var id = chunk.transferId();
    if (id == null || chunk.data() == null) {
      throw new Refused(FailureKind.PROTOCOL, "a chunk without a transfer id or data");
    }
    if (dropped.contains(id)) {
      return Optional.empty();
    }
    if (chunk.count() < 1 || chunk.totalBytes() < 0) {
      throw drop(id, FailureKind.PROTOCOL, "a chunked message claims " + chunk.count()
          + " chunks and " + chunk.totalBytes() + " bytes");
    }
    if (chunk.totalBytes() > maxBytes) {
      throw drop(id, FailureKind.MESSAGE_TOO_LARGE, "a chunked message of "
          + chunk.totalBytes() + " bytes is larger than the limit of " + maxBytes
          + " bytes (jipython.wire.max-message-bytes)");
    }
    var parts = transfers.computeIfAbsent(id, k -> new Parts(chunk.totalBytes()));
    if (chunk.index() != parts.next) {
      throw drop(id, FailureKind.PROTOCOL, "chunk " + chunk.index() + " of a chunked message "
          + "arrived when " + parts.next + " was expected");
    }
    if ((long) parts.size + chunk.length() > chunk.totalBytes()) {
      throw drop(id, FailureKind.PROTOCOL, "a chunked message grew over the "
          + chunk.totalBytes() + " bytes it claimed");
    }
    parts.append(chunk, chunk.totalBytes());
    parts.next++;
    if (parts.next < chunk.count()) {
      return Optional.empty();
    }
    transfers.remove(id);
    if (parts.size != chunk.totalBytes()) {
      throw drop(id, FailureKind.PROTOCOL, "a chunked message ended with " + parts.size
          + " of the " + chunk.totalBytes() + " bytes it claimed");
    }
    Object message;
    try {
      message = serialization.deserialize(parts.bytes, chunk.serializerId(),
          chunk.manifest()).get();
    } catch (Exception e) {
      throw drop(id, FailureKind.PROTOCOL, "a chunked message could not be deserialized ("
          + e.getClass().getSimpleName() + ")");
    }
    if (!(message instanceof WireMessage)) {
      throw drop(id, FailureKind.PROTOCOL, "a chunked message of type "
          + message.getClass().getName() + " is not a wire message");
    }
    return Optional.of(message);
  }

  private Refused drop(String transferId, FailureKind kind, String why) {
    transfers.remove(transferId);
    dropped.add(transferId);
    return new Refused(kind, why);
  }
}
