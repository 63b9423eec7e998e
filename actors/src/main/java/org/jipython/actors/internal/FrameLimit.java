package org.jipython.actors.internal;

import java.nio.ByteBuffer;

/**
 * Follows Artery's TCP framing in the plaintext a peer sends to one inbound connection, and
 * says when a frame is larger than this side accepts. The stream starts with a 4-byte magic and
 * a stream id byte; then each frame is a 4-byte little-endian length and that many bytes. Not
 * thread-safe: one per connection.
 */
final class FrameLimit {
  /** Artery's stream id of the large-message stream. */
  private static final int LARGE_STREAM_ID = 3;
  private static final int CONNECTION_HEADER = 5;

  private final long maxFrame;
  private final long maxLargeFrame;
  private long headerLeft = CONNECTION_HEADER;
  private int streamId = -1;
  private int lengthBytesRead;
  private long length;
  private long frameLeft;

  FrameLimit(long maxFrame, long maxLargeFrame) {
    this.maxFrame = maxFrame;
    this.maxLargeFrame = maxLargeFrame;
  }

  /**
   * Reads the bytes {@code from} to {@code to} of {@code buffer} (absolute positions; the buffer
   * is not changed); returns why the connection must close, or null.
   */
  String read(ByteBuffer buffer, int from, int to) {
    int i = from;
    while (i < to) {
      if (headerLeft > 0) {
        int b = buffer.get(i++) & 0xff;
        headerLeft--;
        if (headerLeft == 0) {
          streamId = b;
        }
      } else if (frameLeft > 0) {
        long skip = Math.min(frameLeft, to - i);
        i += (int) skip;
        frameLeft -= skip;
      } else {
        length |= (long) (buffer.get(i++) & 0xff) << (8 * lengthBytesRead);
        lengthBytesRead++;
        if (lengthBytesRead == 4) {
          long max = streamId == LARGE_STREAM_ID ? maxLargeFrame : maxFrame;
          if (length > max) {
            return "the peer sent a frame of " + length + " bytes, over the limit of " + max
                + " (pekko.remote.artery.advanced.maximum-"
                + (streamId == LARGE_STREAM_ID ? "large-" : "") + "frame-size)";
          }
          frameLeft = length;
          length = 0;
          lengthBytesRead = 0;
        }
      }
    }
    return null;
  }
}
