package dev.vigil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** One in-process run of the {@code vigil} command line: its exit code and what it printed. */
record VigilRun(int code, String out, String err) {

  /** Runs {@code vigil args...} in this JVM. */
  static VigilRun vigil(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Vigil.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new VigilRun(code, out.toString(), err.toString());
  }

  /** As {@link #vigil(String...)}. */
  static VigilRun vigil(List<String> args) {
    return vigil(args.toArray(String[]::new));
  }

  /** Standard output read as one JSON document per non-blank line. */
  List<JsonNode> jsonLines() throws Exception {
    List<JsonNode> list = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        list.add(Json.mapper().readTree(line));
      }
    }
    return list;
  }
}
