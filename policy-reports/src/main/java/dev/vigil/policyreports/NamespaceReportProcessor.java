package dev.vigil.policyreports;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps each pod's entry ({@code cluster/namespace/pod}) and the namespaces changed since the last
 * flush, both in stores; every flush interval (wall clock) builds the changed namespaces' reports
 * and hands them to the writer. When a task starts (after its stores are restored: a restart, a
 * rebalance) every namespace it holds is marked changed, so reports a crash left unwritten are
 * written again, over the same object.
 */
final class NamespaceReportProcessor implements Processor<String, PodChange, Void, Void> {

  private final Duration flushInterval;
  private final Consumer<NamespaceReport> reports;
  private KeyValueStore<String, PodEntry> pods;
  private KeyValueStore<String, Long> dirty;
  private ProcessorContext<Void, Void> context;

  NamespaceReportProcessor(Duration flushInterval, Consumer<NamespaceReport> reports) {
    this.flushInterval = flushInterval;
    this.reports = reports;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.context = context;
    this.pods = context.getStateStore(PolicyReportTopology.PODS_STORE);
    this.dirty = context.getStateStore(PolicyReportTopology.DIRTY_STORE);
    long now = context.currentSystemTimeMs();
    try (KeyValueIterator<String, PodEntry> it = pods.all()) {
      while (it.hasNext()) {
        dirty.putIfAbsent(PolicyReportTopology.namespaceKey(it.next().key), now);
      }
    }
    context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, this::flush);
  }

  @Override
  public void process(Record<String, PodChange> record) {
    String key = record.key() + "/" + record.value().pod();
    PodEntry before = pods.get(key);
    PodEntry after = PodEntry.apply(before, record.value());
    if (after.equals(before)) {
      return;
    }
    pods.put(key, after);
    if ((before != null && before.reportable()) || after.reportable()) {
      dirty.putIfAbsent(record.key(), context.currentSystemTimeMs());
    }
  }

  private void flush(long now) {
    List<String> namespaces = new ArrayList<>();
    try (KeyValueIterator<String, Long> it = dirty.all()) {
      it.forEachRemaining(kv -> namespaces.add(kv.key));
    }
    for (String ns : namespaces) {
      reports.accept(report(ns, now));
      dirty.delete(ns);
    }
  }

  /** The namespace's report; forgets the pods gone longer than the retention on the way. */
  private NamespaceReport report(String namespaceKey, long now) {
    List<PodEntry> entries = new ArrayList<>();
    List<String> forget = new ArrayList<>();
    long horizon = now - PolicyReportSettings.GONE_RETENTION.toMillis();
    try (KeyValueIterator<String, PodEntry> it =
        pods.prefixScan(
            namespaceKey + "/", new org.apache.kafka.common.serialization.StringSerializer())) {
      while (it.hasNext()) {
        KeyValue<String, PodEntry> kv = it.next();
        if (kv.value.gone() && kv.value.goneAt().toEpochMilli() < horizon) {
          forget.add(kv.key);
        } else {
          entries.add(kv.value);
        }
      }
    }
    forget.forEach(pods::delete);
    int slash = namespaceKey.lastIndexOf('/');
    return new NamespaceReport(
        namespaceKey.substring(0, slash), namespaceKey.substring(slash + 1), entries);
  }
}
