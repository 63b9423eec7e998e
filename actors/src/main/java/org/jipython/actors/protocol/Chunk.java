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
 * @param transferId the message the chunk belongs to
 * @param index the chunk's place, from 0
 * @param count how many chunks the message has
 * @param serializerId the serializer of the whole message
 * @param manifest the serializer's manifest of the whole message
 * @param data the chunk's bytes
 * @param requestId the request id of the whole message when it is {@link Answerable}, else 0
 * @param replyTo where the whole message's answer goes when it is {@link Answerable}, else
 *     null: a receiver that refuses the transfer tells it there
 */
public record Chunk(String transferId, int index, int count, int serializerId, String manifest,
    byte[] data, long requestId, ActorRef<?> replyTo)
    implements WireMessage, EngineWorker.Command, EngineQueue.Command,
        MultiEngineAdapter.Command, TaskAdapter.Command {}
