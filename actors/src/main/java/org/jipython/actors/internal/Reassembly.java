package org.jipython.actors.internal;

import java.io.ByteArrayOutputStream;
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
  private final Serialization serialization;
  private final long maxBytes;
  private final Map<String, Parts> transfers = new HashMap<>();

  private static final class Parts {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int next;
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
    if (chunk.count() < 1 || (long) chunk.count() * chunk.data().length > 2 * maxBytes) {
      throw new IllegalArgumentException("a chunked message claims " + chunk.count()
          + " chunks of " + chunk.data().length + " bytes, over the limit");
    }
    var parts = transfers.computeIfAbsent(chunk.transferId(), id -> new Parts());
    if (chunk.index() != parts.next) {
      transfers.remove(chunk.transferId());
      throw new IllegalArgumentException("chunk " + chunk.index() + " of transfer "
          + chunk.transferId() + " arrived when " + parts.next + " was expected");
    }
    parts.bytes.writeBytes(chunk.data());
    parts.next++;
    if (parts.bytes.size() > maxBytes) {
      transfers.remove(chunk.transferId());
      throw new IllegalArgumentException("a chunked message grew over " + maxBytes + " bytes");
    }
    if (parts.next < chunk.count()) {
      return Optional.empty();
    }
    transfers.remove(chunk.transferId());
    var message = serialization.deserialize(parts.bytes.toByteArray(), chunk.serializerId(),
        chunk.manifest()).get();
    if (!(message instanceof WireMessage)) {
      throw new IllegalArgumentException("a chunked message of type "
          + message.getClass().getName() + " is not a wire message");
    }
    return Optional.of(message);
  }
}
