package org.jipython.actors.internal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jipython.runtime.error.FailureKind;
import org.jipython.runtime.error.JipythonException;

/** Address helpers for nodes that must be reachable by the controller. */
public final class Net {
  private Net() {}

  /**
   * The local address the controller at {@code host} can reach this process at: the address of
   * the interface that routes towards it (loopback for a local controller). No packet is sent.
   */
  public static String localAddressFor(String host) {
    try {
      var target = InetAddress.getByName(host);
      if (target.isLoopbackAddress()) {
        return target.getHostAddress();
      }
      try (var socket = new DatagramSocket()) {
        socket.connect(new InetSocketAddress(target, 9));
        return socket.getLocalAddress().getHostAddress();
      }
    } catch (IOException e) {
      throw new JipythonException(FailureKind.CONNECTION,
          "cannot find a local address that reaches " + host + ": " + e.getMessage(), e);
    }
  }
}
