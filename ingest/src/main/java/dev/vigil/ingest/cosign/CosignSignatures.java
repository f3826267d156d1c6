package dev.vigil.ingest.cosign;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.credentials.DockerConfigCredentialRetriever;
import dev.vigil.ingest.feeds.GrafeasPoller;
import dev.vigil.schemas.Attestation;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads the cosign signatures stored next to an image in its OCI registry: the manifest tagged
 * {@code sha256-<hex>.sig} in the image's repository, whose layers are simple-signing payloads
 * carrying the signature in the {@code dev.cosignproject.cosign/signature} annotation. Each becomes
 * an {@link Attestation} (payload and signature, no key id), which the validator's {@code
 * sigstoreSignatureCheck} verifies with the keys its policy names, as for attestations. The
 * registry protocol is Jib's {@link RegistryClient}; nothing here speaks HTTP itself.
 *
 * <p>Not verified here: that is the validator's job (with the policy's keys). Checked here: every
 * payload's bytes match the layer digest the signature manifest names.
 */
public final class CosignSignatures {

  /** The annotation cosign writes the base64 signature into. */
  public static final String SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";

  /** The note name of the attestations made from cosign signatures. */
  public static final String NOTE = "cosign";

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final int MAX_PAYLOAD_BYTES = 1024 * 1024;
  private static final int MAX_LAYERS = 100;

  /** What the registry said about an image's signatures. */
  public sealed interface Result {}

  /** The signature manifest exists; its signatures (possibly none usable). */
  public record Found(List<Attestation> signatures, List<String> skipped) implements Result {}

  /** No signature manifest: the image is not signed with cosign. */
  public record Unsigned() implements Result {}

  /** The registry could not be asked, or refused: nothing is known. */
  public record Unreachable(String reason) implements Result {}

  private final Function<String, Optional<Credential>> credentials;
  private final Predicate<String> plainHttp;

  /**
   * @param credentials the credential for a registry host, or empty for anonymous access (see
   *     {@link #dockerConfig})
   * @param plainHttp the registries (host[:port]) that may be reached over plain HTTP when HTTPS
   *     fails (test registries); all others only over verified HTTPS
   */
  public CosignSignatures(
      Function<String, Optional<Credential>> credentials, Predicate<String> plainHttp) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.plainHttp = Objects.requireNonNull(plainHttp, "plainHttp");
  }

  /**
   * Credentials from a docker config file ({@code auths}, credential helpers), as {@code docker
   * login} writes it.
   */
  public static Function<String, Optional<Credential>> dockerConfig(Path file) {
    return registry -> {
      try {
        return DockerConfigCredentialRetriever.create(registry, file).retrieve(event -> {});
      } catch (IOException e) {
        return Optional.empty();
      }
    };
  }

  /**
   * For Google's registries (Artifact Registry {@code *-docker.pkg.dev}, Container Registry {@code
   * *gcr.io}), an OAuth access token from {@code tokens} (e.g. {@code GoogleTokens}: the metadata
   * server's on GKE) as the {@code oauth2accesstoken} user; anonymous elsewhere, or when no token
   * can be had.
   */
  public static Function<String, Optional<Credential>> google(GrafeasPoller.Tokens tokens) {
    return registry -> {
      if (!(registry.endsWith("-docker.pkg.dev")
          || registry.equals("gcr.io")
          || registry.endsWith(".gcr.io"))) {
        return Optional.empty();
      }
      try {
        String token = tokens.accessToken();
        return token == null
            ? Optional.empty()
            : Optional.of(Credential.from("oauth2accesstoken", token));
      } catch (IOException e) {
        return Optional.empty();
      }
    };
  }

  /** No credentials: anonymous access everywhere. */
  public static Function<String, Optional<Credential>> anonymous() {
    return registry -> Optional.empty();
  }

  /** {@code first}'s credential, or else {@code second}'s. */
  public static Function<String, Optional<Credential>> either(
      Function<String, Optional<Credential>> first, Function<String, Optional<Credential>> second) {
    return registry -> first.apply(registry).or(() -> second.apply(registry));
  }

  /**
   * The signatures of {@code digest} in {@code repository} ({@code host[:port]/path}, as in an
   * image reference; Docker Hub names are not expanded).
   */
  public Result fetch(String repository, String digest) {
    if (!DIGEST.matcher(digest).matches()) {
      throw new IllegalArgumentException("not a sha256 digest: " + digest);
    }
    int slash = repository.indexOf('/');
    if (slash <= 0 || slash == repository.length() - 1) {
      throw new IllegalArgumentException("not host/repository: " + repository);
    }
    String registry = repository.substring(0, slash);
    String server =
        registry.equals("docker.io") ? "registry-1.docker.io" : registry; // Docker Hub's API host
    String path = repository.substring(slash + 1);
    String tag = digest.replace(':', '-') + ".sig";
    FailoverHttpClient http = new FailoverHttpClient(plainHttp.test(registry), false, event -> {});
    try {
      RegistryClient.Factory factory =
          RegistryClient.factory(EventHandlers.NONE, server, path, http);
      credentials.apply(server).ifPresent(factory::setCredential);
      RegistryClient client = factory.setUserAgent("vigil").newRegistryClient();
      client.doPullBearerAuth();
      // HEAD first: a 404 is the ordinary "not signed", told apart from every other failure.
      if (client.checkManifest(tag).isEmpty()) {
        return new Unsigned();
      }
      Optional<ManifestTemplate> manifest = Optional.of(client.pullManifest(tag).getManifest());
      if (!(manifest.get() instanceof BuildableManifestTemplate m)) {
        return new Found(List.of(), List.of(tag + ": not an image manifest"));
      }
      List<Attestation> out = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      List<BuildableManifestTemplate.ContentDescriptorTemplate> layers = m.getLayers();
      for (int i = 0; i < Math.min(layers.size(), MAX_LAYERS); i++) {
        BuildableManifestTemplate.ContentDescriptorTemplate layer = layers.get(i);
        Map<String, String> annotations = layer.getAnnotations();
        String signature = annotations == null ? null : annotations.get(SIGNATURE_ANNOTATION);
        if (signature == null || layer.getDigest() == null) {
          skipped.add(tag + " layer " + i + ": no " + SIGNATURE_ANNOTATION + " annotation");
          continue;
        }
        if (layer.getSize() > MAX_PAYLOAD_BYTES) {
          skipped.add(
              tag + " layer " + i + ": payload of " + layer.getSize() + " bytes is too large");
          continue;
        }
        byte[] payload =
            Blobs.writeToByteArray(client.pullBlob(layer.getDigest(), size -> {}, read -> {}));
        if (!sha256(payload).equals(layer.getDigest().toString())) {
          skipped.add(
              tag + " layer " + i + ": payload does not match its digest " + layer.getDigest());
          continue;
        }
        out.add(
            new Attestation(
                occurrence(repository, digest, layer.getDigest(), signature),
                NOTE,
                "https://" + repository + "@" + digest,
                digest,
                Base64.getEncoder().encodeToString(payload),
                List.of(new Attestation.Signature("", signature)),
                null,
                null));
      }
      return new Found(out, skipped);
    } catch (RegistryUnauthorizedException e) {
      return new Unreachable(registry + " refused access to " + path + ": " + e.getMessage());
    } catch (IOException | RegistryException | RuntimeException e) {
      return new Unreachable(
          registry + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      try {
        http.shutDown();
      } catch (IOException e) {
        // nothing left to do with it
      }
    }
  }

  /**
   * The occurrence name of one signature: where it was read, and a short hash of the signature (one
   * payload can carry several signatures, by several keys).
   */
  static String occurrence(
      String repository, String digest, DescriptorDigest layer, String signature) {
    return "cosign:"
        + repository
        + ":"
        + digest.replace(':', '-')
        + ".sig/"
        + layer
        + "/"
        + sha256(signature.getBytes(java.nio.charset.StandardCharsets.UTF_8)).substring(7, 23);
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
