package dev.vigil.validator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.schemas.PolicyDocument;
import org.junit.jupiter.api.Test;

/** The read limits that keep a hostile document from exhausting the reader. */
class DocumentsTest {

  @Test
  void yamlAliasesAreRefusedSoTheyCannotBombOrSilentlyBecomeStrings() {
    String bomb =
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";

    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read(bomb, PolicyDocument.Format.YAML));
  }

  @Test
  void duplicateKeysAreRefusedInYamlAndJson() {
    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read("a: 1\na: 2\n", PolicyDocument.Format.YAML));
    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read("{\"a\": 1, \"a\": 2}", PolicyDocument.Format.JSON));
  }

  @Test
  void deepNestingIsRefused() {
    String deep = "[".repeat(200) + "]".repeat(200);

    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read(deep, PolicyDocument.Format.JSON));
    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read(deep, PolicyDocument.Format.YAML));
  }

  @Test
  void oversizedDocumentsAreRefused() {
    String big = "a: \"" + "x".repeat(Documents.MAX_DOCUMENT_CHARS) + "\"\n";

    assertThrows(
        Documents.UnreadableDocumentException.class,
        () -> Documents.read(big, PolicyDocument.Format.YAML));
  }

  @Test
  void multiDocumentYamlGivesEveryDocument() throws Exception {
    assertEquals(
        3, Documents.readAll("a: 1\n---\nb: 2\n---\nc: 3\n", PolicyDocument.Format.YAML).size());
  }

  /** A YAML syntax error says what and where, in one line, without the parser's internals. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      textBlock =
          """
      unclosed flow sequence | 'kind: Pod\nmetadata: {name: [unclosed\n'  | line 3
      bad indentation        | 'a: 1\n  b: 2\n'                          | line 2
      unterminated quote     | 'a: \"x\n'                                  | line 2
      duplicate key          | 'a: 1\na: 2\n'                            | line 2
      """)
  void yamlErrorsSayWhereWithoutParserInternals(String what, String yaml, String where) {
    Documents.UnreadableDocumentException e =
        assertThrows(
            Documents.UnreadableDocumentException.class,
            () -> Documents.read(yaml.replace("\\n", "\n"), PolicyDocument.Format.YAML));

    String m = e.getMessage();
    org.junit.jupiter.api.Assertions.assertTrue(m.contains(where), m);
    org.junit.jupiter.api.Assertions.assertFalse(m.contains("'reader'"), m);
    org.junit.jupiter.api.Assertions.assertFalse(m.contains("^"), m);
    org.junit.jupiter.api.Assertions.assertFalse(m.contains("\n"), m);
    org.junit.jupiter.api.Assertions.assertFalse(
        m.contains("org.yaml") || m.contains("snakeyaml"), m);
  }
}
