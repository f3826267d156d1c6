package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Admission events waiting for their pod event, and when the first one arrived (stream time: its
 * record's timestamp). After the correlation skew the follow-up is opened without a verdict ({@code
 * announced}), but the admissions are kept until the follow-up's maximum open age, so that a pod
 * event that comes later still joins the follow-up and is judged in it.
 */
public record PendingAdmissions(List<AdmissionEvent> events, Instant since, boolean announced) {
  public PendingAdmissions {
    events = List.copyOf(Objects.requireNonNullElse(events, List.of()));
    Objects.requireNonNull(since, "since");
  }
}
