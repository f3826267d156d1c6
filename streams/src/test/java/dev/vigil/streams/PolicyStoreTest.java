package dev.vigil.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vigil.schemas.PolicyDocument;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The revision the policy keeper keeps beside the documents depends on the set alone. */
class PolicyStoreTest {

  final Fixtures.Signer ci = new Fixtures.Signer();
  final PolicyDocument p1 = Fixtures.enforced(1, "ALWAYS_ALLOW");
  final PolicyDocument p2 = Fixtures.enforced(2, "ALWAYS_DENY");
  final PolicyDocument a1 = ci.attestor(1);

  private static KeyValueStore<String, byte[]> store() {
    KeyValueStore<String, byte[]> s =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(StoreNames.POLICIES),
                Serdes.String(),
                Serdes.ByteArray())
            .withLoggingDisabled()
            .build();
    s.init(new MockProcessorContext<Void, Void>().getStateStoreContext(), s);
    return s;
  }

  @Test
  void theSameSetHasTheSameRevisionWhateverTheHistory() {
    KeyValueStore<String, byte[]> one = store();
    PolicyStore.put(one, p1.key(), p1);
    PolicyStore.put(one, a1.key(), a1);
    PolicyStore.put(one, p2.key(), p2);
    KeyValueStore<String, byte[]> other = store();
    PolicyStore.put(other, a1.key(), a1);
    PolicyStore.put(other, p2.key(), p2);
    PolicyStore.delete(other, "BINAUTHZ_POLICY/*/absent"); // withdrawing nothing changes nothing

    assertEquals(PolicyStore.revisionOf(List.of(p2, a1)), PolicyStore.revision(one));
    assertEquals(PolicyStore.revision(one), PolicyStore.revision(other));
    assertEquals(List.of(a1, p2), PolicyStore.documents(one));

    PolicyStore.delete(one, a1.key());
    assertEquals(PolicyStore.revisionOf(List.of(p2)), PolicyStore.revision(one));
    assertNotEquals(PolicyStore.revision(other), PolicyStore.revision(one));
    PolicyStore.delete(one, p2.key());
    assertNull(PolicyStore.revision(one), "no documents, no revision");
  }

  @Test
  void aValueThatNoLongerReadsIsLeftOutAndTheRevisionCountsTheOthers() {
    KeyValueStore<String, byte[]> s = store();
    PolicyStore.put(s, a1.key(), a1);
    PolicyStore.put(s, p1.key(), p1);
    s.put(p1.key(), "{\"scope\": 42".getBytes(StandardCharsets.UTF_8)); // damaged behind its back

    assertEquals(List.of(a1), PolicyStore.documents(s));
    PolicyStore.put(s, p1.key(), p2);
    assertEquals(PolicyStore.revisionOf(List.of(a1, p2)), PolicyStore.revision(s));
  }
}
