package dev.vigil.report;

import dev.vigil.schemas.Topic;
import dev.vigil.schemas.Topics;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Creates the report's topics for tests with unlimited retention: the records carry fixed dates,
 * which the catalogue's retention (30 days for admission events) would soon delete.
 */
final class TestTopics {

  private TestTopics() {}

  static void create(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      List<NewTopic> topics = new java.util.ArrayList<>();
      for (Topic<?> t : List.of(Topics.ADMISSION_EVENTS, Topics.VIOLATIONS, Topics.FOLLOWUPS)) {
        Map<String, String> configs = new HashMap<>(t.configs());
        configs.put("retention.ms", "-1");
        topics.add(new NewTopic(t.name(), t.partitions(), (short) 1).configs(configs));
      }
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }
  }
}
