package dev.vigil.ingest.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.ingest.AuditSamples;
import dev.vigil.ingest.ReceiverFixture;
import dev.vigil.ingest.kafka.KafkaRecordPublisher;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.kafka.EmbeddedKafka;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;

/**
 * Throughput of the HTTPS audit receiver: concurrent clients post EventList batches of 100 pod
 * create events (made from a real falco audit event, each with its own auditID) over loopback TLS;
 * every batch is answered 200 only after Kafka (embedded broker, acks=all, idempotent) acknowledged
 * it. Bounded: a fixed number of batches, then it stops. Not a unit test: run it by hand, see
 * docs/benchmarks.md.
 *
 * <pre>
 * args: [--batches N] [--clients C] [--batch-size S] [--publisher kafka|none]
 * </pre>
 */
public final class ReceiverThroughputBenchmark {

  public static void main(String[] args) throws Exception {
    int batches = intArg(args, "--batches", 300);
    int clients = intArg(args, "--clients", 4);
    int batchSize = intArg(args, "--batch-size", 100);
    boolean kafka = !"none".equals(arg(args, "--publisher", "kafka"));
    int warmup = Math.max(10, batches / 10);

    Path dir = Files.createTempDirectory("vigil-bench-");
    EmbeddedKafka broker = null;
    RecordPublisher publisher;
    if (kafka) {
      broker = EmbeddedKafka.start(dir);
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
        new TopicAdmin(admin, (short) 1).create(Topics.ALL);
      }
      publisher =
          new KafkaRecordPublisher(
              broker.bootstrapServers(),
              Map.of(),
              "/vigil/ingest/bench",
              Duration.ofSeconds(30),
              IngestMetrics.NOOP);
    } else {
      publisher =
          new RecordPublisher() {
            @Override
            public void publishAll(List<? extends dev.vigil.ingest.kafka.Outgoing<?>> batch) {}

            @Override
            public java.util.concurrent.CompletableFuture<Void> publishAsync(
                dev.vigil.ingest.kafka.Outgoing<?> r) {
              return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {}
          };
    }
    try (ReceiverFixture receiver =
        new ReceiverFixture(publisher, IngestMetrics.NOOP, Set.of("bench"), null)) {
      byte[][] bodies = new byte[warmup + batches][];
      for (int i = 0; i < bodies.length; i++) {
        ObjectNode[] events = new ObjectNode[batchSize];
        for (int j = 0; j < batchSize; j++) {
          events[j] =
              AuditSamples.variant(AuditSamples.NGINX_PRIVILEGED, "bench-" + i + "-" + j, e -> {});
        }
        bodies[i] = AuditSamples.eventList(events);
      }
      run(receiver, bodies, 0, warmup, clients);
      long start = System.nanoTime();
      List<Long> latencies = run(receiver, bodies, warmup, warmup + batches, clients);
      double seconds = (System.nanoTime() - start) / 1e9;
      Collections.sort(latencies);
      long events = (long) batches * batchSize;
      System.out.printf(
          "publisher=%s clients=%d batches=%d batch-size=%d body=%d bytes%n",
          kafka ? "kafka(embedded, acks=all, idempotent)" : "none",
          clients,
          batches,
          batchSize,
          bodies[0].length);
      System.out.printf(
          "events/s=%.0f batches/s=%.1f elapsed=%.2fs batch latency p50=%.1fms p99=%.1fms max=%.1fms%n",
          events / seconds,
          batches / seconds,
          seconds,
          ms(latencies, 0.50),
          ms(latencies, 0.99),
          latencies.get(latencies.size() - 1) / 1e6);
    } finally {
      publisher.close();
      if (broker != null) {
        broker.close();
      }
    }
    System.exit(0);
  }

  private static List<Long> run(
      ReceiverFixture receiver, byte[][] bodies, int from, int to, int clients) throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      done.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < to; i = next.getAndIncrement()) {
                  long t = System.nanoTime();
                  int status = receiver.post("/audit/bench", bodies[i]).statusCode();
                  latencies.add(System.nanoTime() - t);
                  if (status != 200) {
                    throw new IllegalStateException("batch " + i + " answered " + status);
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    return latencies;
  }

  private static double ms(List<Long> sorted, double q) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size()))) / 1e6;
  }

  private static String arg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }

  private static int intArg(String[] args, String name, int dflt) {
    return Integer.parseInt(arg(args, name, String.valueOf(dflt)));
  }
}
