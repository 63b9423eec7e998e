package org.jipython.runtime.security;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * An unguessable capability: 256 random bits. Whoever can present the token holds the authority
 * it names (join as an engine, use the MultiEngine or the Task interface).
 *
 * <p>The text form is unpadded base64url, 43 characters. {@link #toString()} never shows it; use
 * {@link #encoded()} only where the secret is meant to go (a furl file, a request).
 */
public final class CapabilityToken {
  /** Length of a token in bytes (256 bits). */
  public static final int BYTES = 32;

  /** Length of the encoded form: 256 bits in base64 without padding. */
  public static final int ENCODED_LENGTH = 43;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final byte[] bytes;

  private CapabilityToken(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A new token from the platform's strong random source. */
  public static CapabilityToken random() {
    var bytes = new byte[BYTES];
    RANDOM.nextBytes(bytes);
    return new CapabilityToken(bytes);
  }

  /**
   * Reads the encoded form written by {@link #encoded()}.
   *
   * @throws IllegalArgumentException if {@code encoded} is not exactly that form; the message never
   *     repeats the input, which may be a secret with a typo in it
   */
  public static CapabilityToken parse(String encoded) {
    if (encoded == null) {
      throw new IllegalArgumentException("capability token is missing");
    }
    var bytes = decodeOrNull(encoded);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "capability token is malformed: expected the " + ENCODED_LENGTH
              + " base64url characters (A-Z a-z 0-9 - _, no padding) that the controller writes");
    }
    return new CapabilityToken(bytes);
  }

  /** The secret itself, as 43 base64url characters. Never log it. */
  public String encoded() {
    return ENCODER.encodeToString(bytes);
  }

  /**
   * Whether {@code candidate} is the encoded form of this token. The comparison takes the same time
   * wherever the first difference is, so a remote caller cannot find the token byte by byte. A
   * missing or malformed candidate is simply not a match.
   */
  public boolean matches(String candidate) {
    var other = candidate == null ? null : decodeOrNull(candidate);
    var wellFormed = other != null;
    // Still compare against something of the right length, so a malformed candidate costs the
    // same as a wrong one.
    var equal = MessageDigest.isEqual(bytes, wellFormed ? other : new byte[BYTES]);
    return wellFormed & equal;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CapabilityToken other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Always {@code CapabilityToken[redacted]}: a token must not reach a log by accident. */
  @Override
  public String toString() {
    return "CapabilityToken[redacted]";
  }

  private static byte[] decodeOrNull(String encoded) {
    if (encoded.length() != ENCODED_LENGTH) {
      return null;
    }
    byte[] decoded;
    try {
      decoded = DECODER.decode(encoded);
    } catch (IllegalArgumentException e) {
      return null;
    }
    // The JDK decoder ignores stray bits in the last character; several strings would then name
    // one token. Accept only the form the encoder writes, so parse(s).encoded() gives back s.
    if (decoded.length != BYTES || !ENCODER.encodeToString(decoded).equals(encoded)) {
      return null;
    }
    return decoded;
  }
}
