package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TopicAdminTest {

  @Test
  void minInsyncReplicasLeavesOneReplicaSpareAndKeepsTwoCopiesFromThreeUp() {
    assertEquals(1, TopicAdmin.defaultMinInsyncReplicas(1));
    assertEquals(1, TopicAdmin.defaultMinInsyncReplicas(2));
    assertEquals(2, TopicAdmin.defaultMinInsyncReplicas(3));
    assertEquals(2, TopicAdmin.defaultMinInsyncReplicas(5));
  }

  @Test
  void aMinIsrAboveTheReplicationFactorIsRefusedBeforeKafkaTakesIt() {
    var e = assertThrows(IllegalArgumentException.class, () -> TopicAdmin.checkReplication(3, 4));
    assertTrue(
        e.getMessage().contains("between 1 and the replication factor 3, not 4"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TopicAdmin.checkReplication(0, 1));
    assertThrows(IllegalArgumentException.class, () -> TopicAdmin.checkReplication(3, 0));
    TopicAdmin.checkReplication(3, 2);
  }
}
