package org.jipython.actors.protocol;

import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.controller.TaskAdapter;
import org.jipython.actors.engine.EngineWorker;

/**
 * One piece of a message too large for one transport frame. The sender serializes the message
 * with the serializer configured for it and sends the bytes as {@code count} chunks in order;
 * the receiver reassembles them and handles the message as if it had arrived whole.
 *
 * <p>A chunk is a view of {@code length} bytes of {@code data} from {@code offset}, so the sender
 * cuts a message into chunks without copying it; {@link org.jipython.actors.internal.ChunkSerializer}
 * writes them straight into the transport's buffer. A received chunk owns its bytes (offset 0).
 *
 * @param transferId the message the chunk belongs to
 * @param index the chunk's place, from 0
 * @param count how many chunks the message has
 * @param totalBytes the size of the whole serialized message
 * @param serializerId the serializer of the whole message
 * @param manifest the serializer's manifest of the whole message
 * @param data holds the chunk's bytes
 * @param offset where the chunk's bytes start in {@code data}
 * @param length how many bytes the chunk has
 * @param requestId the request id of the whole message when it is {@link Answerable}, else 0
 * @param replyTo where the whole message's answer goes when it is {@link Answerable}, else
 *     null: a receiver that refuses the transfer tells it there
 */
public record Chunk(String transferId, int index, int count, int totalBytes, int serializerId,
    String manifest, byte[] data, int offset, int length, long requestId, ActorRef<?> replyTo)
    implements WireMessage, EngineWorker.Command, EngineQueue.Command,
        MultiEngineAdapter.Command, TaskAdapter.Command {

  public Chunk {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IllegalArgumentException("chunk bytes " + offset + ".." + (offset + length)
          + " lie outside an array of " + data.length);
    }
  }
}
