package dev.vigil.ingest.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Decides who sent a request, and so which clusters it may post for: a client certificate that the
 * TLS layer verified against the configured client CA (and, when subjects are listed, whose subject
 * is listed), or a bearer token from the configured set.
 */
public final class Authenticator {

  private static final Access.Grant ANY_CERTIFICATE =
      new Access.Grant("a verified client certificate", Set.of());

  private final List<Map.Entry<byte[], Access.Grant>> tokens;
  private final Map<X500Principal, Access.Grant> subjects;
  private final boolean clientCertificates;

  /**
   * @param clientCertificates whether verified client certificates are accepted
   * @throws IllegalArgumentException when neither tokens nor certificates are: the receivers never
   *     run open
   */
  public Authenticator(Access access, boolean clientCertificates) {
    if (access.tokens().isEmpty() && !clientCertificates) {
      throw new IllegalArgumentException(
          "no authentication configured: give bearer tokens, a client CA, or both");
    }
    this.tokens =
        access.tokens().entrySet().stream()
            .map(e -> Map.entry(e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue()))
            .toList();
    this.subjects = access.subjects();
    this.clientCertificates = clientCertificates;
  }

  /** Tokens that may post for every cluster. */
  public Authenticator(Set<String> bearerTokens, boolean clientCertificates) {
    this(Access.tokens(bearerTokens), clientCertificates);
  }

  /** The grant of the request's credentials, or empty when it has none that are accepted. */
  public Optional<Access.Grant> authenticate(HttpRequest request) {
    X509Certificate cert = request.clientCertificate();
    if (clientCertificates && cert != null) {
      if (subjects.isEmpty()) {
        return Optional.of(ANY_CERTIFICATE);
      }
      Access.Grant g = subjects.get(cert.getSubjectX500Principal());
      if (g != null) {
        return Optional.of(g);
      }
    }
    String auth = request.header("authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    byte[] presented = auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    Access.Grant found = null;
    for (Map.Entry<byte[], Access.Grant> t : tokens) {
      if (MessageDigest.isEqual(t.getKey(), presented)
          && found == null) { // constant time, no early exit
        found = t.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  /** Whether the request is authenticated. */
  public boolean allows(HttpRequest request) {
    return authenticate(request).isPresent();
  }
}
