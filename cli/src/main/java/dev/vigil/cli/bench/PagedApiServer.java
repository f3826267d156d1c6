package dev.vigil.cli.bench;

import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.ByteArrayOutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A dispatcher for fabric8's {@code KubernetesMockServer} that answers an informer as a
 * kube-apiserver does, from objects serialised once: a list of all namespaces in pages that honour
 * {@code limit} and {@code continue} (with {@code remainingItemCount}), and watches (WebSocket, as
 * fabric8 opens them) that stay open and deliver the changes made after the {@code resourceVersion}
 * they ask for.
 *
 * <p>Each collection has its objects and a few changes; the changes happen when the first watch of
 * the collection opens (after the informer has listed everything), each with the next resource
 * version, and from then on a list returns the changed objects. The CRUD mode of the mock server
 * keeps objects in attribute maps that every request scans, so filling it takes time that grows
 * with what it holds, and it ignores {@code limit}; this one serves 100,000 pods in seconds.
 */
final class PagedApiServer extends Dispatcher {

  /** A change: the object at {@code index} becomes {@code json}. */
  record Change(int index, byte[] json) {}

  /** A list of all namespaces, e.g. {@code /api/v1/pods} with list kind {@code PodList}. */
  static final class Collection {
    private final String path;
    private final String apiVersion;
    private final String listKind;
    private final byte[][] items;
    private final List<Change> pending;
    private final List<String> delivered = new ArrayList<>();
    private final AtomicLong pages = new AtomicLong();
    private final AtomicLong watches = new AtomicLong();
    private long resourceVersion;
    private final long firstChangeVersion;

    /**
     * @param items the objects as JSON, each with a {@code resourceVersion} below {@code
     *     resourceVersion}
     * @param resourceVersion the version of the list
     * @param changes made when the first watch opens, with versions {@code resourceVersion + 1},
     *     {@code + 2}, ... (their JSON must carry them)
     */
    Collection(
        String path,
        String apiVersion,
        String listKind,
        List<byte[]> items,
        long resourceVersion,
        List<Change> changes) {
      this.path = path;
      this.apiVersion = apiVersion;
      this.listKind = listKind;
      this.items = items.toArray(new byte[0][]);
      this.resourceVersion = resourceVersion;
      this.firstChangeVersion = resourceVersion + 1;
      this.pending = new ArrayList<>(changes);
    }

    /** List pages served so far. */
    long pages() {
      return pages.get();
    }

    /** Watches opened so far. */
    long watches() {
      return watches.get();
    }

    /** The objects served. */
    int size() {
      return items.length;
    }

    private synchronized MockResponse list(Map<String, String> query) {
      int start = 0;
      long limit;
      String token = query.get("continue");
      try {
        if (token != null && !token.isEmpty()) {
          start = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), UTF8));
        }
        limit = Long.parseLong(query.getOrDefault("limit", "0"));
      } catch (IllegalArgumentException e) { // NumberFormatException too
        return status(400, "BadRequest", "invalid continue token or limit");
      }
      if (start < 0 || start > items.length) {
        return status(400, "BadRequest", "invalid continue token");
      }
      int end = limit <= 0 ? items.length : (int) Math.min(items.length, start + limit);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      write(
          out,
          "{\"apiVersion\":\""
              + apiVersion
              + "\",\"kind\":\""
              + listKind
              + "\",\"metadata\":{\"resourceVersion\":\""
              + resourceVersion
              + "\"");
      if (end < items.length) {
        write(
            out,
            ",\"continue\":\""
                + Base64.getUrlEncoder().encodeToString(Integer.toString(end).getBytes(UTF8))
                + "\",\"remainingItemCount\":"
                + (items.length - end));
      }
      write(out, "},\"items\":[");
      for (int i = start; i < end; i++) {
        if (i > start) {
          out.write(',');
        }
        out.writeBytes(items[i]);
      }
      write(out, "]}");
      pages.incrementAndGet();
      return json(200, out.toByteArray());
    }

    /** Makes the pending changes, once; returns the events after {@code from}. */
    private synchronized List<String> eventsAfter(long from) {
      for (Change c : pending) {
        items[c.index()] = c.json();
        resourceVersion++;
        delivered.add("{\"type\":\"MODIFIED\",\"object\":" + new String(c.json(), UTF8) + "}");
      }
      pending.clear();
      int skip = (int) Math.max(0, Math.min(delivered.size(), from - firstChangeVersion + 1));
      return List.copyOf(delivered.subList(skip, delivered.size()));
    }

    private MockResponse watch(Map<String, String> query) {
      long from;
      try {
        from = Long.parseLong(query.getOrDefault("resourceVersion", "0"));
      } catch (NumberFormatException e) {
        return status(400, "BadRequest", "invalid resourceVersion");
      }
      watches.incrementAndGet();
      return new MockResponse()
          .withWebSocketUpgrade(
              new WebSocketListener() {
                @Override
                public void onOpen(WebSocket ws, Response response) {
                  // Open until the client closes it, as an API server's watch until its timeout.
                  eventsAfter(from).forEach(ws::send);
                }
              });
    }
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  private final Map<String, Collection> collections = new HashMap<>();
  private final AtomicLong unknown = new AtomicLong();
  private final Map<String, AtomicLong> shapes = new ConcurrentSkipListMap<>();

  PagedApiServer(List<Collection> collections) {
    collections.forEach(c -> this.collections.put(c.path, c));
  }

  /** The collection listed at {@code path}. */
  Collection collection(String path) {
    return collections.get(path);
  }

  /** Requests answered 404 (a path this server does not serve): none when the watcher is happy. */
  long unknownRequests() {
    return unknown.get();
  }

  /**
   * The requests answered, by method, path and the names of their query parameters in the order
   * sent, e.g. {@code GET /api/v1/pods?limit&continue 199}.
   */
  String requests() {
    return shapes.entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining("; "));
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String target = request.getPath();
    int q = target.indexOf('?');
    String path = q < 0 ? target : target.substring(0, q);
    Map<String, String> query = query(q < 0 ? "" : target.substring(q + 1));
    shapes
        .computeIfAbsent(
            request.getMethod()
                + " "
                + path
                + (query.isEmpty() ? "" : "?" + String.join("&", query.keySet())),
            k -> new AtomicLong())
        .incrementAndGet();
    Collection c = collections.get(path);
    if (c == null || request.method() != HttpMethod.GET) {
      unknown.incrementAndGet();
      return status(404, "NotFound", "not served here: " + request.getMethod() + " " + path);
    }
    return "true".equals(query.get("watch")) ? c.watch(query) : c.list(query);
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      m.put(URLDecoder.decode(k, UTF8), URLDecoder.decode(v, UTF8));
    }
    return m;
  }

  private static MockResponse status(int code, String reason, String message) {
    return json(
        code,
        ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\""
                + message.replace("\"", "'")
                + "\",\"reason\":\""
                + reason
                + "\",\"code\":"
                + code
                + "}")
            .getBytes(UTF8));
  }

  private static MockResponse json(int code, byte[] body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  private static void write(ByteArrayOutputStream out, String s) {
    out.writeBytes(s.getBytes(UTF8));
  }
}
