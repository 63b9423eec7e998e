package org.jipython.actors.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.jipython.actors.controller.TaskScheduler.Verdict;
import org.jipython.actors.internal.Reassembly;
import org.jipython.actors.internal.Wire;
import org.jipython.actors.protocol.Answerable;
import org.jipython.actors.protocol.Chunk;
import org.jipython.runtime.error.JipythonException;
import org.jipython.actors.protocol.Failure;
import org.jipython.actors.protocol.WireMessage;
import org.jipython.runtime.engine.RemoteError;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.security.CapabilityToken;

/**
 * The Task interface: load-balanced tasks over the same engines the MultiEngine interface drives.
 *
 * <p>It lives in the controller's client-facing actor system, checks the Task capability on every
 * request, numbers tasks from 0, and runs the original's FIFO policy ({@link TaskScheduler}): the
 * oldest runnable task goes to the engine idle longest, one task per engine at a time, through
 * the engine's queue, so MultiEngine commands share it. A failed task goes to the back of the
 * queue while it has retries, then its recovery task runs under the same id; the engine that
 * failed is held out for {@link TaskSettings#failurePenalty}. When tasks wait, every engine is
 * idle and none satisfies any task's dependencies for {@link TaskSettings#dependencyTimeout},
 * the waiting tasks fail with {@code TaskTimeout}. Finished results are kept until
 * {@code clear}.
 */
public final class TaskAdapter extends AbstractBehavior<TaskAdapter.Command> {

  /** Messages of the Task adapter. */
  public interface Command {}

  /** A client request: each carries the Task capability and an id the reply echoes. */
  public sealed interface Request extends Command, WireMessage, Answerable {
    String capability();

    long requestId();

    ActorRef<Reply> replyTo();
  }

  /**
   * Queue a task; the reply carries its id at once, or with {@code block} its id and outcome
   * once it finishes (one round trip for {@code run(task, block=True)}).
   */
  public record Submit(String capability, long requestId, TaskSpec task, boolean block,
      ActorRef<Reply> replyTo) implements Request {}

  /**
   * The outcome of a task. An unfinished task answers with no outcome at once, or, with
   * {@code block}, once it finishes.
   */
  public record GetResult(String capability, long requestId, long taskId, boolean block,
      ActorRef<Reply> replyTo) implements Request {}

  /** Abort a queued task (it finishes at once) or a running one (its result is thrown away). */
  public record Abort(String capability, long requestId, long taskId, ActorRef<Reply> replyTo)
      implements Request {}

  /** Answer once every listed task has finished; unknown ids are ignored. */
  public record Barrier(String capability, long requestId, List<Long> taskIds,
      ActorRef<Reply> replyTo) implements Request {}

  /** Schedule again, with every dependency evaluated afresh. */
  public record Spin(String capability, long requestId, ActorRef<Reply> replyTo)
      implements Request {}

  /** Counts (and with {@code verbose}, ids) of waiting, running, succeeded and failed tasks. */
  public record GetQueueStatus(String capability, long requestId, boolean verbose,
      ActorRef<Reply> replyTo) implements Request {}

  /** Drop the results of finished tasks: these ids, or all when {@code taskIds} is null. */
  public record Clear(String capability, long requestId, List<Long> taskIds,
      ActorRef<Reply> replyTo) implements Request {}

  /**
   * The answer to a request. {@code refusal} says why a request was refused; {@link Clear} may
   * carry both a count and a refusal naming the ids it did not find.
   */
  public record Reply(long requestId, Long taskId, TaskOutcome outcome, QueueStatus status,
      Integer cleared, Failure refusal) implements WireMessage {

    static Reply ok(long requestId) {
      return new Reply(requestId, null, null, null, null, null);
    }

    static Reply refused(long requestId, Failure refusal) {
      return new Reply(requestId, null, null, null, null, refusal);
    }
  }

  /**
   * Task counts as queue_status shows them; the id lists are null unless asked for. Only
   * StringTask results count as succeeded or failed (quirk 12 of the original).
   */
  public record QueueStatus(int scheduled, int pending, int succeeded, int failed,
      List<Long> scheduledIds, List<Long> pendingIds, List<Long> succeededIds,
      List<Long> failedIds) implements WireMessage {}

  /** The most ids one verbose queue_status reply may carry: a message must stay small. */
  static final int MAX_VERBOSE_IDS = 20_000;

  private record Engines(SortedMap<Integer, ActorRef<EngineQueue.Command>> queues)
      implements Command {}

  private record StepDone(EngineQueue.Done done) implements Command {}

  private record PenaltyOver(int engineId) implements Command {}

  private enum StarvationTimeout implements Command {
    INSTANCE
  }

  private enum RefreshProperties implements Command {
    INSTANCE
  }

  private final CapabilityToken token;
  private final TaskSettings settings;
  private final TimerScheduler<Command> timers;
  private final TaskScheduler scheduler = new TaskScheduler();
  private final TaskBook book = new TaskBook();
  private final TaskEngines engines;
  private boolean refreshing;

  /** The adapter with the settings of the system's configuration ({@link TaskSettings}). */
  public static Behavior<Command> create(
      ActorRef<Controller.Command> controller, CapabilityToken token) {
    return create(controller, token, null);
  }

  /** The adapter with these settings (null: from the system's configuration). */
  public static Behavior<Command> create(
      ActorRef<Controller.Command> controller, CapabilityToken token, TaskSettings settings) {
    // a bug must not lose every task's result: log it and go on with the next message
    return KnownMessagesOnly.of(Command.class, "Task", Behaviors.supervise(
            Behaviors.<Command>setup(ctx -> Behaviors.withTimers(
            timers -> new TaskAdapter(ctx, timers, controller, token, settings != null
                ? settings : TaskSettings.fromConfig(ctx.getSystem().settings().config())))))
        .onFailure(RuntimeException.class, SupervisorStrategy.resume()));
  }

  private final Wire wire;
  private final Reassembly reassembly;

  /** A task's result may hold large pulled values: it travels in chunks when it must. */
  private void send(ActorRef<Reply> replyTo, Reply reply) {
    try {
      wire.tell(replyTo, reply);
    } catch (JipythonException e) {
      replyTo.tell(Reply.refused(reply.requestId(), Failure.of(e.kind(), e.getMessage())));
    }
  }

  private Behavior<Command> onChunk(Chunk chunk) {
    try {
      var whole = reassembly.accept(chunk);
      if (whole.isPresent()) {
        if (!(whole.get() instanceof Request)) {
          return onUnknown(whole.get());
        }
        // handled now, not re-enqueued: what arrived after it must stay after it
        return createReceive().receive(getContext(), (Command) whole.get());
      }
    } catch (Reassembly.Refused e) {
      getContext().getLog().warn("dropped a chunked message from {}: {}",
          chunk.replyTo() == null ? "an unknown sender" : chunk.replyTo().path().address(),
          e.getMessage());
      if (chunk.replyTo() != null) {
        chunk.replyTo().<Reply>unsafeUpcast().tell(Reply.refused(chunk.requestId(),
            Failure.of(e.kind(), "refused: " + e.getMessage())));
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  /**
   * Anything that is not a Task request (any holder of the client TLS identity can send it) is
   * dropped; the log names its type, never its contents.
   */
  private Behavior<Command> onUnknown(Object message) {
    getContext().getLog().warn("dropped a message of unknown type {} sent to the Task "
        + "interface", message == null ? "null" : message.getClass().getName());
    return this;
  }

  private TaskAdapter(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ActorRef<Controller.Command> controller, CapabilityToken token, TaskSettings settings) {
    super(ctx);
    this.wire = Wire.of(ctx.getSystem());
    this.reassembly = new Reassembly(ctx.getSystem());
    this.token = token;
    this.settings = settings;
    this.timers = timers;
    this.engines = new TaskEngines(ctx.messageAdapter(EngineQueue.Done.class, StepDone::new));
    controller.tell(new Controller.Subscribe(
        ctx.messageAdapter(Controller.EnginesChanged.class, c -> new Engines(c.queues()))));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Chunk.class, this::onChunk)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(GetResult.class, this::onGetResult)
        .onMessage(Abort.class, this::onAbort)
        .onMessage(Barrier.class, this::onBarrier)
        .onMessage(Spin.class, this::onSpin)
        .onMessage(GetQueueStatus.class, this::onQueueStatus)
        .onMessage(Clear.class, this::onClear)
        .onMessage(Engines.class, this::onEngines)
        .onMessage(StepDone.class, this::onStepDone)
        .onMessage(PenaltyOver.class, this::onPenaltyOver)
        .onMessageEquals(StarvationTimeout.INSTANCE, this::onStarvationTimeout)
        .onMessageEquals(RefreshProperties.INSTANCE, this::onRefreshProperties)
        .onAnyMessage(this::onUnknown)
        .build();
  }

  // -- requests ---------------------------------------------------------------------------------

  private Behavior<Command> onSubmit(Submit msg) {
    if (refused(msg)) {
      return this;
    }
    var problem = msg.task() == null ? "the request carries no task" : msg.task().problem();
    if (problem != null) {
      msg.replyTo().tell(Reply.refused(msg.requestId(), Failure.of(FailureKind.PROTOCOL,
          "malformed task: " + problem)));
      return this;
    }
    var task = book.add(msg.task());
    scheduler.enqueue(task.id);
    if (msg.block()) {
      book.awaitResult(task.id, msg.requestId(), msg.replyTo());
    } else {
      msg.replyTo().tell(new Reply(msg.requestId(), task.id, null, null, null, null));
    }
    schedule();
    return this;
  }

  private Behavior<Command> onGetResult(GetResult msg) {
    if (refused(msg)) {
      return this;
    }
    var task = book.get(msg.taskId());
    if (task == null) {
      msg.replyTo().tell(Reply.refused(msg.requestId(), notRegistered(msg.taskId())));
    } else if (task.state.finished()) {
      send(msg.replyTo(), outcomeReply(msg.requestId(), task.outcome));
    } else if (msg.block()) {
      book.awaitResult(task.id, msg.requestId(), msg.replyTo());
    } else {
      msg.replyTo().tell(Reply.ok(msg.requestId()));
    }
    return this;
  }

  private Behavior<Command> onAbort(Abort msg) {
    if (refused(msg)) {
      return this;
    }
    var task = book.get(msg.taskId());
    Failure refusal = null;
    if (task == null) {
      refusal = notRegistered(msg.taskId());
    } else if (task.state == TaskState.ABORTING) {
      refusal = indexError("Task Already Aborted");
    } else if (task.state.finished()) {
      refusal = indexError("Task Already Completed");
    } else if (task.state == TaskState.QUEUED) {
      scheduler.remove(task.id);
      finish(task, TaskState.ABORTED, TaskOutcome.aborted(task.id, task.current, null, 0));
      // a shorter queue may end (or start) a dependency timeout
      schedule();
    } else {
      task.state = task.state.to(TaskState.ABORTING);
    }
    msg.replyTo().tell(refusal == null ? Reply.ok(msg.requestId())
        : Reply.refused(msg.requestId(), refusal));
    return this;
  }

  private Behavior<Command> onBarrier(Barrier msg) {
    if (refused(msg)) {
      return this;
    }
    book.awaitAll(msg.taskIds() == null ? List.of() : msg.taskIds(), msg.requestId(),
        msg.replyTo());
    return this;
  }

  private Behavior<Command> onSpin(Spin msg) {
    if (refused(msg)) {
      return this;
    }
    engines.forgetDependencies();
    schedule();
    msg.replyTo().tell(Reply.ok(msg.requestId()));
    return this;
  }

  private Behavior<Command> onQueueStatus(GetQueueStatus msg) {
    if (refused(msg)) {
      return this;
    }
    var status = book.status(scheduler.queuedTasks(), msg.verbose());
    if (msg.verbose() && status.scheduled() + status.pending() + status.succeeded()
        + status.failed() > MAX_VERBOSE_IDS) {
      msg.replyTo().tell(Reply.refused(msg.requestId(), Failure.of(
          FailureKind.MESSAGE_TOO_LARGE, "more than " + MAX_VERBOSE_IDS + " task ids to list; "
              + "clear() finished results or ask without verbose")));
      return this;
    }
    msg.replyTo().tell(new Reply(msg.requestId(), null, null, status, null, null));
    return this;
  }

  private Behavior<Command> onClear(Clear msg) {
    if (refused(msg)) {
      return this;
    }
    var missing = new ArrayList<Long>();
    int cleared = book.clear(msg.taskIds(), missing);
    Failure refusal = null;
    if (!missing.isEmpty()) {
      var text = "Cleared " + cleared + " results, but no tasks found for ids: " + missing;
      refusal = new Failure(FailureKind.INVALID_ID.code(), text,
          new RemoteError("KeyError", text, "KeyError: " + text + "\n"));
    }
    msg.replyTo().tell(new Reply(msg.requestId(), null, null, null, cleared, refusal));
    return this;
  }

  // -- engines ----------------------------------------------------------------------------------

  private Behavior<Command> onEngines(Engines msg) {
    var changes = engines.update(msg.queues());
    for (int engineId : changes.removed()) {
      scheduler.removeWorker(engineId);
      timers.cancel(new PenaltyOver(engineId));
      engines.lost(engineId, System.currentTimeMillis())
          .ifPresent(over -> attemptOver(over.attempt(), over.outcome()));
    }
    changes.added().forEach(scheduler::addWorker);
    schedule();
    return this;
  }

  private Behavior<Command> onStepDone(StepDone msg) {
    var event = engines.answered(msg.done(), System.currentTimeMillis());
    if (event instanceof TaskEngines.AttemptOver over) {
      attemptOver(over.attempt(), over.outcome());
    } else if (event instanceof TaskEngines.Learned) {
      schedule();
    }
    return this;
  }

  private Behavior<Command> onPenaltyOver(PenaltyOver msg) {
    scheduler.release(msg.engineId());
    schedule();
    return this;
  }

  private Behavior<Command> onStarvationTimeout() {
    if (!scheduler.starving()) {
      return this;
    }
    for (long taskId : scheduler.queuedTasks()) {
      scheduler.remove(taskId);
      var task = book.get(taskId);
      finish(task, TaskState.TIMED_OUT, TaskOutcome.timedOut(taskId, task.current,
          settings.dependencyTimeout()));
    }
    schedule();
    return this;
  }

  private Behavior<Command> onRefreshProperties() {
    scheduler.idleWorkers().forEach(engines::readProperties);
    return this;
  }

  // -- scheduling -------------------------------------------------------------------------------

  private void schedule() {
    var pass = scheduler.schedule(this::fit);
    for (var assignment : pass.assignments()) {
      dispatch(book.get(assignment.taskId()), assignment.engineId());
    }
    for (var unknown : pass.unknown()) {
      engines.evaluate(unknown.engineId(), book.get(unknown.taskId()).current.depend());
    }
    if (scheduler.starving()) {
      // restarted by every pass, as the original's checkIdle
      timers.startSingleTimer(StarvationTimeout.INSTANCE, settings.dependencyTimeout());
    } else {
      timers.cancel(StarvationTimeout.INSTANCE);
    }
    boolean refresh = book.queuedWithDepend() > 0 && !scheduler.idleWorkers().isEmpty();
    if (refresh && !refreshing) {
      timers.startTimerWithFixedDelay(RefreshProperties.INSTANCE, settings.propertiesRefresh());
    } else if (!refresh && refreshing) {
      timers.cancel(RefreshProperties.INSTANCE);
    }
    refreshing = refresh;
  }

  private Verdict fit(long taskId, int engineId) {
    var depend = book.get(taskId).current.depend();
    return depend == null ? Verdict.YES : engines.verdict(engineId, depend);
  }

  private void dispatch(TaskBook.Task task, int engineId) {
    task.state = task.state.to(TaskState.RUNNING);
    book.dequeued(task);
    engines.dispatch(task.id, engineId, task.current, System.currentTimeMillis());
  }

  private void attemptOver(TaskAttempt attempt, TaskOutcome outcome) {
    if (scheduler.isWorker(attempt.engineId)) {
      if (outcome.ok()) {
        scheduler.release(attempt.engineId);
      } else {
        timers.startSingleTimer(new PenaltyOver(attempt.engineId), new PenaltyOver(
            attempt.engineId), settings.failurePenalty());
      }
      if (book.queuedWithDepend() > 0) {
        // its task may have changed its properties (a reset clears them)
        engines.readProperties(attempt.engineId);
      }
    }
    var task = book.get(attempt.taskId);
    if (task == null) {
      return;
    }
    if (task.state == TaskState.ABORTING) {
      finish(task, TaskState.ABORTED, TaskOutcome.aborted(task.id, task.current,
          attempt.engineId, attempt.startedMillis));
    } else if (outcome.ok()) {
      finish(task, TaskState.SUCCEEDED, outcome);
    } else if (book.requeued(task)) {
      scheduler.enqueue(task.id);
    } else {
      finish(task, TaskState.FAILED, outcome);
    }
    schedule();
  }

  private void finish(TaskBook.Task task, TaskState state, TaskOutcome outcome) {
    book.finished(task, state, outcome, this::outcomeReply, this::send);
  }

  // -- answers ----------------------------------------------------------------------------------

  private Reply outcomeReply(long requestId, TaskOutcome outcome) {
    return new Reply(requestId, outcome.taskId(), outcome, null, null, null);
  }

  private static Failure notRegistered(long taskId) {
    return indexError("task ID not registered: " + taskId);
  }

  private static Failure indexError(String text) {
    return new Failure(FailureKind.INVALID_ID.code(), text,
        new RemoteError("IndexError", text, "IndexError: " + text + "\n"));
  }

  private boolean refused(Request request) {
    if (token.matches(request.capability())) {
      return false;
    }
    getContext().getLog().warn("refused a Task request from {}: wrong capability",
        request.replyTo().path().address());
    request.replyTo().tell(Reply.refused(request.requestId(), Failure.of(FailureKind.REFUSED,
        "refused: this request does not carry the Task capability "
            + "(use the controller's ipcontroller-tc.furl)")));
    return true;
  }
}
