package org.jipython.launcher;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;

/**
 * Which address a listening controller writes into its furl files. An {@code --ip} of
 * {@code 0.0.0.0} listens on every interface, but a furl file needs one address other hosts can
 * reach: as in the original, that is the address of the interface that carries the default route.
 */
public final class HostAddresses {
  private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "*", "::", "[::]", "");
  /** A documentation address (RFC 5737): connecting a UDP socket to it sends nothing. */
  private static final String ROUTE_PROBE = "192.0.2.1";

  private HostAddresses() {}

  /** Whether {@code ip} means every interface. */
  public static boolean isWildcard(String ip) {
    return WILDCARDS.contains(ip.trim());
  }

  /** The address to bind: the wildcard spelled as Java binds it, anything else unchanged. */
  public static String bindAddress(String ip) {
    if (ip.trim().equals("::") || ip.trim().equals("[::]")) {
      return "::";
    }
    return isWildcard(ip) ? "0.0.0.0" : ip.trim();
  }

  /**
   * The address to advertise for a listen address: the default-route interface's address for a
   * wildcard, {@code 127.0.0.1} for {@code localhost}, else the address itself.
   */
  public static String advertised(String ip) {
    if (isWildcard(ip)) {
      return defaultRouteAddress();
    }
    return ip.trim().equals("localhost") ? "127.0.0.1" : ip.trim();
  }

  /**
   * The IPv4 address of the interface that carries the default route; without a default route,
   * the first non-loopback IPv4 address of an interface that is up; else {@code 127.0.0.1}.
   */
  public static String defaultRouteAddress() {
    return fromRouteTable()
        .or(HostAddresses::fromRouteProbe)
        .or(HostAddresses::firstNonLoopback)
        .orElse("127.0.0.1");
  }

  /**
   * The interface named by the default route of a Linux {@code /proc/net/route} table (the one
   * with destination and mask 0 and the lowest metric), or empty.
   */
  public static Optional<String> defaultRouteInterface(String procNetRoute) {
    String best = null;
    long bestMetric = Long.MAX_VALUE;
    for (var line : procNetRoute.split("\n")) {
      var fields = line.trim().split("\\s+");
      // Iface Destination Gateway Flags RefCnt Use Metric Mask ...
      if (fields.length < 8 || fields[0].equals("Iface")) {
        continue;
      }
      if (!fields[1].equals("00000000") || !fields[7].equals("00000000")) {
        continue;
      }
      long metric;
      try {
        metric = Long.parseLong(fields[6]);
      } catch (NumberFormatException e) {
        continue;
      }
      if (metric < bestMetric) {
        best = fields[0];
        bestMetric = metric;
      }
    }
    return Optional.ofNullable(best);
  }

  private static Optional<String> fromRouteTable() {
    try {
      var table = Path.of("/proc/net/route");
      if (!Files.isReadable(table)) {
        return Optional.empty();
      }
      return defaultRouteInterface(Files.readString(table)).flatMap(HostAddresses::ipv4Of);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> ipv4Of(String interfaceName) {
    try {
      var nic = NetworkInterface.getByName(interfaceName);
      if (nic == null) {
        return Optional.empty();
      }
      return Collections.list(nic.getInetAddresses()).stream()
          .filter(a -> a instanceof Inet4Address)
          .map(InetAddress::getHostAddress)
          .findFirst();
    } catch (SocketException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> fromRouteProbe() {
    try (var socket = new DatagramSocket()) {
      socket.connect(new InetSocketAddress(InetAddress.getByName(ROUTE_PROBE), 9));
      var local = socket.getLocalAddress();
      if (local == null || local.isAnyLocalAddress() || local.isLoopbackAddress()) {
        return Optional.empty();
      }
      return Optional.of(local.getHostAddress());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> firstNonLoopback() {
    try {
      for (var nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (var address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    } catch (SocketException e) {
      // no interfaces to look at
    }
    return Optional.empty();
  }
}
