package dev.vigil.ingest.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTest {

  @Test
  void aBareLineMayPostForEveryClusterAndAnArrowNamesTheClusters(@TempDir Path dir)
      throws Exception {
    Path tokens =
        Files.writeString(
            dir.resolve("tokens"),
            "# comment\n  old-style-token  \n\nscoped => prod-eu,prod-us\nstar => *\n");

    Access access = Access.read(tokens, null);

    assertTrue(access.tokens().get("old-style-token").everyCluster());
    assertEquals(Set.of("prod-eu", "prod-us"), access.tokens().get("scoped").clusters());
    assertFalse(access.tokens().get("scoped").mayPostFor("staging"));
    assertTrue(access.tokens().get("star").everyCluster());
    assertEquals("tokens line 4", access.tokens().get("scoped").name());
  }

  @Test
  void subjectsCompareAsX500Names(@TempDir Path dir) throws Exception {
    Path subjects =
        Files.writeString(dir.resolve("subjects"), "CN=kube-apiserver, O=Prod EU => prod-eu\n");

    Access access = Access.read(null, subjects);

    assertEquals(
        Set.of("prod-eu"),
        access.subjects().get(new X500Principal("cn=kube-apiserver,o=Prod EU")).clusters());
  }

  @Test
  void mistakesNameTheFileAndLineButNeverTheToken(@TempDir Path dir) throws Exception {
    Path spaced = Files.writeString(dir.resolve("tokens"), "good\nsecret-one secret-two\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Access.read(spaced, null));
    assertEquals("tokens line 2: a token has no spaces; write clusters after =>", e.getMessage());

    Path emptyList = Files.writeString(dir.resolve("t2"), "secret =>\n");
    e = assertThrows(IllegalArgumentException.class, () -> Access.read(emptyList, null));
    assertEquals("t2 line 1: after => give cluster ids separated by commas, or *", e.getMessage());
    assertFalse(e.getMessage().contains("secret"));

    Path twice = Files.writeString(dir.resolve("t3"), "secret\nsecret => a\n");
    e = assertThrows(IllegalArgumentException.class, () -> Access.read(twice, null));
    assertEquals("t3 line 2: the same token is on an earlier line", e.getMessage());
  }

  @Test
  void settingsRefuseAGrantForAClusterThatIsNotConfigured(@TempDir Path dir) throws Exception {
    Access access =
        Access.read(Files.writeString(dir.resolve("tokens"), "t => prod-eu, typo\n"), null);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new ReceiverSettings(
                    "127.0.0.1",
                    0,
                    dir.resolve("c"),
                    dir.resolve("k"),
                    null,
                    access,
                    Set.of("prod-eu"),
                    1 << 20,
                    10,
                    1,
                    false,
                    null,
                    ReceiverSettings.DEFAULT_HEADER_TIMEOUT,
                    ReceiverSettings.DEFAULT_REQUEST_TIMEOUT,
                    ReceiverSettings.DEFAULT_IDLE_TIMEOUT,
                    10));
    assertEquals(
        "tokens line 1: cluster typo is not one of the clusters [prod-eu]", e.getMessage());
  }
}
