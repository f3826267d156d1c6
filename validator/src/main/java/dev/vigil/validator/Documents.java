package dev.vigil.validator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vigil.schemas.PolicyDocument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads policy, attestor and manifest documents (YAML or JSON) into trees, with limits that bound
 * what a hostile document can make the reader allocate: size, nesting, string length, YAML aliases
 * (no "billion laughs"), and duplicate keys rejected (a duplicated rule must not silently replace
 * another).
 */
public final class Documents {

  /** Largest document read: 4 MiB. */
  public static final int MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;

  /** Deepest nesting. */
  public static final int MAX_DEPTH = 64;

  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxDocumentLength(MAX_DOCUMENT_CHARS)
          .maxNestingDepth(MAX_DEPTH)
          .maxStringLength(1024 * 1024)
          .maxNumberLength(100)
          .build();

  private static final ObjectMapper JSON =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(LIMITS)
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .build())
          .build();

  private static final ObjectMapper YAML = new YAMLMapper(yamlFactory());

  private Documents() {}

  private static YAMLFactory yamlFactory() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(MAX_DOCUMENT_CHARS);
    options.setAllowRecursiveKeys(false);
    return YAMLFactory.builder()
        .loaderOptions(options)
        .streamReadConstraints(LIMITS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /** A document that could not be read at all (syntax, limits), with a one-line reason. */
  public static final class UnreadableDocumentException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnreadableDocumentException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Reads one document of {@code format}; an empty document is {@link MissingNode}. */
  public static JsonNode read(String content, PolicyDocument.Format format)
      throws UnreadableDocumentException {
    List<JsonNode> all = readAll(content, format);
    if (all.size() > 1) {
      throw new UnreadableDocumentException("expected one document, found " + all.size(), null);
    }
    return all.isEmpty() ? MissingNode.getInstance() : all.get(0);
  }

  /** Reads every document in {@code content} ({@code ---} separated YAML, or one JSON value). */
  public static List<JsonNode> readAll(String content, PolicyDocument.Format format)
      throws UnreadableDocumentException {
    if (content.length() > MAX_DOCUMENT_CHARS) {
      throw new UnreadableDocumentException(
          "document larger than " + MAX_DOCUMENT_CHARS + " characters", null);
    }
    if (format == PolicyDocument.Format.YAML) {
      refuseAliases(content);
    }
    ObjectMapper mapper = format == PolicyDocument.Format.JSON ? JSON : YAML;
    List<JsonNode> out = new ArrayList<>();
    try (JsonParser parser = mapper.getFactory().createParser(content)) {
      var it = mapper.readValues(parser, JsonNode.class);
      while (it.hasNextValue()) {
        JsonNode node = it.nextValue();
        if (node != null && !node.isMissingNode() && !node.isNull()) {
          out.add(node);
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new UnreadableDocumentException(describe(e), e);
    } catch (StackOverflowError e) {
      throw new UnreadableDocumentException("document nested too deeply", null);
    }
    return out;
  }

  /**
   * Jackson reads a YAML alias ({@code *name}) as the plain string "name", which would silently
   * change what a policy says; refuse aliases instead (policy exports never use them).
   */
  private static void refuseAliases(String content) throws UnreadableDocumentException {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_DOCUMENT_CHARS);
    options.setNestingDepthLimit(MAX_DEPTH);
    try {
      for (org.yaml.snakeyaml.events.Event e :
          new org.yaml.snakeyaml.Yaml(options).parse(new java.io.StringReader(content))) {
        if (e instanceof org.yaml.snakeyaml.events.AliasEvent) {
          var mark = e.getStartMark();
          throw new UnreadableDocumentException(
              "YAML aliases (*name) are not supported"
                  + (mark == null
                      ? ""
                      : " (line "
                          + (mark.getLine() + 1)
                          + ", column "
                          + (mark.getColumn() + 1)
                          + ")"),
              null);
        }
      }
    } catch (RuntimeException e) {
      throw new UnreadableDocumentException(describe(e), e);
    } catch (StackOverflowError e) {
      throw new UnreadableDocumentException("document nested too deeply", null);
    }
  }

  /** Guesses the format of {@code content}: JSON when it starts with '{' or '['. */
  public static PolicyDocument.Format sniff(String content) {
    for (int i = 0; i < content.length(); i++) {
      char c = content.charAt(i);
      if (!Character.isWhitespace(c) && c != '\uFEFF') {
        return c == '{' || c == '[' ? PolicyDocument.Format.JSON : PolicyDocument.Format.YAML;
      }
    }
    return PolicyDocument.Format.YAML;
  }

  private static String describe(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException y) {
        return describeYaml(y);
      }
    }
    Throwable t = e;
    if (t instanceof com.fasterxml.jackson.databind.RuntimeJsonMappingException
        && t.getCause() != null) {
      t = t.getCause();
    }
    String m;
    if (t instanceof com.fasterxml.jackson.core.JsonProcessingException jpe) {
      m = jpe.getOriginalMessage();
      var loc = jpe.getLocation();
      if (loc != null && loc.getLineNr() > 0) {
        m = m + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
      }
    } else {
      m = t.getMessage();
    }
    if (m == null) {
      m = t.getClass().getSimpleName();
    }
    return m.replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * A SnakeYAML error as "problem, context (line L, column C)": its own message quotes the input
   * ("in 'reader', line 1, column 21:" and the line with a caret), which is parser internals to a
   * reader and spreads one error over several lines.
   */
  private static String describeYaml(org.yaml.snakeyaml.error.MarkedYAMLException y) {
    StringBuilder m = new StringBuilder();
    if (y.getProblem() != null) {
      m.append(y.getProblem());
    }
    if (y.getContext() != null) {
      m.append(m.length() == 0 ? "" : " ").append(y.getContext());
    }
    if (m.length() == 0) {
      m.append("invalid YAML");
    }
    var mark = y.getProblemMark() != null ? y.getProblemMark() : y.getContextMark();
    if (mark != null) {
      m.append(" (line ")
          .append(mark.getLine() + 1)
          .append(", column ")
          .append(mark.getColumn() + 1)
          .append(')');
    }
    return m.toString().replace('\n', ' ').replace('\r', ' ');
  }
}
