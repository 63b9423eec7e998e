package org.jipython.actors.controller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.jipython.actors.controller.TaskScheduler.Verdict;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.actors.protocol.EngineReply;
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
 * failed is held out for {@link Settings#failurePenalty}. When tasks wait, every engine is idle
 * and none satisfies any task's dependencies for {@link Settings#dependencyTimeout}, the waiting
 * tasks fail with {@code TaskTimeout}. Finished results are kept until {@code clear}.
 */
public final class TaskAdapter extends AbstractBehavior<TaskAdapter.Command> {

  /** Messages of the Task adapter. */
  public interface Command {}

  /** A client request: each carries the Task capability and an id the reply echoes. */
  public sealed interface Request extends Command, WireMessage {
    String capability();

    long requestId();

    ActorRef<Reply> replyTo();
  }

  /** Queue a task; the reply carries its id. */
  public record Submit(String capability, long requestId, TaskSpec task, ActorRef<Reply> replyTo)
      implements Request {}

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

  /**
   * Timing of the scheduler.
   *
   * @param failurePenalty how long an engine whose task failed is held out
   * @param dependencyTimeout how long tasks wait while every engine is idle and none fits
   * @param propertiesRefresh how often idle engines' properties are read while tasks with
   *     dependencies wait
   */
  public record Settings(Duration failurePenalty, Duration dependencyTimeout,
      Duration propertiesRefresh) {
    /** The original's values: 1 s penalty, 30 s timeout. */
    public static final Settings DEFAULTS =
        new Settings(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(1));

    public Settings {
      if (failurePenalty.isNegative() || dependencyTimeout.isNegative()
          || propertiesRefresh.isNegative() || propertiesRefresh.isZero()) {
        throw new IllegalArgumentException("the penalty and the timeout must be >= 0 and the "
            + "properties refresh > 0");
      }
    }
  }

  /** The most ids one verbose queue_status reply may carry: a message must stay small. */
  static final int MAX_VERBOSE_IDS = 20_000;

  private static final int PROBE = 6;
  private static final int PROPERTIES = 7;
  private static final int TAG_MASK = 0x0FFF_FFFF;

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
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final ActorRef<EngineQueue.Done> stepDone;
  private final TaskScheduler scheduler = new TaskScheduler();
  private final TaskDependencies dependencies = new TaskDependencies();
  private final TaskBook book = new TaskBook();
  private final Map<Integer, TaskAttempt> attempts = new HashMap<>();
  private final Map<Integer, TaskAttempt> running = new HashMap<>();
  private final Map<Integer, TaskDependencies.Probe> probes = new HashMap<>();
  private final Map<Integer, Integer> fetches = new HashMap<>();
  private Map<Integer, ActorRef<EngineQueue.Command>> queues = new TreeMap<>();
  private int nextTag;
  private boolean refreshing;

  public static Behavior<Command> create(
      ActorRef<Controller.Command> controller, CapabilityToken token) {
    return create(controller, token, Settings.DEFAULTS);
  }

  public static Behavior<Command> create(
      ActorRef<Controller.Command> controller, CapabilityToken token, Settings settings) {
    // a bug must not lose every task's result: log it and go on with the next message
    return Behaviors.supervise(Behaviors.<Command>setup(ctx -> Behaviors.withTimers(
            timers -> new TaskAdapter(ctx, timers, controller, token, settings))))
        .onFailure(RuntimeException.class, SupervisorStrategy.resume());
  }

  private TaskAdapter(ActorContext<Command> ctx, TimerScheduler<Command> timers,
      ActorRef<Controller.Command> controller, CapabilityToken token, Settings settings) {
    super(ctx);
    this.token = token;
    this.settings = settings;
    this.timers = timers;
    this.stepDone = ctx.messageAdapter(EngineQueue.Done.class, StepDone::new);
    var engines = ctx.messageAdapter(Controller.EnginesChanged.class, c -> new Engines(c.queues()));
    controller.tell(new Controller.Subscribe(engines));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
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
    msg.replyTo().tell(new Reply(msg.requestId(), task.id, null, null, null, null));
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
      msg.replyTo().tell(outcomeReply(msg.requestId(), task.outcome));
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
      finish(task, TaskState.ABORTED, aborted(task, null, 0));
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
    dependencies.forgetAll();
    fetches.clear();
    probes.clear();
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
    var now = msg.queues();
    for (var entry : List.copyOf(queues.entrySet())) {
      var current = now.get(entry.getKey());
      if (current == null || !current.equals(entry.getValue())) {
        engineLost(entry.getKey());
      }
    }
    for (var entry : now.entrySet()) {
      if (!entry.getValue().equals(queues.get(entry.getKey()))) {
        scheduler.addWorker(entry.getKey());
      }
    }
    queues = new TreeMap<>(now);
    schedule();
    return this;
  }

  private void engineLost(int engineId) {
    scheduler.removeWorker(engineId);
    dependencies.forget(engineId);
    timers.cancel(new PenaltyOver(engineId));
    var attempt = running.get(engineId);
    if (attempt != null) {
      attempts.remove(attempt.tag);
      var outcome = attempt.clearingAfter() ? attempt.outcome() : attempt.lost(Failure.of(
          FailureKind.ENGINE_LOST, "engine " + engineId + " is gone: its process exited or is "
              + "unreachable"), System.currentTimeMillis());
      attemptOver(attempt, outcome);
    }
  }

  private Behavior<Command> onStepDone(StepDone msg) {
    int tag = msg.done().slot() >>> 3;
    int code = msg.done().slot() & 7;
    var reply = msg.done().reply();
    if (code == PROBE) {
      var probe = probes.remove(tag);
      if (probe != null && dependencies.probed(probe, verdictOf(reply))) {
        schedule();
      }
      return this;
    }
    if (code == PROPERTIES) {
      var engineId = fetches.remove(tag);
      if (engineId == null) {
        return this;
      }
      if (!reply.ok() || reply.names() == null || reply.values() == null) {
        dependencies.fetchFailed(engineId);
      } else if (dependencies.fetched(engineId, reply.names(), reply.values())) {
        schedule();
      }
      return this;
    }
    var attempt = attempts.get(tag);
    var step = TaskAttempt.Step.ofCode(code);
    if (attempt == null || step == null) {
      return this;
    }
    long now = System.currentTimeMillis();
    if (step == TaskAttempt.Step.CLEAR_AFTER) {
      attempts.remove(tag);
      attemptOver(attempt, attempt.outcome());
    } else if (attempt.record(step, reply)) {
      attempt.completed(now);
      if (attempt.spec.clearAfter()) {
        attempt.clearAfterQueued(now);
        submit(attempt.engineId, new EngineOp.Reset(), tag, TaskAttempt.Step.CLEAR_AFTER.code);
      } else {
        attempts.remove(tag);
        attemptOver(attempt, attempt.outcome());
      }
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
      var text = "task " + taskId + " failed to execute due to unmet dependencies for "
          + settings.dependencyTimeout().toSeconds() + " seconds";
      finish(task, TaskState.TIMED_OUT, new TaskOutcome(taskId, task.current.kind(), null,
          task.current.pull(), null, Failure.of(FailureKind.TASK_TIMEOUT, text), 0,
          System.currentTimeMillis()));
    }
    schedule();
    return this;
  }

  private Behavior<Command> onRefreshProperties() {
    for (int engineId : scheduler.idleWorkers()) {
      fetchProperties(engineId);
    }
    return this;
  }

  // -- scheduling -------------------------------------------------------------------------------

  private void schedule() {
    var pass = scheduler.schedule(this::fit);
    for (var assignment : pass.assignments()) {
      dispatch(book.get(assignment.taskId()), assignment.engineId());
    }
    for (var unknown : pass.unknown()) {
      var depend = book.get(unknown.taskId()).current.depend();
      var probe = dependencies.startProbe(unknown.engineId(), depend);
      if (probe.isPresent()) {
        int tag = nextTag();
        probes.put(tag, probe.get());
        submit(unknown.engineId(), new EngineOp.Execute(probe.get().source()), tag, PROBE);
      } else if (!dependencies.propertiesKnown(unknown.engineId())) {
        fetchProperties(unknown.engineId());
      }
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
    return depend == null ? Verdict.YES : dependencies.verdict(engineId, depend);
  }

  private void dispatch(TaskBook.Task task, int engineId) {
    task.state = task.state.to(TaskState.RUNNING);
    book.dequeued(task);
    var attempt = new TaskAttempt(nextTag(), task.id, engineId, task.current,
        System.currentTimeMillis());
    attempts.put(attempt.tag, attempt);
    running.put(engineId, attempt);
    attempt.commands().forEach((step, op) -> submit(engineId, op, attempt.tag, step.code));
  }

  private void attemptOver(TaskAttempt attempt, TaskOutcome outcome) {
    running.remove(attempt.engineId);
    if (scheduler.isWorker(attempt.engineId)) {
      if (outcome.ok()) {
        scheduler.release(attempt.engineId);
      } else {
        timers.startSingleTimer(new PenaltyOver(attempt.engineId), new PenaltyOver(
            attempt.engineId), settings.failurePenalty());
      }
      if (book.queuedWithDepend() > 0) {
        // its task may have changed its properties (a reset clears them)
        fetchProperties(attempt.engineId);
      }
    }
    var task = book.get(attempt.taskId);
    if (task == null) {
      return;
    }
    if (task.state == TaskState.ABORTING) {
      finish(task, TaskState.ABORTED, aborted(task, attempt.engineId, attempt.startedMillis));
    } else if (outcome.ok()) {
      finish(task, TaskState.SUCCEEDED, outcome);
    } else if (task.retriesLeft > 0) {
      task.retriesLeft--;
      requeue(task);
    } else if (task.current.recoveryTask() != null && task.current.recoveryTask().retries() > -1) {
      task.current = task.current.recoveryTask();
      task.retriesLeft = task.current.retries();
      requeue(task);
    } else {
      finish(task, TaskState.FAILED, outcome);
    }
    schedule();
  }

  private void requeue(TaskBook.Task task) {
    task.state = task.state.to(TaskState.QUEUED);
    book.queued(task);
    scheduler.enqueue(task.id);
  }

  private void finish(TaskBook.Task task, TaskState state, TaskOutcome outcome) {
    if (task.state == TaskState.QUEUED) {
      book.dequeued(task);
    }
    task.state = task.state.to(state);
    book.finished(task, outcome, this::outcomeReply);
  }

  private void fetchProperties(int engineId) {
    if (queues.containsKey(engineId) && dependencies.startFetch(engineId)) {
      int tag = nextTag();
      fetches.put(tag, engineId);
      submit(engineId, new EngineOp.GetProperties(null), tag, PROPERTIES);
    }
  }

  private void submit(int engineId, EngineOp op, int tag, int code) {
    var queue = queues.get(engineId);
    if (queue != null) {
      queue.tell(new EngineQueue.Submit(op, (tag << 3) | code, stepDone));
    }
  }

  private int nextTag() {
    nextTag = (nextTag + 1) & TAG_MASK;
    return nextTag;
  }

  // -- answers ----------------------------------------------------------------------------------

  private static Boolean verdictOf(EngineReply reply) {
    if (reply.ok()) {
      return reply.execute() != null && "True".equals(reply.execute().displayRepr());
    }
    // Python raised (the function could not even be rebuilt): false, as a depend that raises
    return reply.failure().kind() == FailureKind.PYTHON ? Boolean.FALSE : null;
  }

  private Reply outcomeReply(long requestId, TaskOutcome outcome) {
    return new Reply(requestId, outcome.taskId(), outcome, null, null, null);
  }

  private static TaskOutcome aborted(TaskBook.Task task, Integer engineId, long startedMillis) {
    return new TaskOutcome(task.id, task.current.kind(), engineId, task.current.pull(), null,
        Failure.of(FailureKind.TASK_ABORTED, "task " + task.id + " was aborted"),
        startedMillis, System.currentTimeMillis());
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
