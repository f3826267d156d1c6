package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The TCP probe that tells at once that nothing listens at Kafka's bootstrap addresses. */
class BootstrapProbeTest {

  @Test
  void aListeningAddressIsReachableAndARefusedOneIsNamed() throws Exception {
    int closed;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = gone.getLocalPort();
    }
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String open = "127.0.0.1:" + listening.getLocalPort();
      assertNull(BootstrapProbe.unreachable(open, Duration.ofSeconds(5)));
      assertNull(
          BootstrapProbe.unreachable("127.0.0.1:" + closed + ", " + open, Duration.ofSeconds(5)),
          "one address that answers is enough");
    }
    assertEquals(
        "127.0.0.1:" + closed + ": connection refused, nothing listens there",
        BootstrapProbe.unreachable("127.0.0.1:" + closed, Duration.ofSeconds(5)));
  }

  @Test
  void whatIsNotHostAndPortIsLeftToTheClient() {
    assertNull(BootstrapProbe.unreachable("localhost", Duration.ofSeconds(1)));
    assertNull(BootstrapProbe.unreachable("localhost:http", Duration.ofSeconds(1)));
  }
}
