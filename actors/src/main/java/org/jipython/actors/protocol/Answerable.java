package org.jipython.actors.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * A request that is answered: where the answer goes and the id it echoes. A request sent in
 * {@link Chunk}s repeats both in every chunk, so a receiver that refuses the transfer (too large,
 * malformed) can still say so to the sender.
 */
public interface Answerable {
  long requestId();

  ActorRef<?> replyTo();
}
