package org.jipython.actors.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Artery's TCP framing read from the plaintext of an inbound connection, in any slicing. */
class FrameLimitTest {
  private static final int ORDINARY = 2;
  private static final int LARGE = 3;

  private static byte[] stream(int streamId, int... frameLengths) {
    var out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'P', 'E', 'K', 'K', (byte) streamId});
    for (int length : frameLengths) {
      out.writeBytes(new byte[] {(byte) length, (byte) (length >> 8), (byte) (length >> 16),
          (byte) (length >>> 24)});
      out.writeBytes(new byte[Math.max(0, length)]);
    }
    return out.toByteArray();
  }

  /** Feeds {@code bytes} in slices of {@code slice}; returns the first problem or null. */
  private static String feed(FrameLimit limit, byte[] bytes, int slice) {
    for (int from = 0; from < bytes.length; from += slice) {
      int to = Math.min(bytes.length, from + slice);
      // a buffer with other bytes before and after: only from..to belongs to the stream
      var buffer = ByteBuffer.allocate(bytes.length + 20);
      buffer.position(10 + from);
      buffer.put(bytes, from, to - from);
      var problem = limit.read(buffer, 10 + from, 10 + to);
      if (problem != null) {
        return problem;
      }
    }
    return null;
  }

  @Test
  void framesWithinTheLimitPassInAnySlicing() {
    var bytes = stream(ORDINARY, 100, 1000, 1024, 0, 7);
    for (int slice : new int[] {1, 3, 4, 5, 7, 1024, bytes.length}) {
      assertNull(feed(new FrameLimit(1024, 4096), bytes, slice), "slice " + slice);
    }
  }

  @Test
  void aFrameOverTheLimitIsReportedWhereverItsHeaderIsCut() {
    var bytes = stream(ORDINARY, 100, 1025);
    for (int slice : new int[] {1, 2, 3, 5, 8, bytes.length}) {
      var problem = feed(new FrameLimit(1024, 4096), bytes, slice);
      assertNotNull(problem, "slice " + slice);
      assertTrue(problem.contains("1025 bytes") && problem.contains("maximum-frame-size"),
          problem);
    }
  }

  @Test
  void theLargeStreamHasItsOwnLimit() {
    assertNull(feed(new FrameLimit(1024, 4096), stream(LARGE, 4096), 100));
    var problem = feed(new FrameLimit(1024, 4096), stream(LARGE, 4097), 100);
    assertNotNull(problem);
    assertTrue(problem.contains("maximum-large-frame-size"), problem);
  }

  @Test
  void aNegativeLengthIsOverTheLimit() {
    var bytes = stream(ORDINARY);
    var withHeader = ByteBuffer.allocate(bytes.length + 4).put(bytes)
        .put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}).array();
    assertNotNull(feed(new FrameLimit(1024, 4096), withHeader, 3));
  }
}
