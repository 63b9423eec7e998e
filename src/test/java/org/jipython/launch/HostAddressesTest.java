package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.jipython.launcher.HostAddresses;
import org.junit.jupiter.api.Test;

/** What a controller listening on an address writes into its furl files. */
class HostAddressesTest {
  private static final String ROUTES = """
      Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
      eth1	00000000	0100A8C0	0003	0	0	600	00000000	0	0	0
      eth0	0000A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
      wlan0	00000000	0101A8C0	0003	0	0	100	00000000	0	0	0
      """;

  @Test
  void theDefaultRouteWithTheLowestMetricNamesTheInterface() {
    assertEquals(Optional.of("wlan0"), HostAddresses.defaultRouteInterface(ROUTES));
  }

  @Test
  void aTableWithoutADefaultRouteNamesNoInterface() {
    var noDefault = """
        Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
        eth0	0000A8C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
        """;
    assertEquals(Optional.empty(), HostAddresses.defaultRouteInterface(noDefault));
    assertEquals(Optional.empty(), HostAddresses.defaultRouteInterface(""));
  }

  @Test
  void everyInterfaceIsAdvertisedAsARealAddressAndAnAddressAsItself() {
    assertTrue(HostAddresses.isWildcard("0.0.0.0"));
    assertTrue(HostAddresses.isWildcard("*"));
    assertFalse(HostAddresses.isWildcard("127.0.0.1"));
    assertEquals("0.0.0.0", HostAddresses.bindAddress("*"));
    assertEquals("10.1.2.3", HostAddresses.advertised("10.1.2.3"));
    assertEquals("127.0.0.1", HostAddresses.advertised("localhost"));
    var advertised = HostAddresses.advertised("0.0.0.0");
    assertFalse(HostAddresses.isWildcard(advertised), advertised);
    assertEquals(HostAddresses.defaultRouteAddress(), advertised);
  }
}
