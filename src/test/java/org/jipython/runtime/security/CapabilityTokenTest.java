package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CapabilityTokenTest {

  @Test
  void aTokenSurvivesItsEncodedFormUnchanged() {
    var token = CapabilityToken.random();
    var encoded = token.encoded();

    assertEquals(CapabilityToken.ENCODED_LENGTH, encoded.length());
    assertTrue(encoded.matches("[A-Za-z0-9_-]{43}"), "base64url without padding");
    var parsed = CapabilityToken.parse(encoded);
    assertEquals(token, parsed);
    assertEquals(token.hashCode(), parsed.hashCode());
    assertEquals(encoded, parsed.encoded());
  }

  @Test
  void twoRandomTokensDiffer() {
    assertNotEquals(CapabilityToken.random(), CapabilityToken.random());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA", // 46 characters: too long
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3", // 42 characters: too short
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3+", // '+' is plain base64, not base64url
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3=", // padding
      "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3B", // stray bits in the last character
      " c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3", // whitespace
  })
  void parseRejectsMalformedInputWithoutEchoingIt(String malformed) {
    var e = assertThrows(IllegalArgumentException.class, () -> CapabilityToken.parse(malformed));

    assertTrue(e.getMessage().contains("capability token"), e.getMessage());
    if (!malformed.isEmpty()) {
      assertFalse(e.getMessage().contains(malformed.strip()), "message echoes the input");
      assertFalse(e.getMessage().contains("c2VjcmV0"), "message echoes part of the input");
    }
  }

  @Test
  void parseRejectsAMissingToken() {
    var e = assertThrows(IllegalArgumentException.class, () -> CapabilityToken.parse(null));
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void matchesIsTrueOnlyForTheSameToken() {
    var token = CapabilityToken.random();
    var encoded = token.encoded();
    var lastCharChanged =
        encoded.substring(0, 42) + (encoded.charAt(42) == 'A' ? 'Q' : 'A');
    var firstCharChanged = (encoded.charAt(0) == 'A' ? 'B' : 'A') + encoded.substring(1);

    assertTrue(token.matches(encoded));
    assertTrue(token.matches(CapabilityToken.parse(encoded).encoded()));
    assertFalse(token.matches(CapabilityToken.random().encoded()));
    assertFalse(token.matches(lastCharChanged));
    assertFalse(token.matches(firstCharChanged));
  }

  @Test
  void matchesIsFalseForAMissingOrMalformedCandidate() {
    var token = CapabilityToken.random();
    var encoded = token.encoded();

    assertFalse(token.matches(null));
    assertFalse(token.matches(""));
    assertFalse(token.matches(encoded + "A"));
    assertFalse(token.matches(encoded.substring(1)));
    assertFalse(token.matches(encoded + "="));
    assertFalse(token.matches("%" + encoded.substring(1)));
  }

  @Test
  void toStringRedactsTheSecret() {
    var token = CapabilityToken.random();

    assertEquals("CapabilityToken[redacted]", token.toString());
    assertFalse(token.toString().contains(token.encoded()));
  }
}
