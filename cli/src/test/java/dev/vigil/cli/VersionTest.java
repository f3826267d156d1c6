package dev.vigil.cli;

import static dev.vigil.cli.VigilRun.vigil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code vigil --version}: the project version and the commit, stamped at build. */
class VersionTest {

  @Test
  void printsTheProjectVersionAndTheCommitItWasBuiltFrom() throws Exception {
    VigilRun run = vigil("--version");

    assertEquals(0, run.code(), run.err());
    Matcher m =
        Pattern.compile("^vigil (\\S+) \\(commit ([0-9a-f]{12})(, modified)?\\)$")
            .matcher(run.out().strip());
    assertTrue(m.matches(), run.out());
    assertEquals(projectVersion(), m.group(1));
    assertTrue(git("rev-parse", "HEAD").startsWith(m.group(2)), m.group(2) + " is not HEAD");
  }

  @Test
  void withoutGitTheCommitIsUnknown() {
    // What Maven leaves when git-commit-id-maven-plugin finds no .git directory.
    BuildInfo info = BuildInfo.of("0.3.0", "${git.commit.id.abbrev}", "${git.dirty}");

    assertEquals("vigil 0.3.0 (unknown commit)", info.toString());
    assertEquals(
        "vigil 0.3.0 (commit 0123456789ab, modified)",
        BuildInfo.of("0.3.0", "0123456789ab", "true").toString());
  }

  /** The version in the module's pom (its parent's, which it inherits). */
  private static String projectVersion() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"), StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
    assertTrue(m.find(), "no parent version in cli/pom.xml");
    return m.group(1).strip();
  }

  private static String git(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "git";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, p.waitFor(), out);
    return out;
  }
}
