package dev.vigil.schemas;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether anything listens at Kafka's bootstrap addresses, asked before a Kafka client is created:
 * a client retries a refused connection until its timeout, while a refused or unresolvable address
 * is known at once. It opens a TCP connection to each address and closes it; it says nothing about
 * whether the listener is a Kafka broker that accepts Vigil (the client's first call tells that).
 */
public final class BootstrapProbe {

  private BootstrapProbe() {}

  /**
   * Why no bootstrap address of {@code bootstrapServers} ({@code host:port,...}) accepts a TCP
   * connection within {@code timeout} in all, or {@code null} when one does.
   */
  public static String unreachable(String bootstrapServers, Duration timeout) {
    List<String> reasons = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (String a : bootstrapServers.split(",")) {
      if (!a.isBlank()) {
        addresses.add(a.strip());
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < addresses.size(); i++) {
      String address = addresses.get(i);
      int colon = address.lastIndexOf(':');
      if (colon <= 0 || colon == address.length() - 1) {
        return null; // not host:port: leave it to the client, which names the problem
      }
      String host = address.substring(0, colon).replace("[", "").replace("]", "");
      int port;
      try {
        port = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        return null;
      }
      long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000 / (addresses.size() - i));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, left));
        return null;
      } catch (UnknownHostException e) {
        reasons.add(address + ": unknown host");
      } catch (ConnectException e) {
        reasons.add(address + ": connection refused, nothing listens there");
      } catch (SocketTimeoutException e) {
        reasons.add(address + ": no answer within " + Math.max(1, left / 1000) + " s");
      } catch (IOException | IllegalArgumentException e) {
        reasons.add(address + ": " + e.getMessage());
      }
    }
    return reasons.isEmpty() ? null : String.join("; ", reasons);
  }
}
