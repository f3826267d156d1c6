package dev.vigil.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FollowUpIdTest {

  static final WorkloadRef API = new WorkloadRef(WorkloadRef.Kind.DEPLOYMENT, "payments", "api");

  @Test
  void parsesWhatItWritesAndItsKeyIsTheFollowUpsKafkaKey() {
    FollowUpId id =
        FollowUpId.of(
            "projects/acme/locations/us-central1/clusters/prod", API, FollowUp.Kind.BREAKGLASS, 3);

    assertEquals(
        "projects/acme/locations/us-central1/clusters/prod/payments/DEPLOYMENT/api/BREAKGLASS#3",
        id.toString());
    assertEquals(id, FollowUpId.parse(id.toString()));
    assertEquals(FollowUp.key(id.clusterId(), API, FollowUp.Kind.BREAKGLASS), id.key());
    assertEquals(
        "projects/acme/locations/us-central1/clusters/prod/payments/DEPLOYMENT/api/BREAKGLASS#4",
        id.next().toString());
  }

  @Test
  void malformedIdsAreRejectedNamingTheInputAndTheProblem() {
    assertTrue(
        problem("x/DEPLOYMENT/api/BREAKGLASS#1")
            .contains("'x/DEPLOYMENT/api/BREAKGLASS#1' is not " + FollowUpId.FORMAT));
    assertTrue(problem("c/ns/DEPLOYMENT/api/BREAKGLASS#0").contains("is not"));
    assertTrue(problem("c/ns/DEPLOYMENT/api/BREAKGLASS").contains("is not"));
    assertTrue(problem("c/ns/GADGET/api/BREAKGLASS#1").contains("unknown workload kind GADGET"));
    assertTrue(problem("c/ns/DEPLOYMENT/api/OOPS#1").contains("unknown follow-up kind OOPS"));
    assertTrue(problem("c/ns/DEPLOYMENT/api/DRY_RUN#99999999999").contains("too large"));
    assertTrue(problem("c/ns/DEPLOYMENT/api/DRY_RUN#1\nsecond line").contains("is not"));
    assertTrue(problem(null).contains("required"));
  }

  private static String problem(String id) {
    FollowUpId.InvalidFollowUpIdException e =
        assertThrows(FollowUpId.InvalidFollowUpIdException.class, () -> FollowUpId.parse(id));
    assertEquals(id, e.input());
    assertTrue(e.getMessage().lines().count() <= 1, e.getMessage());
    return e.getMessage();
  }
}
