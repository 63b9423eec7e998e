package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.actors.protocol.Failure;
import org.jipython.runtime.engine.RemoteError;

/**
 * One engine's properties: names to pickled values the controller stores but never opens.
 * Reading a value hands out a copy of its pickle, so changing what was read changes nothing here,
 * as the original's deep copies.
 */
final class EngineProperties {
  private final LinkedHashMap<String, byte[]> values = new LinkedHashMap<>();

  EngineReply apply(int engineId, EngineOp.PropertiesOp op) {
    if (op instanceof EngineOp.SetProperties set) {
      values.putAll(set.values());
      return EngineReply.done(engineId);
    } else if (op instanceof EngineOp.GetProperties get) {
      var names = get.names() == null ? List.copyOf(values.keySet()) : get.names();
      var found = new ArrayList<byte[]>();
      for (var name : names) {
        var value = values.get(name);
        if (value == null) {
          return keyError(engineId, name);
        }
        found.add(value.clone());
      }
      return new EngineReply(engineId, null, found, names, null, null);
    } else if (op instanceof EngineOp.HasProperties has) {
      return EngineReply.names(engineId,
          has.names().stream().filter(values::containsKey).toList());
    } else if (op instanceof EngineOp.DelProperties del) {
      for (var name : del.names()) {
        if (!values.containsKey(name)) {
          return keyError(engineId, name);
        }
      }
      del.names().forEach(values::remove);
      return EngineReply.done(engineId);
    }
    values.clear();
    return EngineReply.done(engineId);
  }

  void clear() {
    values.clear();
  }

  private static EngineReply keyError(int engineId, String name) {
    return EngineReply.failed(engineId, Failure.python(new RemoteError("KeyError", name,
        "KeyError: '" + name + "'\n")));
  }
}
