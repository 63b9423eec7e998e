package org.jipython.actors.client;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.jipython.actors.controller.TaskAdapter;
import org.jipython.actors.controller.TaskOutcome;
import org.jipython.actors.controller.TaskSpec;
import org.jipython.actors.internal.Systems;
import org.jipython.runtime.error.JipythonException;
import org.jipython.runtime.security.FurlFile;
import org.jipython.runtime.security.SecurityFolder;

/**
 * The Task interface for Java programs: load-balanced tasks on whichever engine is free, with
 * retries and recovery tasks, as the original's {@code TaskClient}. Every call returns at once
 * with a {@link CompletionStage}.
 *
 * <p>A refused request (an unknown task id, aborting a finished task, a wrong capability)
 * completes exceptionally with a {@link TaskException} or a {@link JipythonException}; a task
 * whose Python code raised is a {@link TaskResult} with a failure, as in the original.
 *
 * <pre>{@code
 * try (var tc = TaskClient.connect()) {       // $IPYTHONDIR/security/ipcontroller-tc.furl
 *   long id = tc.run(new StringTask("b = a * 2").push(Map.of("a", 21)).pull("b"))
 *       .toCompletableFuture().join();
 *   Object b = tc.getTaskResult(id, true).toCompletableFuture().join().get("b");   // 42
 * }
 * }</pre>
 */
public final class TaskClient implements AutoCloseable {
  /** The engine-side names a map task uses, as the original's MapTask. */
  static final String ARGS = "_ipython_task_args";

  static final String RESULT = "_ipython_task_result";

  private static final Pattern FUNCTION_NAME =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");

  private final AdapterConnection<TaskAdapter.Command, TaskAdapter.Reply> connection;

  private TaskClient(AdapterConnection<TaskAdapter.Command, TaskAdapter.Reply> connection) {
    this.connection = connection;
  }

  /** Connects with {@code $IPYTHONDIR/security/ipcontroller-tc.furl}. */
  public static TaskClient connect() {
    return connect(AdapterConnection.defaultFurl(SecurityFolder::taskFurl));
  }

  /** Connects with the given furl file. */
  public static TaskClient connect(Path furlFile) {
    return connect(Systems.load(), AdapterConnection.read(furlFile));
  }

  /** Connects with a furl already read, and the given configuration. */
  public static TaskClient connect(Config config, FurlFile furl) {
    return new TaskClient(AdapterConnection.connect(config, furl, "task", "a TaskClient",
        "ipcontroller-tc.furl", TaskAdapter.Reply::requestId));
  }

  /** Submits a task; completes with its id (0, 1, 2, ... per controller). */
  public CompletionStage<Long> run(StringTask task) {
    return submit(task.toSpec());
  }

  /** Submits a task as it travels (the Python client builds these); completes with its id. */
  public CompletionStage<Long> submit(TaskSpec task) {
    return ask((capability, id, replyTo) ->
        new TaskAdapter.Submit(capability, id, task, false, replyTo))
        .thenApply(TaskAdapter.Reply::taskId);
  }

  /**
   * Submits a task and completes with how it finished (its id is {@link TaskOutcome#taskId()}),
   * in one round trip; values still pickled, as {@link #outcome}.
   */
  public CompletionStage<TaskOutcome> submitAndAwait(TaskSpec task) {
    return ask((capability, id, replyTo) ->
        new TaskAdapter.Submit(capability, id, task, true, replyTo))
        .thenApply(TaskAdapter.Reply::outcome);
  }

  /**
   * The result of a StringTask. Completes with null when {@code block} is false and the task has
   * not finished; with {@code block} it waits (without a time limit) until the task finishes.
   * An aborted or timed-out task completes exceptionally with a {@link TaskException}.
   */
  public CompletionStage<TaskResult> getTaskResult(long taskId, boolean block) {
    return outcome(taskId, block).thenApply(outcome -> {
      if (outcome == null) {
        return null;
      }
      if (outcome.abortedOrTimedOut()) {
        throw new TaskException(outcome.failure());
      }
      var results = new LinkedHashMap<String, Object>();
      if (outcome.ok()) {
        for (int i = 0; i < outcome.names().size(); i++) {
          results.put(outcome.names().get(i), Pickles.load(outcome.values().get(i)));
        }
      }
      return new TaskResult(taskId, outcome.engineId(), results, outcome.failure(),
          Instant.ofEpochMilli(outcome.startedMillis()),
          Instant.ofEpochMilli(outcome.completedMillis()));
    });
  }

  /**
   * How a task finished, values still pickled (the Python client unpickles them itself); null
   * when {@code block} is false and the task has not finished.
   */
  public CompletionStage<TaskOutcome> outcome(long taskId, boolean block) {
    return ask((capability, id, replyTo) ->
        new TaskAdapter.GetResult(capability, id, taskId, block, replyTo))
        .thenApply(TaskAdapter.Reply::outcome);
  }

  /**
   * Aborts a task: a queued one finishes at once, a running one has its result replaced by
   * {@code TaskAborted} when it completes. Completes exceptionally for a finished task, a task
   * already aborted, or an unknown id.
   */
  public CompletionStage<Void> abort(long taskId) {
    return ask((capability, id, replyTo) -> new TaskAdapter.Abort(capability, id, taskId,
        replyTo)).thenApply(reply -> null);
  }

  /** Completes once every listed task has finished; unknown ids are ignored. */
  public CompletionStage<Void> barrier(Collection<? extends Number> taskIds) {
    var ids = longs(taskIds);
    return ask((capability, id, replyTo) -> new TaskAdapter.Barrier(capability, id, ids,
        replyTo)).thenApply(reply -> null);
  }

  /** Kicks the scheduler: dependencies are evaluated afresh and waiting tasks placed. */
  public CompletionStage<Void> spin() {
    return ask((capability, id, replyTo) -> new TaskAdapter.Spin(capability, id, replyTo))
        .thenApply(reply -> null);
  }

  /**
   * How many tasks wait ({@code scheduled}), run ({@code pending}), succeeded and failed; with
   * {@code verbose}, also their ids. Only StringTask results count as succeeded or failed.
   */
  public CompletionStage<TaskAdapter.QueueStatus> queueStatus(boolean verbose) {
    return ask((capability, id, replyTo) ->
        new TaskAdapter.GetQueueStatus(capability, id, verbose, replyTo))
        .thenApply(TaskAdapter.Reply::status);
  }

  /** Drops the results of every finished task; completes with how many were dropped. */
  public CompletionStage<Integer> clear() {
    return clearIds(null);
  }

  /**
   * Drops the results of these finished tasks; completes with how many were dropped, or
   * exceptionally (the others still dropped) when some id is not a finished task.
   */
  public CompletionStage<Integer> clear(Collection<? extends Number> taskIds) {
    return clearIds(longs(taskIds));
  }

  /**
   * Calls the Python function {@code function} (a name bound on every engine, such as one
   * defined with a MultiEngine {@code execute}, or {@code module.name} of an imported module)
   * once per item, one load-balanced task per item, and completes with the results in item
   * order. If any call raised, completes exceptionally with the first failure in item order.
   */
  public CompletionStage<List<Object>> map(String function, List<?> items) {
    if (!FUNCTION_NAME.matcher(function).matches()) {
      throw new IllegalArgumentException("not a Python function name: " + function);
    }
    var expression = RESULT + " = " + function + "(*" + ARGS + ")";
    var submitted = new ArrayList<CompletableFuture<Long>>();
    for (var item : items) {
      var args = Pickles.dump(List.of(item), "the item " + item);
      var spec = TaskSpec.of(expression, Map.of(ARGS, args), List.of(RESULT))
          .withKind(TaskSpec.Kind.MAP);
      submitted.add(submit(spec).toCompletableFuture());
    }
    var outcomes = new ArrayList<CompletableFuture<TaskOutcome>>();
    for (var id : submitted) {
      outcomes.add(id.thenCompose(taskId -> outcome(taskId, true)).toCompletableFuture());
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(done -> {
          var results = new ArrayList<Object>(outcomes.size());
          for (var future : outcomes) {
            var outcome = future.join();
            if (!outcome.ok()) {
              throw new TaskException(outcome.failure());
            }
            results.add(Pickles.load(outcome.values().get(0)));
          }
          return results;
        });
  }

  /** Disconnects. Calls still waiting complete exceptionally. */
  @Override
  public void close() {
    connection.close();
  }

  private CompletionStage<Integer> clearIds(List<Long> ids) {
    return ask((capability, id, replyTo) -> new TaskAdapter.Clear(capability, id, ids, replyTo))
        .thenApply(TaskAdapter.Reply::cleared);
  }

  /** Sends a request; a refused one completes exceptionally with a {@link TaskException}. */
  private CompletableFuture<TaskAdapter.Reply> ask(
      AdapterConnection.RequestFactory<TaskAdapter.Command, TaskAdapter.Reply> factory) {
    return connection.ask(factory).thenApply(reply -> {
      if (reply.refusal() != null) {
        throw new TaskException(reply.refusal());
      }
      return reply;
    });
  }

  /** Task ids as longs, whatever numbers they came as (Jython passes its longs as BigInteger). */
  private static List<Long> longs(Collection<? extends Number> taskIds) {
    var ids = new ArrayList<Long>(taskIds.size());
    for (Object id : taskIds) {
      ids.add(((Number) id).longValue());
    }
    return ids;
  }
}
