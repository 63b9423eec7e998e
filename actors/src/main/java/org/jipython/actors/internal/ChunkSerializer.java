package org.jipython.actors.internal;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.ByteBufferSerializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.jipython.actors.protocol.Chunk;

/**
 * A plain binary format for {@link Chunk}s. Jackson would copy a chunk's bytes into a new array
 * and then into an encoder's buffer; this writes them straight from the sender's serialized
 * message into the transport's buffer (Artery uses {@link ByteBufferSerializer} when it can).
 * Chunks may come from untrusted clients: every length read is checked against what is left.
 */
public final class ChunkSerializer extends SerializerWithStringManifest
    implements ByteBufferSerializer {

  /** The serializer's id; Pekko keeps 0 to 40 for itself. */
  public static final int IDENTIFIER = 7401;

  private static final String MANIFEST = "C";
  private static final int MAX_TEXT_BYTES = 4096;

  private final ExtendedActorSystem system;

  public ChunkSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    var chunk = (Chunk) o;
    var buffer = ByteBuffer.allocate(size(chunk));
    toBinary(o, buffer);
    return buffer.array();
  }

  @Override
  public void toBinary(Object o, ByteBuffer buffer) {
    var chunk = (Chunk) o;
    putText(buffer, chunk.transferId());
    buffer.putInt(chunk.index());
    buffer.putInt(chunk.count());
    buffer.putInt(chunk.totalBytes());
    buffer.putInt(chunk.serializerId());
    putText(buffer, chunk.manifest());
    buffer.putLong(chunk.requestId());
    putText(buffer, replyPath(chunk));
    buffer.putInt(chunk.length());
    buffer.put(chunk.data(), chunk.offset(), chunk.length());
  }

  /** The reply address as Pekko writes actor references on the wire ("" for none). */
  private static String replyPath(Chunk chunk) {
    return chunk.replyTo() == null ? ""
        : Serialization.serializedActorPath(Adapter.toClassic(chunk.replyTo()));
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) {
    if (!MANIFEST.equals(manifest)) {
      throw new IllegalArgumentException("not a chunk manifest: " + manifest);
    }
    try {
      var transferId = text(buffer);
      int index = buffer.getInt();
      int count = buffer.getInt();
      int totalBytes = buffer.getInt();
      int serializerId = buffer.getInt();
      var wholeManifest = text(buffer);
      long requestId = buffer.getLong();
      var replyPath = text(buffer);
      // an unknown or foreign path resolves to a reference whose messages go nowhere
      ActorRef<Object> replyTo = replyPath.isEmpty() ? null
          : Adapter.toTyped(system.provider().resolveActorRef(replyPath));
      var data = new byte[length(buffer, buffer.getInt())];
      buffer.get(data);
      return new Chunk(transferId, index, count, totalBytes, serializerId, wholeManifest, data,
          0, data.length, requestId, replyTo);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("a chunk ends early", e);
    }
  }

  private static int size(Chunk chunk) {
    return 2 + utf8(chunk.transferId()).length + 16 + 2 + utf8(chunk.manifest()).length + 8
        + 2 + utf8(replyPath(chunk)).length + 4 + chunk.length();
  }

  private static void putText(ByteBuffer buffer, String text) {
    var bytes = utf8(text);
    if (bytes.length > MAX_TEXT_BYTES) {
      throw new IllegalArgumentException("a chunk's text field has " + bytes.length
          + " bytes, more than " + MAX_TEXT_BYTES);
    }
    buffer.putShort((short) bytes.length);
    buffer.put(bytes);
  }

  private static String text(ByteBuffer buffer) {
    var bytes = new byte[length(buffer, Short.toUnsignedInt(buffer.getShort()))];
    buffer.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int length(ByteBuffer buffer, int length) {
    if (length < 0 || length > buffer.remaining()) {
      throw new IllegalArgumentException("a chunk claims " + length + " bytes where "
          + buffer.remaining() + " are left");
    }
    return length;
  }

  private static byte[] utf8(String text) {
    return (text == null ? "" : text).getBytes(StandardCharsets.UTF_8);
  }
}
