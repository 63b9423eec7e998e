package org.jipython.actors.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.NotSerializableException;
import java.io.Serializable;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.DisabledJavaSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.jipython.actors.controller.Controller;
import org.jipython.actors.controller.EngineQueue;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.engine.EngineWorker;
import org.jipython.runtime.engine.ExecuteResult;
import org.jipython.runtime.engine.RemoteError;
import org.jipython.runtime.error.FailureKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every message that crosses a process boundary survives the serializer the project configures
 * (Jackson CBOR, bound to {@link WireMessage} in the actors' reference.conf), and nothing falls
 * back to Java serialization.
 */
class WireSerializationTest {

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void startTestKit() {
    var config = ConfigFactory.parseString("pekko.actor.serialize-messages = off")
        .withFallback(ConfigFactory.load());
    testKit = ActorTestKit.create("WireSerializationTest", config);
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** Serializes {@code message} as Pekko would for a remote send and reads it back. */
  private static <T> T roundTrip(T message) {
    var serializer = serialization.findSerializerFor(message);
    assertTrue(serializer.getClass().getName().contains("Jackson"),
        message.getClass().getName() + " must use the Jackson serializer, not " + serializer);
    var manifest = Serializers.manifestFor(serializer, message);
    byte[] bytes = serialization.serialize(message).get();
    Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
    assertNotSame(message, back);
    assertInstanceOf(message.getClass(), back);
    @SuppressWarnings("unchecked")
    T typed = (T) back;
    return typed;
  }

  /** Round-trips {@code message} and asserts every field came back equal, byte arrays included. */
  private static void assertSurvives(Object message) {
    assertDeepEquals(message, roundTrip(message), message.getClass().getSimpleName());
  }

  /** Field-by-field equality through records, lists and maps, with byte arrays by content. */
  private static void assertDeepEquals(Object expected, Object actual, String where) {
    if (expected == null || actual == null) {
      assertEquals(expected, actual, where);
    } else if (expected instanceof byte[] bytes) {
      assertInstanceOf(byte[].class, actual, where);
      assertArrayEquals(bytes, (byte[]) actual, where);
    } else if (expected instanceof List<?> list) {
      assertInstanceOf(List.class, actual, where);
      var other = (List<?>) actual;
      assertEquals(list.size(), other.size(), where + ".size");
      for (int i = 0; i < list.size(); i++) {
        assertDeepEquals(list.get(i), other.get(i), where + "[" + i + "]");
      }
    } else if (expected instanceof Map<?, ?> map) {
      assertInstanceOf(Map.class, actual, where);
      var other = (Map<?, ?>) actual;
      assertEquals(map.keySet(), other.keySet(), where + ".keys");
      for (var key : map.keySet()) {
        assertDeepEquals(map.get(key), other.get(key), where + "[" + key + "]");
      }
    } else if (expected.getClass().isRecord()) {
      assertEquals(expected.getClass(), actual.getClass(), where);
      for (var component : expected.getClass().getRecordComponents()) {
        assertDeepEquals(read(component, expected), read(component, actual),
            where + "." + component.getName());
      }
    } else {
      assertEquals(expected, actual, where);
    }
  }

  private static Object read(java.lang.reflect.RecordComponent component, Object record) {
    try {
      var accessor = component.getAccessor();
      accessor.setAccessible(true);
      return accessor.invoke(record);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new AssertionError("cannot read " + component, e);
    }
  }

  private static <T> ActorRef<T> probeRef(Class<T> type) {
    return testKit.createTestProbe(type).ref();
  }

  private static final RemoteError ZERO_DIVISION = new RemoteError("ZeroDivisionError",
      "integer division or modulo by zero",
      "Traceback (most recent call last):\n  File \"<string>\", line 1, in <module>\n"
          + "ZeroDivisionError: integer division or modulo by zero\n");

  /** Bytes that are not valid UTF-8 and include every awkward value. */
  private static final byte[] PICKLE = {(byte) 0x80, 0x02, 0x00, (byte) 0xff, (byte) 0xfe, 0x2e};

  // ---------------------------------------------------------------------------------------------
  // engine operations

  @Test
  void anExecuteWithUnicodeSourceSurvives() {
    var op = new EngineOp.Execute("s = u'π ≈ 3.14159 — ünïcødé 日本語 😀'\nprint s\n\t'quoted'\\");
    var back = roundTrip(op);

    assertEquals(op, back);
    assertEquals(op.source(), back.source());
  }

  @Test
  void aPushWithPickledValuesSurvives() {
    var values = new LinkedHashMap<String, byte[]>();
    values.put("a", PICKLE);
    values.put("b", new byte[0]);
    values.put("ü", new byte[] {1, 2, 3});
    var back = roundTrip(new EngineOp.Push(values));

    assertEquals(values.keySet(), back.values().keySet());
    assertArrayEquals(PICKLE, back.values().get("a"));
    assertArrayEquals(new byte[0], back.values().get("b"));
    assertArrayEquals(new byte[] {1, 2, 3}, back.values().get("ü"));
  }

  @Test
  void everyOtherEngineOperationSurvives() {
    List<EngineOp> ops = List.of(
        new EngineOp.Pull(List.of("a", "b", "c")),
        new EngineOp.Pull(List.of()),
        new EngineOp.Keys(),
        new EngineOp.Reset(),
        new EngineOp.Kill(),
        new EngineOp.GetResult(null),
        new EngineOp.GetResult(3),
        new EngineOp.ClearQueue(),
        new EngineOp.QueueStatus(),
        new EngineOp.GetProperties(null),
        new EngineOp.GetProperties(List.of("color")),
        new EngineOp.HasProperties(List.of("color", "size")),
        new EngineOp.DelProperties(List.of("color")),
        new EngineOp.ClearProperties());
    for (var op : ops) {
      assertEquals(op, roundTrip(op), op.describe());
    }
  }

  @Test
  void setPropertiesWithPickledValuesSurvives() {
    var values = new LinkedHashMap<String, byte[]>();
    values.put("color", PICKLE);
    values.put("size", new byte[] {7});

    assertSurvives(new EngineOp.SetProperties(values));
  }

  // ---------------------------------------------------------------------------------------------
  // engine replies and failures

  @Test
  void anExecuteReplySurvivesWithAndWithoutAnError() {
    var ok = EngineReply.executed(2,
        new ExecuteResult(7, "print 'hé'; 1+1", "hé\n", "warning: ☃\n", "2", null));
    var raised = EngineReply.executed(2,
        new ExecuteResult(8, "1/0", "", "", null, ZERO_DIVISION));

    assertEquals(ok, roundTrip(ok));
    var back = roundTrip(raised);
    assertEquals(raised, back);
    assertEquals(ZERO_DIVISION, back.execute().error());
    assertEquals(ZERO_DIVISION, back.failure().remote());
    assertEquals(FailureKind.PYTHON, back.failure().kind());
  }

  @Test
  void aValuesReplySurvivesWithItsBytes() {
    var reply = EngineReply.values(1, List.of(PICKLE, new byte[0], new byte[] {42}));
    var back = roundTrip(reply);

    assertEquals(3, back.values().size());
    assertArrayEquals(PICKLE, back.values().get(0));
    assertArrayEquals(new byte[0], back.values().get(1));
    assertArrayEquals(new byte[] {42}, back.values().get(2));
    assertDeepEquals(reply, back, "EngineReply");
  }

  @Test
  void aNamesReplySurvives() {
    var reply = EngineReply.names(0, List.of("a", "b", "__builtins__", "ñ"));
    assertEquals(reply, roundTrip(reply));
  }

  @Test
  void aQueueStateReplySurvivesWithAndWithoutAPendingCommand() {
    var busy = EngineReply.queue(4, new EngineReply.QueueState("execute('a=1')",
        List.of("execute('b=2')", "pull(['x'])")));
    var idle = EngineReply.queue(4, new EngineReply.QueueState(null, List.of()));

    assertEquals(busy, roundTrip(busy));
    var back = roundTrip(idle);
    assertEquals(idle, back);
    assertNull(back.queue().pending());
    assertEquals(List.of(), back.queue().waiting());
  }

  @Test
  void aFailureReplyAndAnEmptyReplySurvive() {
    var failed = EngineReply.failed(5, Failure.of(FailureKind.QUEUE_CLEARED, "execute('b=2')"));
    var done = EngineReply.done(5);

    var back = roundTrip(failed);
    assertEquals(failed, back);
    assertEquals(FailureKind.QUEUE_CLEARED, back.failure().kind());
    assertEquals(done, roundTrip(done));
    assertTrue(roundTrip(done).ok());
  }

  @Test
  void aFailureSurvivesOnItsOwnWithAndWithoutARemoteError() {
    var plain = Failure.of(FailureKind.ENGINE_LOST, "engine 3 is gone: connection closed");
    var python = Failure.python(ZERO_DIVISION);

    assertEquals(plain, roundTrip(plain));
    assertEquals(FailureKind.ENGINE_LOST, roundTrip(plain).kind());
    assertEquals(python, roundTrip(python));
    assertEquals("ZeroDivisionError", roundTrip(python).pythonTypeName());
  }

  // ---------------------------------------------------------------------------------------------
  // messages between queue and engine

  @Test
  void aRunAndACancelSurviveAndTheReplyToResolvesToTheSameActor() {
    var queue = probeRef(EngineQueue.Command.class);
    var run = new EngineWorker.Run(17, 4, new EngineOp.Execute("x = 'ü'"), queue);
    var runWithPush = new EngineWorker.Run(18, 4, new EngineOp.Push(Map.of("v", PICKLE)), queue);
    var cancel = new EngineWorker.Cancel(4, 17);

    var back = roundTrip(run);
    assertEquals(run, back);
    assertEquals(queue, back.replyTo());
    assertSurvives(runWithPush);
    assertEquals(cancel, roundTrip(cancel));
  }

  @Test
  void aCompletedSurvivesWithEachKindOfReply() {
    List<EngineQueue.Completed> messages = List.of(
        new EngineQueue.Completed(1, EngineReply.done(0)),
        new EngineQueue.Completed(2, EngineReply.executed(0,
            new ExecuteResult(1, "1/0", "", "", null, ZERO_DIVISION))),
        new EngineQueue.Completed(3, EngineReply.values(0, List.of(PICKLE))),
        new EngineQueue.Completed(Long.MAX_VALUE, EngineReply.failed(0,
            Failure.of(FailureKind.MESSAGE_TOO_LARGE, "too large"))));
    for (var message : messages) {
      assertSurvives(message);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // registration and client requests

  @Test
  void aRegistrationAndItsRepliesSurvive() {
    var worker = probeRef(EngineWorker.Command.class);
    var replyTo = probeRef(Controller.RegisterReply.class);
    var withRank = new Controller.Register("engine-token", 5, 4242L, "node-1.example", worker,
        replyTo);
    var withoutRank = new Controller.Register("engine-token", null, 1L, "::1", worker, replyTo);

    var back = roundTrip(withRank);
    assertEquals(withRank, back);
    assertEquals(worker, back.worker());
    assertEquals(replyTo, back.replyTo());
    assertEquals(withoutRank, roundTrip(withoutRank));
    assertNull(roundTrip(withoutRank).desiredId());

    var granted = new Controller.RegisterReply(3, null);
    var refused = new Controller.RegisterReply(null, "every engine id is taken");
    assertEquals(granted, roundTrip(granted));
    assertEquals(refused, roundTrip(refused));
  }

  @Test
  void aMultiEngineRequestAndGetIdsSurviveAndTheirReplyToResolves() {
    var replyTo = probeRef(MultiEngineAdapter.Reply.class);
    var toSome = new MultiEngineAdapter.Request("me-token", 42L, List.of(0, 2, 5),
        new EngineOp.Execute("print 'ø'"), false, replyTo);
    var toAll = new MultiEngineAdapter.Request("me-token", 43L, null,
        new EngineOp.Push(Map.of("a", PICKLE)), true, replyTo);
    var getIds = new MultiEngineAdapter.GetIds("me-token", 44L, replyTo);

    var back = roundTrip(toSome);
    assertEquals(toSome, back);
    assertEquals(replyTo, back.replyTo());
    assertSurvives(toAll);
    assertNull(roundTrip(toAll).targets());
    assertTrue(roundTrip(toAll).pending());
    assertEquals(getIds, roundTrip(getIds));
    assertEquals(replyTo, roundTrip(getIds).replyTo());
  }

  @Test
  void thePendingResultAndControllerRequestsSurvive() {
    var replyTo = probeRef(MultiEngineAdapter.Reply.class);
    List<Object> messages = List.of(
        new MultiEngineAdapter.GetPending("me-token", 45L, "pending-7", true, replyTo),
        new MultiEngineAdapter.GetPending("me-token", 46L, "pending-8", false, replyTo),
        new MultiEngineAdapter.Flush("me-token", 47L, replyTo),
        new MultiEngineAdapter.StopController("me-token", 48L, 2000L, replyTo));
    for (var message : messages) {
      assertEquals(message, roundTrip(message));
    }
  }

  @Test
  void aMultiEngineReplySurvivesInEachShape() {
    var ids = new MultiEngineAdapter.Reply(1L, List.of(0, 1, 2), null, null, null);
    var results = new MultiEngineAdapter.Reply(2L, null, List.of(
        EngineReply.executed(0, new ExecuteResult(1, "a", "out", "", "1", null)),
        EngineReply.values(1, List.of(PICKLE)),
        EngineReply.failed(2, Failure.python(ZERO_DIVISION))), null, null);
    var refusal = new MultiEngineAdapter.Reply(3L, null, null,
        Failure.of(FailureKind.INVALID_ENGINE_ID, "invalid engine id: 9"), null);
    var pending = new MultiEngineAdapter.Reply(4L, null, null, null, "pending-7");

    assertEquals(ids, roundTrip(ids));
    assertSurvives(results);
    assertEquals(refusal, roundTrip(refusal));
    assertEquals(pending, roundTrip(pending));
  }

  // ---------------------------------------------------------------------------------------------
  // what must not be serialized

  /** Serializable, but not a wire message: it must not travel by Java serialization. */
  record NotAWireMessage(String text) implements Serializable {}

  /** Neither serializable nor a wire message. */
  record NotSerializableAtAll(String text) {}

  @Test
  void aSerializableObjectThatIsNotAWireMessageIsRefused() {
    var message = new NotAWireMessage("secret");

    var result = serialization.serialize(message);

    assertTrue(result.isFailure(), "Java serialization must be off, but it serialized " + message);
    var error = assertThrows(Exception.class, () -> result.get());
    assertInstanceOf(DisabledJavaSerializer.JavaSerializationException.class, error);
  }

  @Test
  void anObjectWithoutAnyBindingCannotBeSerialized() {
    var message = new NotSerializableAtAll("x");

    var error = assertThrows(Exception.class, () -> serialization.findSerializerFor(message));
    assertInstanceOf(NotSerializableException.class, error);
  }

  @Test
  void wireMessagesAreBoundToTheJacksonCborSerializer() throws Exception {
    List<Object> messages = new ArrayList<>(List.of(
        new EngineOp.Keys(),
        EngineReply.done(0),
        Failure.of(FailureKind.INTERNAL, "x"),
        new EngineWorker.Cancel(1, 1),
        new EngineQueue.Completed(1, EngineReply.done(0)),
        new Controller.RegisterReply(0, null)));
    for (var message : messages) {
      var serializer = serialization.findSerializerFor(message);
      assertNotNull(serializer);
      assertTrue(serializer.getClass().getName().contains("Jackson"), serializer.toString());
      assertTrue(serializer.getClass().getSimpleName().contains("Cbor"),
          "jackson-cbor, not jackson-json: " + serializer.getClass().getName());
    }
    // every message above maps to the one serializer bound to WireMessage
    var bound = serialization.serializerFor(WireMessage.class);
    assertTrue(bound.getClass().getSimpleName().contains("JacksonCbor"), bound.toString());
    var ids = messages.stream()
        .map(m -> serialization.findSerializerFor(m).identifier())
        .distinct()
        .toList();
    assertEquals(List.of(bound.identifier()), ids, "one serializer for every wire message");
  }
}
