package dev.vigil.streams;

import dev.vigil.schemas.AdmissionEvent;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Admission events that arrived before their pod event, and when the first one arrived. */
public record PendingAdmissions(List<AdmissionEvent> events, Instant since) {
  public PendingAdmissions {
    events = List.copyOf(Objects.requireNonNullElse(events, List.of()));
    Objects.requireNonNull(since, "since");
  }
}
