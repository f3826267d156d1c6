package dev.vigil.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the benchmark measured: one entry per measurement, the machine it ran on, a table and JSON.
 */
final class Results {

  /**
   * One measurement: its name, its figures (in insertion order) and the load average when taken.
   */
  record Measurement(String name, Map<String, Object> figures) {}

  /** The figure that marks a measurement as quoted, and names where from. */
  static final String QUOTED = "quotedFromDocs";

  private final Map<String, Object> machine = machine();
  private final Map<String, Object> parameters = new LinkedHashMap<>();
  private final List<Measurement> measurements = new ArrayList<>();
  private final Instant started = Instant.now();

  void parameter(String name, Object value) {
    parameters.put(name, value);
  }

  /** Adds a measurement; {@code at} and {@code loadAverage} are added to its figures. */
  Measurement add(String name, Map<String, Object> figures) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("measurement", name);
    f.putAll(figures);
    f.put("at", Instant.now().toString());
    f.put("loadAverage", loadAverage());
    Measurement m = new Measurement(name, f);
    measurements.add(m);
    return m;
  }

  /**
   * Adds figures quoted from the docs, not measured by this run: the table prints them under
   * "quoted from docs", and the JSON names their source instead of this run's time and load.
   */
  Measurement addQuoted(String name, String source, Map<String, Object> figures) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("measurement", name);
    f.put(QUOTED, source);
    f.putAll(figures);
    Measurement m = new Measurement(name, f);
    measurements.add(m);
    return m;
  }

  List<Measurement> measurements() {
    return measurements;
  }

  Map<String, Object> toJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("tool", "vigil bench");
    root.put("started", started.toString());
    root.put("finished", Instant.now().toString());
    root.put("machine", machine);
    root.put("parameters", parameters);
    List<Map<String, Object>> ms = new ArrayList<>();
    for (Measurement m : measurements) {
      Map<String, Object> o = new LinkedHashMap<>(m.figures());
      o.put("machine", machine);
      ms.add(o);
    }
    root.put("measurements", ms);
    return root;
  }

  void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(file.toFile(), toJson());
  }

  /** A plain-text table: one line per figure, grouped by measurement. */
  void print(PrintWriter out) {
    out.printf(
        "%nvigil bench — %s; %s cores, %s MiB RAM, %s, max heap %s MiB%n",
        started,
        machine.get("cores"),
        machine.get("memoryMiB"),
        machine.get("jvm"),
        machine.get("maxHeapMiB"));
    out.printf("%-14s %-44s %s%n", "measurement", "figure", "value");
    out.println("-".repeat(96));
    for (Measurement m : measurements) {
      boolean first = true;
      for (Map.Entry<String, Object> e : m.figures().entrySet()) {
        if (e.getKey().equals("measurement") || e.getKey().equals("at")) {
          continue;
        }
        String figure =
            e.getKey().equals(QUOTED) ? "QUOTED FROM DOCS, not measured by this run" : e.getKey();
        out.printf("%-14s %-44s %s%n", first ? m.name() : "", figure, format(e.getValue()));
        first = false;
      }
      out.println("-".repeat(96));
    }
    out.flush();
  }

  private static String format(Object v) {
    if (v instanceof Double d) {
      return String.format("%,.2f", d);
    } else if (v instanceof Long || v instanceof Integer) {
      return String.format("%,d", ((Number) v).longValue());
    }
    return String.valueOf(v);
  }

  /** {@code /proc/loadavg}'s first three fields, or the JVM's one-minute figure elsewhere. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
  }

  private static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cores", Runtime.getRuntime().availableProcessors());
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      m.put("memoryMiB", os.getTotalMemorySize() / (1024 * 1024));
    }
    m.put("cpu", cpuModel());
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put(
        "jvm",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    m.put("maxHeapMiB", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    m.put("jvmArgs", ManagementFactory.getRuntimeMXBean().getInputArguments());
    m.put("loadAverageAtStart", loadAverage());
    return m;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
