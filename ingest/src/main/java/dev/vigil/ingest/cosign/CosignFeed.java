package dev.vigil.ingest.cosign;

import dev.vigil.ingest.feeds.Contributions;
import dev.vigil.ingest.kafka.Outgoing;
import dev.vigil.ingest.kafka.PublishException;
import dev.vigil.ingest.kafka.RecordPublisher;
import dev.vigil.ingest.metrics.IngestMetrics;
import dev.vigil.schemas.Attestation;
import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.PodEvent;
import dev.vigil.schemas.Topics;
import dev.vigil.validator.ImageReference;
import dev.vigil.validator.InvalidImageReferenceException;
import dev.vigil.validator.PlatformPolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the cosign signatures of the images pods run on {@code vigil.attestations}: every image
 * digest a pod event names is looked up in its registry ({@link CosignSignatures}), again once
 * {@code ttl} has passed, and its signatures are published as attestations with origin {@code
 * cosign:<repository>@<digest>}. A signature gone from the registry is revoked (tombstone). When an
 * image's answer has expired and its registry cannot be reached, its signatures are replaced by an
 * "unreadable" fact (note {@link PlatformPolicy.SigstoreSignatureCheck#UNREADABLE_NOTE}), which
 * makes {@code sigstoreSignatureCheck} UNKNOWN, never ALLOW; it is counted in {@code
 * vigil_ingest_feed_failures{feed="ingest.cosign"}} and the registry is asked again at every
 * refresh.
 *
 * <p>Images are learnt from the pod events ingest itself publishes ({@link #tap}); at most {@code
 * maxImages} are kept, the ones seen longest ago dropped first (their signatures stay published).
 */
public final class CosignFeed {

  private static final Logger LOG = LoggerFactory.getLogger(CosignFeed.class);
  static final String COMPONENT = "ingest.cosign";
  static final String ORIGIN = "cosign:";

  /** One image to keep current: where its signatures are, and when they were last read. */
  private record Image(String repository, String digest) {
    String origin() {
      return ORIGIN + repository + "@" + digest;
    }
  }

  /** What one refresh did. */
  public record Summary(int checked, int published, int revoked, int unreachable) {}

  private final CosignSignatures registry;
  private final RecordPublisher publisher;
  private final IngestMetrics metrics;
  private final Clock clock;
  private final Duration ttl;
  private final int maxImages;
  private final Contributions contributions = new Contributions(Topics.ATTESTATIONS);

  /** origin → image, in the order last seen (access order), with when it was last read. */
  private final LinkedHashMap<String, Image> images = new LinkedHashMap<>(16, 0.75f, true);

  private final Map<String, Instant> checkedAt = new HashMap<>();

  public CosignFeed(
      CosignSignatures registry,
      RecordPublisher publisher,
      IngestMetrics metrics,
      Clock clock,
      Duration ttl,
      int maxImages) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.publisher = Objects.requireNonNull(publisher, "publisher");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    if (maxImages < 1) {
      throw new IllegalArgumentException("maxImages must be positive");
    }
    this.maxImages = maxImages;
  }

  /**
   * Takes over the signatures published before a restart ({@code TopicIndex.liveKeys}); they are
   * read again first.
   */
  public synchronized CosignFeed restore(Map<String, String> liveKeys) {
    Map<String, String> mine = new HashMap<>();
    liveKeys.forEach(
        (key, origin) -> {
          if (origin != null && origin.startsWith(ORIGIN)) {
            mine.put(key, origin);
            int at = origin.lastIndexOf('@');
            if (at > ORIGIN.length()) {
              remember(new Image(origin.substring(ORIGIN.length(), at), origin.substring(at + 1)));
            }
          }
        });
    contributions.restore(mine);
    return this;
  }

  /** Notes the pinned images of a pod; read at the next refresh if not read yet. */
  public synchronized void seen(PodEvent event) {
    if (event.type() == PodEvent.Type.DELETED || event.images() == null) {
      return;
    }
    for (ContainerImage c : event.images()) {
      try {
        ImageReference ref = ImageReference.parse(c.image());
        String digest =
            ref.digest() != null ? ref.digest() : ImageReference.digestFromImageId(c.imageId());
        if (digest != null) {
          remember(new Image(ref.name(), digest));
        }
      } catch (InvalidImageReferenceException e) {
        // the pod's verdict reports it; nothing to look up
      }
    }
  }

  private void remember(Image image) {
    String origin = image.origin();
    if (images.get(origin) == null) {
      images.put(origin, image);
    }
    while (images.size() > maxImages) {
      String oldest = images.keySet().iterator().next();
      images.remove(oldest);
      checkedAt.remove(oldest);
    }
  }

  /**
   * A publisher that passes everything to {@code inner} and notes the images of the pod events
   * among it.
   */
  public RecordPublisher tap(RecordPublisher inner) {
    return new RecordPublisher() {
      @Override
      public void publishAll(List<? extends Outgoing<?>> records) throws PublishException {
        inner.publishAll(records);
        records.forEach(this::note);
      }

      @Override
      public CompletableFuture<Void> publishAsync(Outgoing<?> record) {
        return inner.publishAsync(record).thenRun(() -> note(record));
      }

      private void note(Outgoing<?> r) {
        if (r.value() instanceof PodEvent e) {
          seen(e);
        }
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }

  /**
   * Reads the signatures of every image not read within the TTL and publishes what changed.
   *
   * @throws PublishException when Kafka did not take the records (read again at the next refresh)
   */
  public Summary refresh() throws PublishException {
    List<Image> due = new ArrayList<>();
    Instant now = clock.instant();
    synchronized (this) {
      images.forEach(
          (origin, image) -> {
            Instant last = checkedAt.get(origin);
            if (last == null || !now.isBefore(last.plus(ttl))) {
              due.add(image);
            }
          });
    }
    Map<String, List<? extends Outgoing<?>>> updates = new HashMap<>();
    int unreachable = 0;
    for (Image image : due) { // outside the lock: registries can be slow
      CosignSignatures.Result r = registry.fetch(image.repository(), image.digest());
      if (r instanceof CosignSignatures.Unreachable u) {
        // The last answer has expired and no new one can be had: the check is UNKNOWN until the
        // registry answers (tried again at every refresh).
        unreachable++;
        metrics.feedFailed(COMPONENT, "unreachable");
        LOG.warn(
            "{}: signatures of {}@{} could not be read: {}",
            COMPONENT,
            image.repository(),
            image.digest(),
            u.reason());
        Attestation marker =
            new Attestation(
                image.origin() + "/unreadable",
                PlatformPolicy.SigstoreSignatureCheck.UNREADABLE_NOTE,
                "https://" + image.repository() + "@" + image.digest(),
                image.digest(),
                null,
                List.of(),
                null,
                now);
        updates.put(
            image.origin(),
            List.of(
                new Outgoing<>(
                    Topics.ATTESTATIONS, marker.key(), marker, marker.occurrence(), now)));
        continue;
      }
      List<Outgoing<?>> records = new ArrayList<>();
      if (r instanceof CosignSignatures.Found f) {
        for (Attestation a : f.signatures()) {
          records.add(new Outgoing<>(Topics.ATTESTATIONS, a.key(), a, a.occurrence(), now));
        }
        f.skipped().forEach(s -> LOG.warn("{}: {}: {}", COMPONENT, image.repository(), s));
      }
      updates.put(image.origin(), records);
    }
    synchronized (this) {
      Contributions.Plan plan = contributions.plan(updates, now);
      // Unchanged signatures (the same key; its value is the key's: payload and signature) are not
      // published again.
      List<Outgoing<?>> out = new ArrayList<>();
      for (Outgoing<?> o : plan.records()) {
        if (o.value() == null || !contributions.keys(o.origin()).contains(o.key())) {
          out.add(o);
        }
      }
      publisher.publishAll(out);
      plan.commit();
      // An unreadable image is asked again at the next refresh; the others after the TTL.
      due.stream()
          .filter(i -> !isUnreadable(updates.get(i.origin())))
          .forEach(i -> checkedAt.put(i.origin(), now));
      if (plan.revoked() > 0) {
        metrics.revoked(Topics.ATTESTATIONS.name(), plan.revoked());
      }
      return new Summary(
          updates.size(),
          (int) out.stream().filter(o -> o.value() != null).count(),
          plan.revoked(),
          unreachable);
    }
  }

  private static boolean isUnreadable(List<? extends Outgoing<?>> records) {
    return records != null
        && records.size() == 1
        && records.get(0).value() instanceof Attestation a
        && PlatformPolicy.SigstoreSignatureCheck.UNREADABLE_NOTE.equals(a.noteName());
  }

  /** Refreshes now and then every {@code interval}. */
  public ScheduledFuture<?> watch(ScheduledExecutorService scheduler, Duration interval) {
    return scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            refresh();
          } catch (PublishException | RuntimeException e) {
            LOG.warn("{}: refresh failed, will retry: {}", COMPONENT, e.getMessage());
          }
        },
        0,
        interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }
}
