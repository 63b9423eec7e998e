package org.jipython.runtime.security;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The URL that opens a furl file: where the controller listens, which interface to use, and the
 * capability that grants it.
 *
 * <pre>{@code jipython+tls://<fingerprint>@<host>:<port>/<interface>/<token>}</pre>
 *
 * <p>The fingerprint names the port's {@link TlsIdentity}; the interface is {@code engine},
 * {@code multiengine}, {@code task} or a custom one. An IPv6 host is written in brackets in the URL
 * and held without them in {@link #host()}. {@link #toString()} hides the token; {@link #toUrl()}
 * does not.
 *
 * @param fingerprint the port identity's {@link TlsIdentity#fingerprint()}
 * @param host a host name or IP address, IPv6 without brackets
 * @param port the TCP port, 1 to 65535
 * @param interfaceName the interface the token is for: {@code [a-z][a-z0-9-]*}
 * @param token the capability
 */
public record Furl(
    String fingerprint, String host, int port, String interfaceName, CapabilityToken token) {
  /** The URL scheme of every jipython furl. */
  public static final String SCHEME = "jipython+tls";

  /** Interface name of the engine port: registration of engines. */
  public static final String ENGINE = "engine";

  /** Interface name of the MultiEngine interface on the client port. */
  public static final String MULTIENGINE = "multiengine";

  /** Interface name of the Task interface on the client port. */
  public static final String TASK = "task";

  private static final String PREFIX = SCHEME + "://";
  private static final String FORM =
      PREFIX + "<fingerprint>@<host>:<port>/<interface>/<token>";
  private static final Pattern FINGERPRINT = Pattern.compile("[a-z2-7]{32}");
  private static final Pattern INTERFACE = Pattern.compile("[a-z][a-z0-9-]*");
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
  // At least two colons, an optional zone: loose, but it keeps '/', '@' and spaces out.
  private static final Pattern IPV6 =
      Pattern.compile("[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");

  /** Checks every part; an IPv6 host given in brackets loses them. */
  public Furl {
    if (fingerprint == null || !FINGERPRINT.matcher(fingerprint).matches()) {
      throw new IllegalArgumentException(
          "furl fingerprint must be 32 lowercase base32 characters (a-z, 2-7)");
    }
    Objects.requireNonNull(host, "host");
    if (host.length() > 2 && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "furl host must be a host name, an IPv4 address or an IPv6 address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("furl port must be in 1..65535, not " + port);
    }
    if (interfaceName == null || !INTERFACE.matcher(interfaceName).matches()) {
      throw new IllegalArgumentException(
          "furl interface must be lowercase letters, digits and '-', starting with a letter"
              + " (engine, multiengine, task)");
    }
    Objects.requireNonNull(token, "token");
  }

  /**
   * Reads a furl URL.
   *
   * @throws IllegalArgumentException naming the part that is wrong; the message never repeats the
   *     input, which holds a secret
   */
  public static Furl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("furl is empty; expected " + FORM);
    }
    var text = url.strip();
    if (!text.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      var lower = text.toLowerCase(Locale.ROOT);
      if (lower.startsWith("pb://") || lower.startsWith("pbu://")) {
        throw new IllegalArgumentException(
            "this is a Foolscap furl from IPython, not a jipython one; expected " + FORM);
      }
      throw new IllegalArgumentException("not a jipython furl; expected " + FORM);
    }
    var rest = text.substring(PREFIX.length());
    var at = rest.indexOf('@');
    if (at < 0) {
      throw new IllegalArgumentException("furl has no '<fingerprint>@' part; expected " + FORM);
    }
    var fingerprint = rest.substring(0, at);
    var afterAt = rest.substring(at + 1);
    var slash = afterAt.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException(
          "furl has no '/<interface>/<token>' part; expected " + FORM);
    }
    var authority = afterAt.substring(0, slash);
    var path = afterAt.substring(slash + 1);

    String host;
    String portText;
    if (authority.startsWith("[")) {
      var close = authority.indexOf(']');
      if (close < 0 || close + 1 >= authority.length() || authority.charAt(close + 1) != ':') {
        throw new IllegalArgumentException(
            "furl IPv6 host must be written [address]:port; expected " + FORM);
      }
      host = authority.substring(1, close);
      portText = authority.substring(close + 2);
    } else {
      var colon = authority.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "furl has no ':<port>' after the host; expected " + FORM);
      }
      host = authority.substring(0, colon);
      portText = authority.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("furl IPv6 host must be in brackets, as in [::1]:port");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("furl host is empty; expected " + FORM);
    }
    var port = parsePort(portText);

    var secondSlash = path.indexOf('/');
    if (secondSlash < 0) {
      throw new IllegalArgumentException(
          "furl has no '/<token>' after the interface; expected " + FORM);
    }
    var interfaceName = path.substring(0, secondSlash);
    var tokenText = path.substring(secondSlash + 1);
    CapabilityToken token;
    try {
      token = CapabilityToken.parse(tokenText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("furl " + e.getMessage(), e);
    }
    return new Furl(fingerprint, host, port, interfaceName, token);
  }

  /** The full URL, token included: this is the secret. Never log it. */
  public String toUrl() {
    return PREFIX + fingerprint + "@" + hostForUrl() + ":" + port + "/" + interfaceName + "/"
        + token.encoded();
  }

  /** The URL with the token replaced by {@code <redacted>}, safe to log. */
  @Override
  public String toString() {
    return "Furl[" + PREFIX + fingerprint + "@" + hostForUrl() + ":" + port + "/" + interfaceName
        + "/<redacted>]";
  }

  private String hostForUrl() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  private static int parsePort(String text) {
    // Digits only: Integer.parseInt would also take a sign.
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("furl port must be a number in 1..65535");
    }
    return Integer.parseInt(text);
  }
}
