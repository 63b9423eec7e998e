package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FurlTest {
  private static final String FINGERPRINT = "abcdefghijklmnopqrstuvwxyz234567";
  private final CapabilityToken token = CapabilityToken.random();

  @Test
  void aFurlSurvivesARoundTripThroughItsUrl() {
    var furl = new Furl(FINGERPRINT, "controller.example.org", 10105, Furl.MULTIENGINE, token);
    var url = furl.toUrl();

    assertEquals("jipython+tls://" + FINGERPRINT + "@controller.example.org:10105/multiengine/"
        + token.encoded(), url);
    assertEquals(furl, Furl.parse(url));
  }

  @Test
  void anIpv6HostIsWrittenInBracketsAndHeldWithout() {
    var furl = new Furl(FINGERPRINT, "::1", 10201, Furl.ENGINE, token);

    assertTrue(furl.toUrl().contains("@[::1]:10201/engine/"), furl.toUrl());
    var parsed = Furl.parse(furl.toUrl());
    assertEquals("::1", parsed.host());
    assertEquals(furl, parsed);
    assertEquals(furl, new Furl(FINGERPRINT, "[::1]", 10201, Furl.ENGINE, token));
  }

  @Test
  void anIpv4HostAndACustomInterfaceRoundTrip() {
    var furl = new Furl(FINGERPRINT, "192.168.1.20", 1, "my-interface2", token);

    assertEquals(furl, Furl.parse(furl.toUrl()));
    assertEquals(furl, Furl.parse("  " + furl.toUrl() + "\n"));
  }

  @Test
  void toStringRedactsTheToken() {
    var furl = new Furl(FINGERPRINT, "127.0.0.1", 10105, Furl.TASK, token);

    assertFalse(furl.toString().contains(token.encoded()), furl.toString());
    assertTrue(furl.toString().contains("127.0.0.1:10105/task/<redacted>"), furl.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "pb://abc@127.0.0.1:1/SECRET",
      "http://" + FINGERPRINT + "@127.0.0.1:1/task/SECRET",
      "jipython+tls://127.0.0.1:1/task/SECRET",
      "jipython+tls://short@127.0.0.1:1/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:0/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:65536/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:+80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@::1:80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@[::1]80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@[:]:80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@[a b]:80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@:80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:80/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:80/Task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:80/task/SECRET",
      "jipython+tls://" + FINGERPRINT + "@127.0.0.1:80/task/SECRET/extra",
  })
  void parseRejectsMalformedUrlsWithoutEchoingTheToken(String url) {
    var e = assertThrows(IllegalArgumentException.class, () -> Furl.parse(url));

    assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
    assertTrue(e.getMessage().contains("furl") || e.getMessage().contains("Foolscap"),
        e.getMessage());
  }

  @Test
  void parseNamesAFoolscapFurl() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> Furl.parse("pb://abcd@10.0.0.1:1234,127.0.0.1:1234/swissnum"));

    assertTrue(e.getMessage().contains("Foolscap"), e.getMessage());
  }

  @Test
  void aMalformedTokenIsRefusedWithoutShowingIt() {
    var almost = token.encoded().substring(1);
    var url = "jipython+tls://" + FINGERPRINT + "@127.0.0.1:80/task/" + almost;

    var e = assertThrows(IllegalArgumentException.class, () -> Furl.parse(url));
    assertTrue(e.getMessage().contains("capability token"), e.getMessage());
    assertFalse(e.getMessage().contains(almost.substring(0, 10)), e.getMessage());
  }
}
