package org.jipython.actors.internal;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.WireMessage;

/**
 * Puts chunked messages back together. Owned by one actor (not thread-safe). A transfer that
 * claims more than the configured maximum, or whose chunks arrive out of order, is dropped.
 */
public final class Reassembly {
  /**
   * The most a transfer reserves before its bytes arrive: a sender's claim of a large size
   * (any client may send chunks) costs memory only as its chunks come in.
   */
  private static final int MAX_RESERVED_BYTES = 32 << 20;

  private final Serialization serialization;
  private final long maxBytes;
  private final Map<String, Parts> transfers = new HashMap<>();

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
   * @throws IllegalArgumentException for a malformed transfer (the caller logs and drops it)
   */
  public Optional<Object> accept(Chunk chunk) {
    if (chunk.count() < 1 || chunk.totalBytes() < 0 || chunk.totalBytes() > maxBytes) {
      transfers.remove(chunk.transferId());
      throw new IllegalArgumentException("a chunked message claims " + chunk.count()
          + " chunks and " + chunk.totalBytes() + " bytes, over the limit of " + maxBytes);
    }
    var parts = transfers.computeIfAbsent(chunk.transferId(),
        id -> new Parts(chunk.totalBytes()));
    if (chunk.index() != parts.next) {
      transfers.remove(chunk.transferId());
      throw new IllegalArgumentException("chunk " + chunk.index() + " of transfer "
          + chunk.transferId() + " arrived when " + parts.next + " was expected");
    }
    if ((long) parts.size + chunk.length() > chunk.totalBytes()) {
      transfers.remove(chunk.transferId());
      throw new IllegalArgumentException("a chunked message grew over the "
          + chunk.totalBytes() + " bytes it claimed");
    }
    parts.append(chunk, chunk.totalBytes());
    parts.next++;
    if (parts.next < chunk.count()) {
      return Optional.empty();
    }
    transfers.remove(chunk.transferId());
    if (parts.size != chunk.totalBytes()) {
      throw new IllegalArgumentException("a chunked message ended with " + parts.size
          + " of the " + chunk.totalBytes() + " bytes it claimed");
    }
    var message = serialization.deserialize(parts.bytes, chunk.serializerId(),
        chunk.manifest()).get();
    if (!(message instanceof WireMessage)) {
      throw new IllegalArgumentException("a chunked message of type "
          + message.getClass().getName() + " is not a wire message");
    }
    return Optional.of(message);
  }
}
