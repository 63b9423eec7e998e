package org.jipython.actors.controller;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Lets only messages of an adapter's command type through. The client port takes any message a
 * holder of the client TLS identity sends (a string, a wire message meant for an engine); the
 * typed adapter behind it would fail on it with a ClassCastException. This drops it with a log
 * line that names its type, never its contents.
 */
final class KnownMessagesOnly<C> extends BehaviorInterceptor<Object, C> {
  private final Class<C> type;
  private final String interfaceName;

  private KnownMessagesOnly(Class<C> type, String interfaceName) {
    super(Object.class);
    this.type = type;
    this.interfaceName = interfaceName;
  }

  /** {@code behavior}, dropping and logging anything that is not a {@code type}. */
  @SuppressWarnings("unchecked")
  static <C> Behavior<C> of(Class<C> type, String interfaceName, Behavior<C> behavior) {
    Behavior<Object> intercepted =
        Behaviors.intercept(() -> new KnownMessagesOnly<>(type, interfaceName), behavior);
    // the outer type is Object; callers and senders only ever see it as a C
    return (Behavior<C>) (Behavior<?>) intercepted;
  }

  @Override
  public Behavior<C> aroundReceive(TypedActorContext<Object> ctx, Object msg,
      ReceiveTarget<C> target) {
    if (type.isInstance(msg)) {
      return target.apply(ctx, type.cast(msg));
    }
    ctx.asJava().getLog().warn("dropped a message of unknown type {} sent to the {} interface",
        msg == null ? "null" : msg.getClass().getName(), interfaceName);
    return Behaviors.same();
  }
}
