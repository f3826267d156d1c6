package dev.vigil.report;

import dev.vigil.schemas.Topic;
import dev.vigil.schemas.TopicAdmin;
import dev.vigil.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The report's topics and a producer for them, in tests.
 *
 * <p>Topics get unlimited retention: the records carry fixed dates, which the catalogue's retention
 * (30 days for admission events) would soon delete. Creation waits until every partition has a
 * leader, and the producer is not idempotent (one request in flight keeps the order): on a freshly
 * created topic an idempotent producer was seen to retry {@code OUT_OF_ORDER_SEQUENCE_NUMBER}
 * forever after a first {@code NOT_LEADER_OR_FOLLOWER}.
 */
final class TestTopics {

  private static final Duration READY = Duration.ofSeconds(60);

  private TestTopics() {}

  static void create(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    List<Topic<?>> wanted = List.of(Topics.ADMISSION_EVENTS, Topics.VIOLATIONS, Topics.FOLLOWUPS);
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> topics = new ArrayList<>();
      for (Topic<?> t : wanted) {
        Map<String, String> configs = new HashMap<>(t.configs());
        configs.put("retention.ms", "-1");
        topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(configs));
      }
      admin.createTopics(topics).all().get(READY.toSeconds(), TimeUnit.SECONDS);
      // Produce only once every partition is served (TopicAdmin.awaitServed says why).
      new TopicAdmin(admin, (short) 1)
          .awaitServed(wanted.stream().map(Topic::name).toList(), READY);
    }
  }

  static Properties producer(String bootstrap) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("acks", "all");
    p.put("enable.idempotence", "false");
    p.put("max.in.flight.requests.per.connection", "1");
    return p;
  }
}
