package org.jipython.actors.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization$;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.actors.protocol.Chunk;
import org.jipython.actors.protocol.EngineOp;
import org.jipython.runtime.error.FailureKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Inbound chunked transfers: whole ones come back, oversized and malformed ones are refused. */
class ReassemblyTest {
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("ReassemblyTest", ConfigFactory.parseString(
        "jipython.wire.max-message-bytes = 64 KiB").withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static List<Chunk> chunks(Object message, int chunkBytes) {
    var serialization = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = serialization.findSerializerFor(message);
    // actor refs inside serialize with the system's address, as the Wire does it
    scala.Function0<byte[]> toBinary = () -> serializer.toBinary(message);
    byte[] bytes = Serialization$.MODULE$.withTransportInformation(
        (ExtendedActorSystem) testKit.system().classicSystem(), toBinary);
    var manifest = Serializers.manifestFor(serializer, message);
    int count = (bytes.length + chunkBytes - 1) / chunkBytes;
    var out = new ArrayList<Chunk>();
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      out.add(new Chunk("t", i, count, bytes.length, serializer.identifier(), manifest, bytes,
          from, Math.min(chunkBytes, bytes.length - from), 7L, null));
    }
    return out;
  }

  private static MultiEngineAdapter.Request request(int sourceChars) {
    return new MultiEngineAdapter.Request("token", 7L, null,
        new EngineOp.Execute("x = '" + "a".repeat(sourceChars) + "'"), false,
        testKit.createTestProbe(MultiEngineAdapter.Reply.class).ref());
  }

  @Test
  void aWholeTransferComesBack() {
    var message = request(40_000);
    var reassembly = new Reassembly(testKit.system());
    Object whole = null;
    for (var chunk : chunks(message, 8192)) {
      var result = reassembly.accept(chunk);
      if (result.isPresent()) {
        whole = result.get();
      }
    }
    assertEquals(message, whole);
  }

  @Test
  void aTransferOverTheLimitIsRefusedOnceAndTheRestIgnored() {
    var reassembly = new Reassembly(testKit.system());
    var parts = chunks(request(100_000), 8192);
    // its first chunk already claims more than 64 KiB
    var refused = assertThrows(Reassembly.Refused.class, () -> reassembly.accept(parts.get(0)));
    assertEquals(FailureKind.MESSAGE_TOO_LARGE, refused.kind());
    assertTrue(refused.getMessage().contains("jipython.wire.max-message-bytes"));
    for (var chunk : parts.subList(1, parts.size())) {
      assertTrue(reassembly.accept(chunk).isEmpty());
    }
  }

  @Test
  void aTransferThatLiesAboutItsSizeIsRefusedWhenItGrowsOver() {
    var reassembly = new Reassembly(testKit.system());
    var data = new byte[8192];
    var refused = assertThrows(Reassembly.Refused.class, () -> {
      for (int i = 0; i < 100; i++) {
        reassembly.accept(new Chunk("liar", i, 2, 16384, 33, "m", data, 0, data.length, 0L,
            null));
      }
    });
    // two chunks complete the claimed 16 KiB, which are no message
    assertEquals(FailureKind.PROTOCOL, refused.kind());

    // each chunk and the claimed size look fine, the bytes together do not
    assertTrue(reassembly.accept(new Chunk("grower", 0, 2, 16384, 33, "m", new byte[8192], 0,
        8192, 0L, null)).isEmpty());
    var grows = assertThrows(Reassembly.Refused.class, () -> reassembly.accept(
        new Chunk("grower", 1, 2, 16384, 33, "m", new byte[60_000], 0, 60_000, 0L, null)));
    assertTrue(grows.getMessage().contains("grew over"), grows.getMessage());
    assertEquals(FailureKind.PROTOCOL, grows.kind());
  }

  @Test
  void chunksOutOfOrderAreRefused() {
    var reassembly = new Reassembly(testKit.system());
    var parts = chunks(request(40_000), 8192);
    reassembly.accept(parts.get(0));
    var refused = assertThrows(Reassembly.Refused.class, () -> reassembly.accept(parts.get(2)));
    assertEquals(FailureKind.PROTOCOL, refused.kind());
  }

  @Test
  void aChunkedMessageThatIsNotAWireMessageIsRefused() {
    var reassembly = new Reassembly(testKit.system());
    var serialization = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = serialization.findSerializerFor("a string");
    var bytes = serializer.toBinary("a string");
    var refused = assertThrows(Reassembly.Refused.class, () -> reassembly.accept(new Chunk("s",
        0, 1, bytes.length, serializer.identifier(), "", bytes, 0, bytes.length, 0L, null)));
    assertEquals(FailureKind.PROTOCOL, refused.kind());
  }
}
