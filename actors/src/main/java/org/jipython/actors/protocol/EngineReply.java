package org.jipython.actors.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.jipython.runtime.engine.ExecuteResult;

/**
 * What one engine answered to one {@link EngineOp}. Exactly one of the payload fields is set for
 * a success (or none, for operations that return nothing); {@code failure} is set otherwise.
 *
 * @param engineId the engine
 * @param execute the result of {@code execute} or {@code get_result}
 * @param values pickled values, one per pulled name
 * @param names names, for {@code keys}
 * @param queue the queue's state, for {@code queue_status}
 * @param failure why it failed, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EngineReply(
    int engineId,
    ExecuteResult execute,
    List<byte[]> values,
    List<String> names,
    QueueState queue,
    Failure failure)
    implements WireMessage {

  public static EngineReply done(int engineId) {
    return new EngineReply(engineId, null, null, null, null, null);
  }

  public static EngineReply executed(int engineId, ExecuteResult result) {
    if (!result.ok()) {
      return new EngineReply(engineId, result, null, null, null, Failure.python(result.error()));
    }
    return new EngineReply(engineId, result, null, null, null, null);
  }

  public static EngineReply values(int engineId, List<byte[]> values) {
    return new EngineReply(engineId, null, values, null, null, null);
  }

  public static EngineReply names(int engineId, List<String> names) {
    return new EngineReply(engineId, null, null, names, null, null);
  }

  public static EngineReply queue(int engineId, QueueState state) {
    return new EngineReply(engineId, null, null, null, state, null);
  }

  public static EngineReply failed(int engineId, Failure failure) {
    return new EngineReply(engineId, null, null, null, null, failure);
  }

  public boolean ok() {
    return failure == null;
  }

  /**
   * The state of one engine's queue as {@code queue_status} shows it.
   *
   * @param pending the running command, or null
   * @param waiting the waiting commands, oldest first
   */
  public record QueueState(String pending, List<String> waiting) {}
}
