package dev.vigil.cli.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheusmetrics.PrometheusNamingConvention;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Keeps the Kafka client and Kafka Streams metrics an operator uses, and names them the same across
 * restarts.
 *
 * <p>Micrometer's Kafka binders export every metric of every client: about 370 families per streams
 * instance (RocksDB internals per store, admin and per-node network counters), over 90% of a
 * scrape. Only {@link #KEPT} is exported: Streams health (state, alive and failed threads),
 * processing latency and rate, commit and punctuation latency, dropped records; consumer lag,
 * consumption and rebalances; producer sends, errors and request latency. Kafka Streams puts a
 * per-process UUID in {@code client_id} and {@code thread_id} ({@code
 * vigil-streams-<uuid>-StreamThread-1-consumer}), which made new series on every restart; the UUID
 * is removed from every tag value of a Kafka meter.
 */
public final class KafkaMeterFilter implements MeterFilter {

  /** Kafka families exported, by their Prometheus name. */
  public static final Set<String> KEPT =
      Set.of(
          // Kafka Streams: is it running, how fast, is it stuck.
          "kafka_stream_client_state",
          "kafka_stream_alive_stream_threads",
          "kafka_stream_failed_stream_threads_total",
          "kafka_stream_thread_thread_state",
          "kafka_stream_thread_process_latency_avg",
          "kafka_stream_thread_process_latency_max",
          "kafka_stream_thread_process_rate",
          "kafka_stream_thread_process_total",
          "kafka_stream_thread_process_ratio",
          "kafka_stream_thread_commit_latency_avg",
          "kafka_stream_thread_commit_latency_max",
          "kafka_stream_thread_punctuate_latency_avg",
          "kafka_stream_thread_punctuate_latency_max",
          "kafka_stream_thread_blocked_time_ns_total",
          "kafka_stream_task_dropped_records_total",
          // Consumers: lag (VigilPipelineLag, the lag panel), throughput, rebalances, a stuck poll
          // loop.
          "kafka_consumer_fetch_manager_records_lag_max",
          "kafka_consumer_fetch_manager_records_lag",
          "kafka_consumer_fetch_manager_records_consumed_total",
          "kafka_consumer_coordinator_rebalance_total",
          "kafka_consumer_coordinator_failed_rebalance_total",
          "kafka_consumer_coordinator_last_rebalance_seconds_ago",
          "kafka_consumer_coordinator_rebalance_latency_max",
          "kafka_consumer_last_poll_seconds_ago",
          // Producers: what was sent, what failed, how long the broker took.
          "kafka_producer_record_send_total",
          "kafka_producer_record_error_total",
          "kafka_producer_request_latency_avg",
          "kafka_producer_request_latency_max");

  private static final Pattern UUID =
      Pattern.compile(
          "-?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private final PrometheusNamingConvention naming = new PrometheusNamingConvention();

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    if (!isKafka(id)) {
      return MeterFilterReply.NEUTRAL;
    }
    String name = naming.name(id.getName(), id.getType(), id.getBaseUnit());
    if (id.getType() == Meter.Type.COUNTER && !name.endsWith("_total")) {
      name += "_total"; // the exposition format adds it
    }
    return KEPT.contains(name) ? MeterFilterReply.NEUTRAL : MeterFilterReply.DENY;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    if (!isKafka(id)) {
      return id;
    }
    List<Tag> tags = new ArrayList<>();
    boolean changed = false;
    for (Tag t : id.getTagsAsIterable()) {
      String v = UUID.matcher(t.getValue()).replaceAll("");
      changed |= !v.equals(t.getValue());
      tags.add(Tag.of(t.getKey(), v));
    }
    return changed ? id.replaceTags(tags) : id;
  }

  private static boolean isKafka(Meter.Id id) {
    return id.getName().startsWith("kafka.");
  }
}
