package dev.vigil.cli.bench;

import java.lang.management.ManagementFactory;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import javax.management.ObjectName;

/**
 * The JVM's class histogram of live objects ({@code jcmd <pid> GC.class_histogram}, after a full
 * GC) taken from inside, so that a benchmark can say which classes the heap it measured is made of.
 */
final class HeapHistogram {

  private HeapHistogram() {}

  /** Bytes of live objects per class name; empty if the JVM has no diagnostic command bean. */
  static Map<String, Long> take() {
    Map<String, Long> bytes = new HashMap<>();
    try {
      String text =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "gcClassHistogram",
                      new Object[] {new String[0]},
                      new String[] {String[].class.getName()});
      // "   1:   123456   7890123  [B (java.base@17)"
      for (String line : text.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length >= 4 && f[0].endsWith(":")) {
          bytes.merge(f[3], Long.parseLong(f[2]), Long::sum);
        }
      }
    } catch (Exception | LinkageError e) {
      return Map.of();
    }
    return bytes;
  }

  /**
   * The {@code n} classes that grew most from {@code before} to {@code after}, as {@code "[B 95.3;
   * java.lang.String 20.1; ..."} (MiB).
   */
  static String growth(Map<String, Long> before, Map<String, Long> after, int n) {
    return after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
        .limit(n)
        .map(e -> e.getKey() + " " + Math.round(e.getValue() / 1048576.0 * 10) / 10.0)
        .collect(Collectors.joining("; "));
  }
}
