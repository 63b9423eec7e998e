package org.jipython.actors.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/**
 * Scatter, gather and map for {@link MultiEngineClient}, built on its push, pull and execute as
 * the Python client's are: the block distribution ({@code 'b'}, the only one the original had)
 * and the same names on the engines, so a Java map and a Python map leave the same traces.
 */
final class MultiEngineScatter {
  static final String MAP_FUNCTION = "_ipython_map_func";
  static final String MAP_ITEMS = "_ipython_map_seq";
  static final String MAP_RESULTS = "_ipython_map_seq_result";

  /** What each engine runs, as the Python client's raw_map: an empty piece maps to []. */
  private static final String MAP_SOURCE =
      MAP_RESULTS + " = map(%s, *zip(*" + MAP_ITEMS + ")) if " + MAP_ITEMS + " else []";

  private static final Pattern FUNCTION_NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  private final MultiEngineClient client;

  MultiEngineScatter(MultiEngineClient client) {
    this.client = client;
  }

  CompletionStage<Void> scatter(String key, List<?> items, Targets targets, boolean flatten) {
    var copy = new ArrayList<Object>(items);
    return engines(targets).thenCompose(ids -> scatterTo(key, copy, ids, flatten));
  }

  CompletionStage<List<Object>> gather(String key, Targets targets) {
    return client.succeeded("gather", new EngineOp.Pull(List.of(key)), targets)
        .thenApply(replies -> joined(replies.stream()
            .map(reply -> Pickles.load(reply.values().get(0))).toList()));
  }

  CompletionStage<List<Object>> map(String function, List<?> items, Targets targets) {
    var source = function.strip();
    boolean named = FUNCTION_NAME.matcher(source).matches();
    var callee = named ? source : MAP_FUNCTION;
    var argumentTuples = new ArrayList<Object>(items.size());
    for (var item : items) {
      argumentTuples.add(new Object[] {item});
    }
    return engines(targets).thenCompose(ids -> {
      var on = Targets.of(ids);
      CompletionStage<?> defined = named ? CompletableFuture.completedFuture(null)
          : client.succeeded("execute", new EngineOp.Execute(MAP_FUNCTION + " = " + source), on);
      return defined
          .thenCompose(ignored -> scatterTo(MAP_ITEMS, argumentTuples, ids, false))
          .thenCompose(ignored -> client.succeeded("execute",
              new EngineOp.Execute(String.format(MAP_SOURCE, callee)), on))
          .thenCompose(ignored -> gather(MAP_RESULTS, on));
    });
  }

  /** Per-engine lists of values turned into per-name lists across the engines. */
  static List<List<Object>> transposed(List<List<Object>> perEngine) {
    var perName = new ArrayList<List<Object>>();
    for (var values : perEngine) {
      for (int name = 0; name < values.size(); name++) {
        if (perName.size() <= name) {
          perName.add(new ArrayList<>());
        }
        perName.get(name).add(values.get(name));
      }
    }
    return perName;
  }

  /**
   * Piece {@code p} of {@code q}: with {@code b = size / q} and {@code r = size % q}, the first
   * {@code r} pieces get {@code b + 1} items, the others {@code b}.
   */
  static List<Object> partition(List<Object> items, int p, int q) {
    int b = items.size() / q;
    int r = items.size() % q;
    int lo = p < r ? p * (b + 1) : p * b + r;
    int hi = lo + (p < r ? b + 1 : b);
    return new ArrayList<>(items.subList(lo, hi));
  }

  /**
   * Gathered pieces joined as the original did: the first piece decides. Lists and tuples
   * ({@code Object[]}) are flattened one level; anything else gives the list of the pieces.
   */
  static List<Object> joined(List<Object> pieces) {
    var all = new ArrayList<Object>();
    if (pieces.isEmpty()) {
      return all;
    }
    var first = pieces.get(0);
    if (!(first instanceof List) && !(first instanceof Object[])) {
      all.addAll(pieces);
      return all;
    }
    for (var piece : pieces) {
      if (piece instanceof List<?> list) {
        all.addAll(list);
      } else if (piece instanceof Object[] tuple) {
        all.addAll(Arrays.asList(tuple));
      } else {
        // Python would iterate it, or fail; a lone value in a list of lists is kept as it is
        all.add(piece);
      }
    }
    return all;
  }

  /** Every piece is pickled, then all are sent, then all are waited for. */
  private CompletionStage<Void> scatterTo(String key, List<Object> items, List<Integer> ids,
      boolean flatten) {
    var pushes = new ArrayList<EngineOp.Push>();
    for (int p = 0; p < ids.size(); p++) {
      Object piece = partition(items, p, ids.size());
      if (flatten && ((List<?>) piece).size() == 1) {
        piece = ((List<?>) piece).get(0);
      }
      var pickles = new LinkedHashMap<String, byte[]>();
      pickles.put(key, Pickles.dump(piece, "piece " + p + " of " + key));
      pushes.add(new EngineOp.Push(pickles));
    }
    var sent = new ArrayList<CompletableFuture<List<EngineReply>>>();
    for (int p = 0; p < ids.size(); p++) {
      sent.add(client.submit(pushes.get(p), Targets.of(ids.get(p))).toCompletableFuture());
    }
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(all -> {
      var replies = new ArrayList<EngineReply>();
      sent.forEach(push -> replies.addAll(push.join()));
      MultiEngineClient.successes("scatter", replies);
      return null;
    });
  }

  /** The target ids resolved here, as the Python client's scatter does; all or nothing. */
  private CompletionStage<List<Integer>> engines(Targets targets) {
    return client.getIds().thenApply(ids -> {
      if (targets.isAll()) {
        if (ids.isEmpty()) {
          throw new JipythonException(FailureKind.NO_ENGINES, "There are no engines "
              + "registered. Start some with scripts/ipengine or scripts/ipcluster");
        }
        return ids;
      }
      for (var id : targets.ids()) {
        if (!ids.contains(id)) {
          throw new JipythonException(FailureKind.INVALID_ENGINE_ID,
              "Engine with id " + id + " is not registered");
        }
      }
      return targets.ids();
    });
  }
}
