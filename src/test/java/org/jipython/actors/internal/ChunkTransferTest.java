package org.jipython.actors.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.EngineOp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Large messages cut into chunk views survive the chunk serializer and reassembly. */
class ChunkTransferTest {

  private static ActorTestKit testKit;
  private static Serialization serialization;

  @BeforeAll
  static void startTestKit() {
    var config = ConfigFactory.parseString("jipython.wire.max-message-bytes = 4 MiB")
        .withFallback(ConfigFactory.load());
    testKit = ActorTestKit.create("ChunkTransferTest", config);
    serialization = SerializationExtension.get(testKit.system().classicSystem());
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  /** The message serialized and cut, as Wire does, into views of {@code size} bytes. */
  private static List<Chunk> cut(Object message, int size) {
    var serializer = serialization.findSerializerFor(message);
    var manifest = Serializers.manifestFor(serializer, message);
    byte[] bytes = serialization.serialize(message).get();
    int count = (bytes.length + size - 1) / size;
    var chunks = new ArrayList<Chunk>();
    for (int i = 0; i < count; i++) {
      int from = i * size;
      chunks.add(new Chunk("t", i, count, bytes.length, serializer.identifier(), manifest, bytes,
          from, Math.min(size, bytes.length - from), 0L, null));
    }
    return chunks;
  }

  /** A chunk through the serializer Pekko picks for it, by byte buffer as Artery does. */
  private static Chunk overTheWire(Chunk chunk) {
    var serializer = serialization.findSerializerFor(chunk);
    assertInstanceOf(ChunkSerializer.class, serializer);
    var buffer = ByteBuffer.allocate(256 * 1024);
    ((ChunkSerializer) serializer).toBinary(chunk, buffer);
    buffer.flip();
    return (Chunk) ((ChunkSerializer) serializer).fromBinary(buffer,
        Serializers.manifestFor(serializer, chunk));
  }

  @Test
  void aChunkCarriesItsRequestIdAndWhereARefusalGoes() {
    var replyTo = testKit.createTestProbe(Object.class).ref();
    var answerable = overTheWire(new Chunk("t-1", 0, 3, 24, 33, "manifest", new byte[8], 0, 8,
        42L, replyTo));
    assertEquals(42L, answerable.requestId());
    assertEquals(replyTo, answerable.replyTo());
    assertEquals("manifest", answerable.manifest());

    var plain = overTheWire(new Chunk("t-2", 2, 3, 24, 33, "", new byte[8], 0, 8, 0L, null));
    assertEquals(0L, plain.requestId());
    assertEquals(null, plain.replyTo());
  }

  private static EngineOp.Push pushOf(int bytes) {
    var value = new byte[bytes];
    new Random(7).nextBytes(value);
    return new EngineOp.Push(Map.of("big", value));
  }

  @Test
  void aPushCutIntoChunkViewsComesBackWhole() {
    var push = pushOf(1_000_000);
    var reassembly = new Reassembly(testKit.system());
    Optional<Object> whole = Optional.empty();
    var chunks = cut(push, 100_000);
    for (var chunk : chunks) {
      assertTrue(whole.isEmpty(), "whole before the last chunk");
      whole = reassembly.accept(overTheWire(chunk));
    }
    assertEquals(11, chunks.size());
    var back = assertInstanceOf(EngineOp.Push.class, whole.orElseThrow());
    assertArrayEquals(push.values().get("big"), back.values().get("big"));
  }

  @Test
  void aChunkViewCarriesOnlyItsOwnBytes() {
    var data = new byte[] {0, 1, 2, 3, 4, 5, 6, 7};
    var back = overTheWire(new Chunk("t", 1, 3, 8, 1, "m", data, 3, 2, 0L, null));

    assertArrayEquals(new byte[] {3, 4}, Arrays.copyOfRange(back.data(), back.offset(),
        back.offset() + back.length()));
    assertEquals(1, back.index());
    assertEquals(3, back.count());
    assertEquals(8, back.totalBytes());
  }

  @Test
  void aChunkThatEndsEarlyIsRefused() {
    var serializer = (ChunkSerializer) serialization.findSerializerFor(
        new Chunk("t", 0, 1, 8, 1, "m", new byte[8], 0, 8, 0L, null));
    byte[] bytes = serializer.toBinary(
        new Chunk("t", 0, 1, 8, 1, "m", new byte[8], 0, 8, 0L, null));

    assertThrows(IllegalArgumentException.class,
        () -> serializer.fromBinary(Arrays.copyOf(bytes, bytes.length - 1), "C"));
  }

  @Test
  void aTransferThatClaimsMoreThanTheLimitIsRefused() {
    var reassembly = new Reassembly(testKit.system());

    assertThrows(IllegalArgumentException.class, () -> reassembly.accept(
        new Chunk("t", 0, 100, 5 << 20, 1, "m", new byte[10], 0, 10, 0L, null)));
  }

  @Test
  void chunksOutOfOrderOrBeyondTheirClaimAreRefused() {
    var reassembly = new Reassembly(testKit.system());
    var chunks = cut(pushOf(300_000), 100_000);

    reassembly.accept(chunks.get(0));
    assertThrows(IllegalArgumentException.class, () -> reassembly.accept(chunks.get(2)));
    var liar = chunks.get(0);
    assertThrows(IllegalArgumentException.class, () -> reassembly.accept(new Chunk("u", 0, 2,
        10, liar.serializerId(), liar.manifest(), liar.data(), 0, 11, 0L, null)));
  }
}
