package org.jipython.actors.client;

import java.util.List;

/**
 * One engine's queue as {@code queue_status} shows it: the commands described as the original
 * did, such as {@code execute('a = 5')}.
 *
 * @param engineId the engine
 * @param pending the running command, or null when the engine is idle
 * @param waiting the waiting commands, oldest first
 */
public record QueueStatus(int engineId, String pending, List<String> waiting) {
  public QueueStatus {
    waiting = List.copyOf(waiting);
  }
}
