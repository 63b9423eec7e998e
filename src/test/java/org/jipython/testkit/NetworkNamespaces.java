package org.jipython.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Hosts on one LAN, made of Linux network namespaces: each host is a namespace with one
 * interface {@code eth0} and its own address, plugged into a bridge that lives in a namespace of
 * its own. Nothing is added to the machine's own namespace, and {@link #close()} deletes every
 * namespace it made (their interfaces go with them). Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).
 */
public final class NetworkNamespaces implements AutoCloseable {
  private final String prefix;
  private final List<String> created = new ArrayList<>();
  private final Map<String, String> addresses = new LinkedHashMap<>();

  private NetworkNamespaces(String prefix) {
    this.prefix = prefix;
  }

  /** Why namespaces cannot be made here, or empty when they can (a probe is made and deleted). */
  public static Optional<String> unavailable() {
    var probe = "jipy-probe-" + ProcessHandle.current().pid();
    try {
      var add = run(List.of("ip", "netns", "add", probe));
      if (add.exit() != 0) {
        return Optional.of("'ip netns add' failed (exit " + add.exit() + "): " + add.output()
            .trim() + " (needs root with CAP_SYS_ADMIN)");
      }
      run(List.of("ip", "netns", "del", probe));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot run 'ip' (install iproute2): " + e.getMessage());
    }
  }

  /**
   * Makes one namespace per host, named {@code <prefix>-<host>}, with {@code eth0} at the given
   * address (/24) and a default route through it, all on one bridge.
   *
   * @param hosts host name to IPv4 address, in order
   */
  public static NetworkNamespaces lan(String prefix, Map<String, String> hosts)
      throws IOException {
    var lan = new NetworkNamespaces(prefix);
    try {
      var bridge = lan.add("br");
      lan.ip(bridge, "link", "add", "br0", "type", "bridge");
      lan.ip(bridge, "link", "set", "br0", "up");
      int port = 0;
      for (var host : hosts.entrySet()) {
        var ns = lan.add(host.getKey());
        var veth = "p" + port++;
        lan.ip(bridge, "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        lan.ip(bridge, "link", "set", veth, "master", "br0", "up");
        lan.ip(ns, "link", "set", "lo", "up");
        lan.ip(ns, "addr", "add", host.getValue() + "/24", "dev", "eth0");
        lan.ip(ns, "link", "set", "eth0", "up");
        lan.ip(ns, "route", "add", "default", "dev", "eth0");
        lan.addresses.put(host.getKey(), host.getValue());
      }
      return lan;
    } catch (IOException | RuntimeException e) {
      try {
        lan.close();
      } catch (IllegalStateException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /** The namespace name of a host. */
  public String namespace(String host) {
    return prefix + "-" + host;
  }

  public String address(String host) {
    return addresses.get(host);
  }

  /** {@code command} prefixed so that it runs inside the host's namespace. */
  public List<String> exec(String host, List<String> command) {
    var full = new ArrayList<>(List.of("ip", "netns", "exec", namespace(host)));
    full.addAll(command);
    return full;
  }

  private String add(String host) throws IOException {
    var ns = namespace(host);
    check(List.of("ip", "netns", "add", ns));
    created.add(ns);
    return ns;
  }

  private void ip(String ns, String... args) throws IOException {
    var command = new ArrayList<>(List.of("ip", "-n", ns));
    command.addAll(List.of(args));
    check(command);
  }

  private static void check(List<String> command) throws IOException {
    var result = run(command);
    if (result.exit() != 0) {
      throw new IOException(String.join(" ", command) + " failed (exit " + result.exit() + "): "
          + result.output().trim());
    }
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command) throws IOException {
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    try {
      var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
      return new Result(process.exitValue(), output);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }

  /** Deletes every namespace made, bridge last; reports what could not be deleted. */
  @Override
  public void close() {
    var failures = new ArrayList<String>();
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        var result = run(List.of("ip", "netns", "del", created.get(i)));
        if (result.exit() != 0) {
          failures.add(created.get(i) + ": " + result.output().trim());
        }
      } catch (IOException e) {
        failures.add(created.get(i) + ": " + e.getMessage());
      }
    }
    created.clear();
    if (!failures.isEmpty()) {
      throw new IllegalStateException("could not delete network namespaces: " + failures);
    }
  }
}
