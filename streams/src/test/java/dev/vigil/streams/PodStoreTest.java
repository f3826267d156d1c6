package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.schemas.Decision;
import dev.vigil.schemas.PodEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The four stores of a task's pods stay in step (ADR 0150): a pod reads back whole, a template
 * outlives its pods until it is dropped (ADR 0170), and the digest index follows the templates.
 */
class PodStoreTest {

  static final String API = "us-docker.pkg.dev/acme/app/api";

  KeyValueStore<String, String> templatePods;
  KeyValueStore<String, String> byDigest;
  PodStore store;

  @BeforeEach
  void stores() {
    MockProcessorContext<String, String> ctx = new MockProcessorContext<>();
    templatePods = store(ctx, "template-pods", Serdes.String());
    byDigest = store(ctx, "by-digest", Serdes.String());
    store =
        new PodStore(
            store(ctx, "pods", new PodStateCodec()),
            store(ctx, "templates", new TemplateStateCodec()),
            templatePods,
            byDigest);
  }

  private static <V> KeyValueStore<String, V> store(
      MockProcessorContext<String, String> ctx, String name, Serde<V> serde) {
    KeyValueStore<String, V> s =
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
            .withLoggingDisabled()
            .build();
    s.init(ctx.getStateStoreContext(), s);
    return s;
  }

  static PodEvent pod(String name, long rv, char image) {
    return Fixtures.added(
        "payments", name, rv, Fixtures.deployment("payments", "api"), Fixtures.image(API, image));
  }

  static PodState judged(PodEvent e) {
    return PodState.fresh(e).evaluated(Decision.ALLOW, List.of("P@1"), "f", null);
  }

  static List<String> keys(KeyValueStore<String, String> s) {
    List<String> out = new ArrayList<>();
    try (var it = s.all()) {
      it.forEachRemaining(kv -> out.add(kv.key + "=" + kv.value));
    }
    return out;
  }

  @Test
  void aPodReadsBackWithItsTemplatesImages() {
    PodEvent e = pod("api-1", 10, 'a');
    store.put(e.key(), null, judged(e));
    PodState back = store.get(e.key());
    assertEquals(e.images(), back.pod().images());
    assertEquals(judged(e).decision(), back.decision());
  }

  @Test
  void aTemplateOutlivesItsPodsUntilDroppedWhenNoPodIsOfIt() {
    PodEvent a = pod("api-1", 10, 'a');
    PodEvent b = pod("api-2", 11, 'a');
    String t1 = PodTemplate.of(a).fingerprint();
    store.put(a.key(), null, judged(a));
    store.put(b.key(), null, judged(b));
    assertEquals(List.of(Fixtures.digest('a') + "|" + t1 + "="), keys(byDigest));
    assertEquals(List.of(a.key(), b.key()), store.runningPods(t1));

    // api-1 is deleted: kept until it is forgotten, but no longer running
    PodState deleted = judged(a).deleted(a, Fixtures.T0);
    store.put(a.key(), store.get(a.key()), deleted);
    assertEquals(List.of(b.key()), store.runningPods(t1));
    store.forget(a.key(), t1);
    assertFalse(store.dropIfUnused(t1), "api-2 still runs it");
    assertNotNull(store.template(t1));

    // api-2 moves to another image: the first template stays, with its digest entry, for the
    // next pod of the workload, until something drops it
    PodEvent b2 = pod("api-2", 12, 'b');
    String t2 = PodTemplate.of(b2).fingerprint();
    store.put(b.key(), store.get(b.key()), judged(b2));
    assertNotNull(store.template(t1));
    assertTrue(store.unused(t1));
    assertEquals(List.of(t2 + "|" + b.key() + "=" + PodStore.RUNNING), keys(templatePods));
    assertTrue(store.dropIfUnused(t1));
    assertFalse(store.dropIfUnused(t2), "api-2 runs it");
    assertNull(store.template(t1));
    assertEquals(List.of(Fixtures.digest('b') + "|" + t2 + "="), keys(byDigest));
    assertNull(store.get(a.key()));
  }
}
