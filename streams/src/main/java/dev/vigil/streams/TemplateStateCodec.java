package dev.vigil.streams;

import dev.vigil.schemas.ContainerImage;
import dev.vigil.schemas.Decision;
import dev.vigil.schemas.Verdict;
import dev.vigil.validator.Evaluation;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The serde of {@value StoreNames#TEMPLATES} (ADR 0150): a versioned binary encoding of {@link
 * TemplateState} (first byte {@value #V1}). A re-evaluation writes every template it judges, so
 * this is on its hot path: JSON took a third of the stream thread's time there. A value starting
 * with {@code '{'} is JSON and still reads; one that reads neither way reads as null.
 */
final class TemplateStateCodec implements Serde<TemplateState> {

  static final byte V1 = 1;

  private static final ForgivingJsonSerde<TemplateState> JSON =
      new ForgivingJsonSerde<>(TemplateState.class);

  @Override
  public Serializer<TemplateState> serializer() {
    return (topic, t) -> t == null ? null : encode(t);
  }

  @Override
  public Deserializer<TemplateState> deserializer() {
    Deserializer<TemplateState> json = JSON.deserializer();
    return (topic, data) ->
        Compact.read(data, TemplateStateCodec::decode, bytes -> json.deserialize(topic, bytes));
  }

  static byte[] encode(TemplateState s) {
    Compact.Out o = new Compact.Out();
    o.out.write(V1);
    PodTemplate t = s.template();
    o.string(t.clusterId());
    o.string(t.namespace());
    o.string(t.serviceAccount());
    o.varlong(t.images().size());
    for (ContainerImage c : t.images()) {
      o.string(c.container());
      o.out.write(c.kind().ordinal());
      o.string(c.image());
      o.string(c.imageId());
    }
    TemplateState.Judgement j = s.judgement();
    o.out.write(j == null ? 0 : 1);
    if (j != null) {
      Evaluation ev = j.evaluation();
      o.decision(ev.decision());
      o.strings(ev.policyVersions());
      o.varlong(ev.images().size());
      for (Verdict.ImageResult r : ev.images()) {
        o.string(r.container());
        o.string(r.image());
        o.string(r.digest());
        o.decision(r.result());
        o.string(r.rule());
        o.strings(r.reasons());
        o.varlong(r.checkResults().size());
        for (Verdict.CheckResult c : r.checkResults()) {
          o.string(c.checkSet());
          o.string(c.check());
          o.decision(c.result());
          o.string(c.reason());
        }
        o.strings(r.attestorsMissing());
      }
      o.strings(j.versions());
      o.string(j.factsFingerprint());
      o.instant(j.evaluatedAt());
    }
    return o.out.toByteArray();
  }

  static TemplateState decode(byte[] data) {
    Compact.In in = new Compact.In(data);
    int version = in.u8();
    if (version != V1) {
      throw new IllegalArgumentException("template encoding " + version + " is not known");
    }
    String cluster = in.string();
    String namespace = in.string();
    String serviceAccount = in.string();
    int n = count(in, data);
    List<ContainerImage> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String container = in.string();
      ContainerImage.Kind kind = ContainerImage.Kind.values()[in.u8()];
      images.add(new ContainerImage(container, kind, in.string(), in.string()));
    }
    PodTemplate template = new PodTemplate(cluster, namespace, serviceAccount, images);
    TemplateState.Judgement judgement = null;
    if (in.u8() == 1) {
      Decision decision = in.decision();
      List<String> used = in.strings();
      int m = count(in, data);
      List<Verdict.ImageResult> results = new ArrayList<>(m);
      for (int i = 0; i < m; i++) {
        String container = in.string();
        String image = in.string();
        String digest = in.string();
        Decision result = in.decision();
        String rule = in.string();
        List<String> reasons = in.strings();
        int k = count(in, data);
        List<Verdict.CheckResult> checks = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
          checks.add(new Verdict.CheckResult(in.string(), in.string(), in.decision(), in.string()));
        }
        results.add(
            new Verdict.ImageResult(
                container, image, digest, result, rule, reasons, checks, in.strings()));
      }
      List<String> versions = in.strings();
      String facts = in.string();
      judgement =
          new TemplateState.Judgement(
              new Evaluation(decision, results, used), versions, facts, in.instant());
    }
    if (!in.done()) {
      throw new IllegalArgumentException("template has trailing bytes");
    }
    return new TemplateState(template, judgement);
  }

  private static int count(Compact.In in, byte[] data) {
    long n = in.varlong();
    if (n > data.length) {
      throw new IllegalArgumentException("template is cut short");
    }
    return (int) n;
  }
}
