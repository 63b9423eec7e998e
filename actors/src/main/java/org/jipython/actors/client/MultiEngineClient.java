package org.jipython.actors.client;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.Pickler;
import net.razorvine.pickle.Unpickler;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.internal.Systems;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.SecurityFolder;

/**
 * The MultiEngine interface for Java programs: run code on chosen engines, move values in and
 * out of their namespaces. Every call returns at once with a {@link CompletionStage}.
 *
 * <p>Values travel as Python pickles: numbers, strings, byte arrays, lists, maps and arrays
 * convert to Python values and back. A call that fails on some engines completes exceptionally
 * with a {@link CompositeException}; a call refused as a whole (unknown engine id, no engines,
 * wrong capability) with a {@link JipythonException} whose kind says why.
 *
 * <pre>{@code
 * try (var mec = MultiEngineClient.connect()) {
 *   mec.execute("a = 6 * 7", Targets.all()).toCompletableFuture().join();
 *   List<Object> a = mec.pull("a", Targets.all()).toCompletableFuture().join();
 * }
 * }</pre>
 */
public final class MultiEngineClient implements AutoCloseable {
  private final ClientNode node;

  private MultiEngineClient(ClientNode node) {
    this.node = node;
  }

  /** Connects with {@code $IPYTHONDIR/security/ipcontroller-mec.furl}. */
  public static MultiEngineClient connect() {
    try {
      return connect(SecurityFolder.open(SecurityFolder.ipythonDir()).multiEngineFurl());
    } catch (IOException e) {
      throw new JipythonException(FailureKind.CONNECTION,
          "cannot open the security folder: " + e.getMessage(), e);
    }
  }

  /** Connects with the given furl file. */
  public static MultiEngineClient connect(Path furlFile) {
    try {
      return connect(Systems.load(), FurlFile.read(furlFile));
    } catch (IOException e) {
      throw new JipythonException(FailureKind.CONNECTION,
          "cannot read the furl file " + furlFile + ": " + e.getMessage(), e);
    }
  }

  /** Connects with a furl already read, and the given configuration. */
  public static MultiEngineClient connect(Config config, FurlFile furl) {
    if (!"multiengine".equals(furl.furl().interfaceName())) {
      throw new JipythonException(FailureKind.REFUSED, "this furl is for the "
          + furl.furl().interfaceName() + " interface; a MultiEngineClient needs "
          + "ipcontroller-mec.furl");
    }
    return new MultiEngineClient(ClientNode.connect(config, furl));
  }

  /** The ids of the engines registered now, ascending. */
  public CompletionStage<List<Integer>> getIds() {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.GetIds(capability, id, replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return reply.ids();
        });
  }

  /**
   * Runs {@code op} on the targets and returns each engine's reply in target order, failed ones
   * included; completes exceptionally only when the request was refused as a whole.
   */
  public CompletionStage<List<EngineReply>> submit(EngineOp op, Targets targets) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Request(capability, id, targets.ids(), op, false, replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return reply.results();
        });
  }

  /**
   * Starts {@code op} on the targets without waiting: completes at once with the id of a
   * pending result that the controller keeps until it is collected with
   * {@link #getPendingResult} (by this or any other client) or dropped by {@link #flush}.
   */
  public CompletionStage<String> submitPending(EngineOp op, Targets targets) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Request(capability, id, targets.ids(), op, true, replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return reply.pendingId();
        });
  }

  /**
   * Collects a pending result: each engine's reply in target order. Without {@code block}, a
   * result that is not ready fails with kind {@code RESULT_NOT_COMPLETED}. Collecting deletes
   * it on the controller.
   */
  public CompletionStage<List<EngineReply>> getPendingResult(String pendingId, boolean block) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.GetPending(capability, id, pendingId, block, replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return reply.results();
        });
  }

  /** Drops every pending result on the controller, other clients' too. */
  public CompletionStage<Void> flush() {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Flush(capability, id, replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return null;
        });
  }

  /** Kills every engine, then stops the controller after {@code delay}. */
  public CompletionStage<Void> stopController(java.time.Duration delay) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.StopController(capability, id, delay.toMillis(), replyTo))
        .thenApply(reply -> {
          refuseIfRefused(reply);
          return null;
        });
  }

  /** Runs Python source on the targets. */
  public CompletionStage<List<ExecuteResult>> execute(String source, Targets targets) {
    return submit(new EngineOp.Execute(source), targets)
        .thenApply(replies -> successes("execute", replies).stream()
            .map(EngineReply::execute).toList());
  }

  /** Binds each name to its value (pickled here) in the targets' namespaces. */
  public CompletionStage<Void> push(Map<String, ?> values, Targets targets) {
    var pickles = new LinkedHashMap<String, byte[]>();
    var pickler = new Pickler(false);
    values.forEach((name, value) -> {
      try {
        pickles.put(name, pickler.dumps(value));
      } catch (PickleException | IOException e) {
        throw new JipythonException(FailureKind.PROTOCOL,
            "cannot pickle the value of " + name + ": " + e.getMessage(), e);
      }
    });
    return submit(new EngineOp.Push(pickles), targets)
        .thenApply(replies -> {
          successes("push", replies);
          return null;
        });
  }

  /** The value of {@code name} on each target, in target order. */
  public CompletionStage<List<Object>> pull(String name, Targets targets) {
    return submit(new EngineOp.Pull(List.of(name)), targets)
        .thenApply(replies -> {
          var values = new ArrayList<Object>();
          for (var reply : successes("pull", replies)) {
            values.add(unpickle(reply.values().get(0)));
          }
          return values;
        });
  }

  /** The names in each target's namespace, in target order. */
  public CompletionStage<List<List<String>>> keys(Targets targets) {
    return submit(new EngineOp.Keys(), targets)
        .thenApply(replies -> successes("keys", replies).stream()
            .map(EngineReply::names).toList());
  }

  /** Disconnects. Calls still waiting complete exceptionally. */
  @Override
  public void close() {
    node.close();
  }

  private static Object unpickle(byte[] pickle) {
    try {
      return new Unpickler().loads(pickle);
    } catch (PickleException | IOException e) {
      throw new JipythonException(FailureKind.PROTOCOL,
          "cannot unpickle a value in Java: " + e.getMessage(), e);
    }
  }

  private static List<EngineReply> successes(String method, List<EngineReply> replies) {
    var failures = new ArrayList<CompositeException.EngineFailure>();
    for (var reply : replies) {
      if (!reply.ok()) {
        failures.add(new CompositeException.EngineFailure(reply.engineId(), reply.failure()));
      }
    }
    if (!failures.isEmpty()) {
      throw new CompositeException(method, failures);
    }
    return replies;
  }

  private static void refuseIfRefused(MultiEngineAdapter.Reply reply) {
    if (reply.refusal() != null) {
      throw reply.refusal().toException();
    }
  }

}
