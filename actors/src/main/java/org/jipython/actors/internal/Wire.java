package org.jipython.actors.internal;

import java.util.UUID;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.jipython.actors.protocol.Answerable;
import org.jipython.actors.protocol.Chunk;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/**
 * Sends messages of any size to remote actors. Artery drops a message larger than its frame
 * (256 KiB); a message that may be larger is serialized here and sent as ordered
 * {@link Chunk}s, which the receiver puts back together with a {@link Reassembly}.
 */
public final class Wire {
  private final ExtendedActorSystem system;
  private final Serialization serialization;
  private final int chunkBytes;
  private final long maxBytes;

  private Wire(ActorSystem<?> system) {
    this.system = (ExtendedActorSystem) Adapter.toClassic(system);
    this.serialization = SerializationExtension.get(this.system);
    var config = system.settings().config();
    this.chunkBytes = (int) config.getBytes("jipython.wire.chunk-bytes").longValue();
    this.maxBytes = config.getBytes("jipython.wire.max-message-bytes");
  }

  public static Wire of(ActorSystem<?> system) {
    return new Wire(system);
  }

  /** The largest message, serialized, that may be sent. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Sends {@code message} to {@code target}, in chunks when it is too large for one frame.
   *
   * @throws JipythonException of kind MESSAGE_TOO_LARGE when it exceeds the configured maximum
   */
  public void tell(ActorRef<?> target, Object message) {
    ActorRef<Object> to = target.unsafeUpcast();
    if (target.path().address().hasLocalScope() || Sizes.estimate(message) < chunkBytes / 2) {
      to.tell(message);
      return;
    }
    var serializer = serialization.findSerializerFor(message);
    // with the transport's information, actor refs inside serialize with this node's address
    scala.Function0<byte[]> toBinary = () -> serializer.toBinary(message);
    byte[] bytes = Serialization$.MODULE$.withTransportInformation(system, toBinary);
    if (bytes.length <= chunkBytes) {
      to.tell(message);
      return;
    }
    if (bytes.length > maxBytes) {
      throw new JipythonException(FailureKind.MESSAGE_TOO_LARGE, "a message of "
          + bytes.length + " bytes is larger than the limit of " + maxBytes
          + " bytes (jipython.wire.max-message-bytes)");
    }
    var manifest = Serializers.manifestFor(serializer, message);
    var id = UUID.randomUUID().toString();
    int count = (bytes.length + chunkBytes - 1) / chunkBytes;
    long requestId = 0;
    ActorRef<?> replyTo = null;
    if (message instanceof Answerable answerable) {
      requestId = answerable.requestId();
      replyTo = answerable.replyTo();
    }
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      // chunks share the message's bytes: nothing changes them once serialized
      to.tell(new Chunk(id, i, count, bytes.length, serializer.identifier(), manifest, bytes,
          from, Math.min(chunkBytes, bytes.length - from), requestId, replyTo));
    }
  }
}
