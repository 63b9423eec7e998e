package org.jipython.actors.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * One action on one engine. Clients send these to an interface adapter, the adapter hands one to
 * the queue of every target engine, and the queue either answers it itself (queue operations,
 * cached results) or runs it on the engine.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
  @JsonSubTypes.Type(value = EngineOp.Execute.class, name = "execute"),
  @JsonSubTypes.Type(value = EngineOp.Push.class, name = "push"),
  @JsonSubTypes.Type(value = EngineOp.Pull.class, name = "pull"),
  @JsonSubTypes.Type(value = EngineOp.Keys.class, name = "keys"),
  @JsonSubTypes.Type(value = EngineOp.Reset.class, name = "reset"),
  @JsonSubTypes.Type(value = EngineOp.Kill.class, name = "kill"),
  @JsonSubTypes.Type(value = EngineOp.GetResult.class, name = "get_result"),
  @JsonSubTypes.Type(value = EngineOp.ClearQueue.class, name = "clear_queue"),
  @JsonSubTypes.Type(value = EngineOp.QueueStatus.class, name = "queue_status"),
  @JsonSubTypes.Type(value = EngineOp.SetProperties.class, name = "set_properties"),
  @JsonSubTypes.Type(value = EngineOp.GetProperties.class, name = "get_properties"),
  @JsonSubTypes.Type(value = EngineOp.HasProperties.class, name = "has_properties"),
  @JsonSubTypes.Type(value = EngineOp.DelProperties.class, name = "del_properties"),
  @JsonSubTypes.Type(value = EngineOp.ClearProperties.class, name = "clear_properties"),
})
public sealed interface EngineOp extends WireMessage {

  /** How the original shows this command in {@code queue_status} and {@code QueueCleared}. */
  String describe();

  /** Whether the engine's queue answers this itself instead of running it on the engine. */
  default boolean controllerSide() {
    return false;
  }

  /** Run Python source in the engine's namespace. */
  record Execute(String source) implements EngineOp {
    @Override
    public String describe() {
      return "execute(" + PyRepr.str(source) + ")";
    }
  }

  /** Bind names to pickled values (protocol 2 pickles, opaque to the controller). */
  record Push(Map<String, byte[]> values) implements EngineOp {
    @Override
    public String describe() {
      return "push(" + PyRepr.strList(List.copyOf(values.keySet())) + ")";
    }
  }

  /** Pickle the values of names. */
  record Pull(List<String> names) implements EngineOp {
    @Override
    public String describe() {
      return "pull(" + PyRepr.strList(names) + ")";
    }
  }

  /** List the names in the user namespace. */
  record Keys() implements EngineOp {
    @Override
    public String describe() {
      return "keys()";
    }
  }

  /** Throw the namespace away and start a fresh interpreter. */
  record Reset() implements EngineOp {
    @Override
    public String describe() {
      return "reset()";
    }
  }

  /** Stop the engine process. */
  record Kill() implements EngineOp {
    @Override
    public String describe() {
      return "kill()";
    }
  }

  /** The execute result with this number, or the latest one when {@code number} is null. */
  record GetResult(Integer number) implements EngineOp {
    @Override
    public String describe() {
      return "get_result(" + (number == null ? "None" : number) + ")";
    }
  }

  /** Fail every waiting command with {@code QueueCleared}; the running one goes on. */
  record ClearQueue() implements EngineOp {
    @Override
    public String describe() {
      return "clear_queue()";
    }

    @Override
    public boolean controllerSide() {
      return true;
    }
  }

  /** The running command and the waiting ones. */
  record QueueStatus() implements EngineOp {
    @Override
    public String describe() {
      return "queue_status()";
    }

    @Override
    public boolean controllerSide() {
      return true;
    }
  }

  /**
   * Engine properties live with the engine's queue in the controller, as pickles it never
   * opens, so the task scheduler sees a change at once (the original saw it only after the
   * engine's next execute).
   */
  sealed interface PropertiesOp extends EngineOp {
    @Override
    default boolean controllerSide() {
      return true;
    }
  }

  /** Set properties (name to pickled value). */
  record SetProperties(Map<String, byte[]> values) implements PropertiesOp {
    @Override
    public String describe() {
      return "set_properties(" + PyRepr.strList(List.copyOf(values.keySet())) + ")";
    }
  }

  /** The values of these properties, or of all when {@code names} is null. */
  record GetProperties(List<String> names) implements PropertiesOp {
    @Override
    public String describe() {
      return "get_properties(" + (names == null ? "None" : PyRepr.strList(names)) + ")";
    }
  }

  /** Which of these properties exist. */
  record HasProperties(List<String> names) implements PropertiesOp {
    @Override
    public String describe() {
      return "has_properties(" + PyRepr.strList(names) + ")";
    }
  }

  /** Delete these properties. */
  record DelProperties(List<String> names) implements PropertiesOp {
    @Override
    public String describe() {
      return "del_properties(" + PyRepr.strList(names) + ")";
    }
  }

  /** Delete every property. */
  record ClearProperties() implements PropertiesOp {
    @Override
    public String describe() {
      return "clear_properties()";
    }
  }
}
