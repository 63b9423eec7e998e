package org.jipython.actors.client;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.internal.Systems;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.SecurityFolder;

/**
 * The MultiEngine interface for Java programs: run code on chosen engines, move values in and
 * out of their namespaces, scatter, gather and map, manage queues and properties; the
 * operations of the original's {@code MultiEngineClient}, with Java types. Every call returns
 * at once with a {@link CompletionStage}.
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
  /** How long {@link #killController()} lets the engines' kills finish, as the original. */
  public static final Duration KILL_CONTROLLER_DELAY = Duration.ofSeconds(2);

  private final ClientNode node;
  private final MultiEngineScatter scatter = new MultiEngineScatter(this);

  private MultiEngineClient(ClientNode node) {
    this.node = node;
  }

  /** Connects with {@code $IPYTHONDIR/security/ipcontroller-mec.furl}. */
  public static MultiEngineClient connect() {
    return connect(AdapterConnection.defaultFurl(SecurityFolder::multiEngineFurl));
  }

  /** Connects with the given furl file. */
  public static MultiEngineClient connect(Path furlFile) {
    return connect(Systems.load(), AdapterConnection.read(furlFile));
  }

  /** Connects with a furl already read, and the given configuration. */
  public static MultiEngineClient connect(Config config, FurlFile furl) {
    return new MultiEngineClient(ClientNode.connect(config, furl));
  }

  /** The ids of the engines registered now, ascending. */
  public CompletionStage<List<Integer>> getIds() {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.GetIds(capability, id, replyTo))
        .thenApply(reply -> refuseIfRefused(reply).ids());
  }

  /**
   * Runs {@code op} on the targets and returns each engine's reply in target order, failed ones
   * included; completes exceptionally only when the request was refused as a whole.
   */
  public CompletionStage<List<EngineReply>> submit(EngineOp op, Targets targets) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Request(capability, id, targets.ids(), op, false, replyTo))
        .thenApply(reply -> refuseIfRefused(reply).results());
  }

  /**
   * Starts {@code op} on the targets without waiting: completes at once with the id of a
   * pending result that the controller keeps until it is collected with
   * {@link #getPendingResult} (by this or any other client) or dropped by {@link #flush}.
   */
  public CompletionStage<String> submitPending(EngineOp op, Targets targets) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Request(capability, id, targets.ids(), op, true, replyTo))
        .thenApply(reply -> refuseIfRefused(reply).pendingId());
  }

  /**
   * Collects a pending result: each engine's reply in target order. Without {@code block}, a
   * result that is not ready fails with kind {@code RESULT_NOT_COMPLETED}. Collecting deletes
   * it on the controller.
   */
  public CompletionStage<List<EngineReply>> getPendingResult(String pendingId, boolean block) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.GetPending(capability, id, pendingId, block, replyTo))
        .thenApply(reply -> refuseIfRefused(reply).results());
  }

  /** Drops every pending result on the controller, other clients' too. */
  public CompletionStage<Void> flush() {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.Flush(capability, id, replyTo))
        .thenApply(reply -> nothing(refuseIfRefused(reply)));
  }

  /** Kills every engine, then stops the controller after {@code delay}. */
  public CompletionStage<Void> stopController(Duration delay) {
    return node.ask((capability, id, replyTo) ->
            new MultiEngineAdapter.StopController(capability, id, delay.toMillis(), replyTo))
        .thenApply(reply -> nothing(refuseIfRefused(reply)));
  }

  /** Runs Python source on the targets. */
  public CompletionStage<List<ExecuteResult>> execute(String source, Targets targets) {
    return succeeded("execute", new EngineOp.Execute(source), targets)
        .thenApply(replies -> replies.stream().map(EngineReply::execute).toList());
  }

  /**
   * Runs a local file's Python source on the targets. Unlike the Python client's {@code run},
   * the source is not compiled here first: a syntax error comes back from every engine.
   */
  public CompletionStage<List<ExecuteResult>> run(Path file, Targets targets) {
    String source;
    try {
      source = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException(e));
    }
    return execute(source, targets);
  }

  /** Binds each name to its value (pickled here) in the targets' namespaces. */
  public CompletionStage<Void> push(Map<String, ?> values, Targets targets) {
    return done("push", new EngineOp.Push(Pickles.dumpAll(values)), targets);
  }

  /** The value of {@code name} on each target, in target order. */
  public CompletionStage<List<Object>> pull(String name, Targets targets) {
    return pullSerialized(name, targets)
        .thenApply(pickles -> pickles.stream().map(Pickles::load).toList());
  }

  /** The values of {@code names} on each target: one list per engine, in key order. */
  public CompletionStage<List<List<Object>>> pull(List<String> names, Targets targets) {
    return succeeded("pull", new EngineOp.Pull(List.copyOf(names)), targets)
        .thenApply(replies -> replies.stream()
            .map(reply -> reply.values().stream().map(Pickles::load).toList()).toList());
  }

  /**
   * Binds each name to a value given as its Python pickle (protocol 2 or lower), sent as it is:
   * the original's {@code push_serialized}. {@link #pullSerialized} gives such pickles.
   */
  public CompletionStage<Void> pushSerialized(Map<String, byte[]> pickles, Targets targets) {
    return done("push_serialized", new EngineOp.Push(new LinkedHashMap<>(pickles)), targets);
  }

  /** The pickle of {@code name} on each target, not unpickled: {@code pull_serialized}. */
  public CompletionStage<List<byte[]>> pullSerialized(String name, Targets targets) {
    return succeeded("pull", new EngineOp.Pull(List.of(name)), targets)
        .thenApply(replies -> replies.stream().map(reply -> reply.values().get(0)).toList());
  }

  /**
   * {@link #pull(List, Targets)} transposed: one list per name, holding that name's value on
   * each target in target order ({@code zip_pull} with several targets and names).
   */
  public CompletionStage<List<List<Object>>> zipPull(List<String> names, Targets targets) {
    return pull(names, targets).thenApply(MultiEngineScatter::transposed);
  }

  /** The names in each target's namespace, in target order. */
  public CompletionStage<List<List<String>>> keys(Targets targets) {
    return succeeded("keys", new EngineOp.Keys(), targets)
        .thenApply(replies -> replies.stream().map(EngineReply::names).toList());
  }

  /** The result of execute number {@code number} (null: the latest) on each target. */
  public CompletionStage<List<ExecuteResult>> getResult(Integer number, Targets targets) {
    return succeeded("get_result", new EngineOp.GetResult(number), targets)
        .thenApply(replies -> replies.stream().map(EngineReply::execute).toList());
  }

  /**
   * Gives each target a fresh namespace: waiting commands fail with {@code QueueCleared},
   * properties and results history go, and the execution count starts again at 1.
   */
  public CompletionStage<Void> reset(Targets targets) {
    return done("reset", new EngineOp.Reset(), targets);
  }

  /** Stops the targets' engine processes; the controller unregisters them. */
  public CompletionStage<Void> kill(Targets targets) {
    return done("kill", new EngineOp.Kill(), targets);
  }

  /**
   * Kills every engine, then stops the controller {@link #KILL_CONTROLLER_DELAY} later:
   * {@code kill(controller=True)}.
   */
  public CompletionStage<Void> killController() {
    return stopController(KILL_CONTROLLER_DELAY);
  }

  /** Fails every command waiting on the targets with {@code QueueCleared}; the running go on. */
  public CompletionStage<Void> clearQueue(Targets targets) {
    return done("clear_queue", new EngineOp.ClearQueue(), targets);
  }

  /** The running and waiting commands of each target, in target order. */
  public CompletionStage<List<QueueStatus>> queueStatus(Targets targets) {
    return succeeded("queue_status", new EngineOp.QueueStatus(), targets)
        .thenApply(replies -> replies.stream().map(reply -> new QueueStatus(reply.engineId(),
            reply.queue().pending(), reply.queue().waiting())).toList());
  }

  /** Sets engine properties (values pickled here) on each target. */
  public CompletionStage<Void> setProperties(Map<String, ?> properties, Targets targets) {
    return done("set_properties", new EngineOp.SetProperties(Pickles.dumpAll(properties)),
        targets);
  }

  /**
   * The properties named (all of them when {@code names} is null) of each target, in target
   * order; a missing name fails that engine with {@code KeyError}.
   */
  public CompletionStage<List<Map<String, Object>>> getProperties(List<String> names,
      Targets targets) {
    var op = new EngineOp.GetProperties(names == null ? null : List.copyOf(names));
    return succeeded("get_properties", op, targets).thenApply(replies -> {
      var all = new ArrayList<Map<String, Object>>();
      for (var reply : replies) {
        var properties = new LinkedHashMap<String, Object>();
        for (int i = 0; i < reply.names().size(); i++) {
          properties.put(reply.names().get(i), Pickles.load(reply.values().get(i)));
        }
        all.add(properties);
      }
      return all;
    });
  }

  /** For each target, whether it has each named property, in name order. */
  public CompletionStage<List<List<Boolean>>> hasProperties(List<String> names,
      Targets targets) {
    var wanted = List.copyOf(names);
    return succeeded("has_properties", new EngineOp.HasProperties(wanted), targets)
        .thenApply(replies -> replies.stream().map(reply -> wanted.stream()
            .map(name -> reply.names().contains(name)).toList()).toList());
  }

  /** Deletes the named properties of each target. */
  public CompletionStage<Void> delProperties(List<String> names, Targets targets) {
    return done("del_properties", new EngineOp.DelProperties(List.copyOf(names)), targets);
  }

  /** Deletes every property of each target. */
  public CompletionStage<Void> clearProperties(Targets targets) {
    return done("clear_properties", new EngineOp.ClearProperties(), targets);
  }

  /**
   * Cuts {@code items} into one contiguous piece per target (the first {@code size % n} get
   * one more, the block distribution {@code 'b'}) and binds each piece to {@code key} on its
   * engine. With {@code flatten}, a piece of exactly one item is bound as the item itself.
   * Every piece is sent before any is waited for.
   */
  public CompletionStage<Void> scatter(String key, List<?> items, Targets targets,
      boolean flatten) {
    return scatter.scatter(key, items, targets, flatten);
  }

  /**
   * Pulls {@code key} from each target, in target order, and joins the pieces: lists and
   * tuples are flattened one level into one list; other values give the list of the pieces.
   */
  public CompletionStage<List<Object>> gather(String key, Targets targets) {
    return scatter.gather(key, targets);
  }

  /** {@link #map(String, List, Targets)} on every engine. */
  public CompletionStage<List<Object>> map(String function, List<?> items) {
    return map(function, items, Targets.all());
  }

  /**
   * A parallel Python {@code map(function, items)}: the items are scattered, each target maps
   * its piece, and the results come back in item order. {@code function} is the name of a
   * callable on the engines ({@code "f"}, {@code "math.sqrt"}) or a Python expression giving
   * one ({@code "lambda x: x * 2"}), bound there as {@code _ipython_map_func}.
   */
  public CompletionStage<List<Object>> map(String function, List<?> items, Targets targets) {
    return scatter.map(function, items, targets);
  }

  /** Disconnects. Calls still waiting complete exceptionally. */
  @Override
  public void close() {
    node.close();
  }

  /** Runs {@code op}; completes with the replies, or a CompositeException if any failed. */
  CompletionStage<List<EngineReply>> succeeded(String method, EngineOp op, Targets targets) {
    return submit(op, targets).thenApply(replies -> successes(method, replies));
  }

  private CompletionStage<Void> done(String method, EngineOp op, Targets targets) {
    return succeeded(method, op, targets).thenApply(MultiEngineClient::nothing);
  }

  private static Void nothing(Object ignored) {
    return null;
  }

  /** The replies, unless some failed: then a CompositeException for {@code method}. */
  static List<EngineReply> successes(String method, List<EngineReply> replies) {
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

  private static MultiEngineAdapter.Reply refuseIfRefused(MultiEngineAdapter.Reply reply) {
    if (reply.refusal() != null) {
      throw reply.refusal().toException();
    }
    return reply;
  }
}
