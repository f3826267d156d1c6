package dev.vigil.validator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.PolicyDocument;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Walks a document tree, collecting every problem (and lint warning) with its field path. */
final class ProblemCollector {

  final List<InvalidPolicyException.Problem> problems = new ArrayList<>();
  final List<InvalidPolicyException.Problem> warnings = new ArrayList<>();

  void problem(String path, String message) {
    problems.add(new InvalidPolicyException.Problem(path.isEmpty() ? "(document)" : path, message));
  }

  /**
   * The documents of {@code content} (YAML may hold several); empty, with the problem reported,
   * when it cannot be read or holds none.
   */
  List<JsonNode> roots(String content, PolicyDocument.Format format) {
    List<JsonNode> docs;
    try {
      docs = Documents.readAll(content, format);
    } catch (Documents.UnreadableDocumentException e) {
      problem("", "unreadable " + format + ": " + e.getMessage());
      return List.of();
    }
    if (docs.isEmpty()) {
      problem("", "empty document");
      return List.of();
    }
    return docs;
  }

  /** The one document of {@code content}; empty, with the problem reported, when there is none. */
  Optional<JsonNode> root(String content, PolicyDocument.Format format) {
    JsonNode root;
    try {
      root = Documents.read(content, format);
    } catch (Documents.UnreadableDocumentException e) {
      problem("", "unreadable " + format + ": " + e.getMessage());
      return Optional.empty();
    }
    if (root.isMissingNode()) {
      problem("", "empty document");
      return Optional.empty();
    }
    return Optional.of(root);
  }

  /**
   * {@code value}, unless a problem was found in document {@code key}: then every problem, thrown.
   */
  <T> T orThrow(String key, T value) throws InvalidPolicyException {
    if (!problems.isEmpty()) {
      throw new InvalidPolicyException(key, problems);
    }
    return value;
  }

  void warning(String path, String message) {
    warnings.add(new InvalidPolicyException.Problem(path.isEmpty() ? "(document)" : path, message));
  }

  static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  static String index(String path, int i) {
    return path + "[" + i + "]";
  }

  static String key(String path, String key) {
    return path + "[" + key + "]";
  }

  /** True when {@code node} is an object; reports unknown fields. */
  boolean object(JsonNode node, String path, Set<String> allowed) {
    if (node == null || !node.isObject()) {
      problem(path, "must be an object, not " + describe(node));
      return false;
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!allowed.contains(n)) {
        problem(
            join(path, n),
            "unknown field (a misspelt field could silently change the policy); known fields: "
                + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
    return true;
  }

  /** A required or optional string field; null when absent or wrong (reported). */
  String text(JsonNode parent, String field, String path, boolean required) {
    JsonNode v = field(parent, field, path, required, JsonNode::isTextual, "a string");
    return v == null ? null : v.textValue();
  }

  /**
   * A field whose value {@code is} accepts ({@code kind} names what it must be); null when absent
   * (reported when {@code required}) or not of that kind (reported).
   */
  private JsonNode field(
      JsonNode parent,
      String field,
      String path,
      boolean required,
      Predicate<JsonNode> is,
      String kind) {
    JsonNode v = parent.get(field);
    String p = join(path, field);
    if (v == null || v.isNull()) {
      if (required) {
        problem(p, "is required");
      }
      return null;
    }
    if (!is.test(v)) {
      problem(p, "must be " + kind + ", not " + describe(v));
      return null;
    }
    return v;
  }

  /** An enum field; null when absent or wrong (reported). */
  <E extends Enum<E>> E enumValue(
      JsonNode parent,
      String field,
      String path,
      Class<E> type,
      boolean required,
      Set<String> unspecified) {
    String s = text(parent, field, path, required);
    if (s == null) {
      return null;
    }
    String p = join(path, field);
    if (unspecified.contains(s)) {
      if (required) {
        problem(p, s + " is not a usable value; use one of " + names(type));
      }
      return null;
    }
    try {
      return Enum.valueOf(type, s);
    } catch (IllegalArgumentException e) {
      String hint = "";
      try {
        Enum.valueOf(type, s.toUpperCase(Locale.ROOT));
        hint = " (values are upper-case)";
      } catch (IllegalArgumentException ignored) {
        // no hint
      }
      problem(p, "unknown value \"" + s + "\"" + hint + "; use one of " + names(type));
      return null;
    }
  }

  /** An array field; null when absent (or reported when wrong). */
  JsonNode array(JsonNode parent, String field, String path, boolean required) {
    return field(parent, field, path, required, JsonNode::isArray, "a list");
  }

  /** A list of strings; empty when absent. */
  List<String> strings(JsonNode parent, String field, String path, boolean required) {
    JsonNode a = array(parent, field, path, required);
    List<String> out = new ArrayList<>();
    if (a == null) {
      return out;
    }
    for (int i = 0; i < a.size(); i++) {
      JsonNode v = a.get(i);
      if (!v.isTextual()) {
        problem(index(join(path, field), i), "must be a string, not " + describe(v));
      } else {
        out.add(v.textValue());
      }
    }
    return out;
  }

  static String describe(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "missing";
    }
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static <E extends Enum<E>> String names(Class<E> type) {
    StringBuilder b = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(e.name());
    }
    return b.toString();
  }
}
