package dev.vigil.ingest.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Who may post, and for which clusters: bearer tokens and client-certificate subjects, each with
 * the cluster ids it may post for.
 *
 * <p>Both files have one credential per line; {@code #} starts a comment line:
 *
 * <pre>
 * s3cret-token-for-everything                  # a bare line: every configured cluster
 * s3cret-token-of-prod-eu =&gt; prod-eu           # only /audit/prod-eu
 * s3cret-token-of-two =&gt; prod-eu, prod-us
 * CN=kube-apiserver,O=prod-us =&gt; prod-us       # in the subject file: a certificate's subject DN
 * </pre>
 *
 * A bare line is what the token file held before clusters could be named, so old files keep
 * working. Subjects compare as X.500 names (RFC 2253), so spacing and case of attribute types do
 * not matter. Errors name the file and line, never the token.
 *
 * @param tokens each accepted bearer token and its grant
 * @param subjects each accepted client-certificate subject and its grant; empty means any
 *     certificate the client CA verified may post for every cluster
 */
public record Access(Map<String, Grant> tokens, Map<X500Principal, Grant> subjects) {

  /** The separator between a credential and its clusters. */
  static final String ARROW = "=>";

  public Access {
    tokens = Map.copyOf(tokens);
    subjects = Map.copyOf(subjects);
  }

  /**
   * What one credential may do.
   *
   * @param name says where the credential came from (file and line), for errors and logs; never the
   *     secret
   * @param clusters the cluster ids it may post for; empty for every configured cluster
   */
  public record Grant(String name, Set<String> clusters) {
    public Grant {
      Objects.requireNonNull(name, "name");
      clusters = Set.copyOf(clusters);
    }

    /** Whether it may post for every configured cluster. */
    public boolean everyCluster() {
      return clusters.isEmpty();
    }

    /** Whether it may post for {@code cluster}. */
    public boolean mayPostFor(String cluster) {
      return clusters.isEmpty() || clusters.contains(cluster);
    }
  }

  /** Tokens that may post for every cluster, and any verified client certificate. */
  public static Access tokens(Set<String> tokens) {
    Map<String, Grant> out = new LinkedHashMap<>();
    int i = 0;
    for (String t : tokens) {
      out.put(t, new Grant("token " + ++i, Set.of()));
    }
    return new Access(out, Map.of());
  }

  /**
   * Reads the token file and the subject file.
   *
   * @param tokenFile may be {@code null}
   * @param subjectFile may be {@code null}
   * @throws IllegalArgumentException naming the file and line of a malformed entry, or a file with
   *     no entry
   * @throws UncheckedIOException when a file cannot be read
   */
  public static Access read(Path tokenFile, Path subjectFile) {
    Map<String, Grant> tokens = new LinkedHashMap<>();
    if (tokenFile != null) {
      parse(
          lines(tokenFile),
          tokenFile.getFileName().toString(),
          (credential, grant, where) -> {
            if (credential.chars().anyMatch(Character::isWhitespace)) {
              throw new IllegalArgumentException(
                  where + ": a token has no spaces; write clusters after " + ARROW);
            }
            if (tokens.put(credential, grant) != null) {
              throw new IllegalArgumentException(where + ": the same token is on an earlier line");
            }
          });
      if (tokens.isEmpty()) {
        throw new IllegalArgumentException(tokenFile + " holds no token");
      }
    }
    Map<X500Principal, Grant> subjects = new LinkedHashMap<>();
    if (subjectFile != null) {
      parse(
          lines(subjectFile),
          subjectFile.getFileName().toString(),
          (credential, grant, where) -> {
            X500Principal subject;
            try {
              subject = new X500Principal(credential);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException(
                  where + ": not a subject DN (e.g. CN=kube-apiserver,O=prod): " + e.getMessage());
            }
            if (subjects.put(subject, grant) != null) {
              throw new IllegalArgumentException(
                  where + ": the same subject is on an earlier line");
            }
          });
      if (subjects.isEmpty()) {
        throw new IllegalArgumentException(subjectFile + " holds no subject");
      }
    }
    return new Access(tokens, subjects);
  }

  /** The cluster ids named by any grant. */
  public Set<String> namedClusters() {
    Set<String> out = new LinkedHashSet<>();
    tokens.values().forEach(g -> out.addAll(g.clusters()));
    subjects.values().forEach(g -> out.addAll(g.clusters()));
    return out;
  }

  /** Every grant, for checks. */
  List<Grant> grants() {
    return java.util.stream.Stream.concat(tokens.values().stream(), subjects.values().stream())
        .toList();
  }

  interface Entry {
    void add(String credential, Grant grant, String where);
  }

  static void parse(List<String> lines, String source, Entry entry) {
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + " line " + (i + 1);
      int arrow = line.lastIndexOf(ARROW);
      String credential = (arrow < 0 ? line : line.substring(0, arrow)).trim();
      Set<String> clusters = new LinkedHashSet<>();
      if (arrow >= 0) {
        for (String c : line.substring(arrow + ARROW.length()).split(",")) {
          String id = c.trim();
          if (id.isEmpty() || id.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(
                where + ": after " + ARROW + " give cluster ids separated by commas," + " or *");
          }
          clusters.add(id);
        }
        if (clusters.contains("*")) {
          if (clusters.size() > 1) {
            throw new IllegalArgumentException(where + ": * (every cluster) stands alone");
          }
          clusters.clear();
        }
      }
      if (credential.isEmpty()) {
        throw new IllegalArgumentException(where + ": nothing before " + ARROW);
      }
      entry.add(credential, new Grant(where, clusters), where);
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
