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
import java.util.regex.Pattern;

/**
 * Reads the cosign signatures stored next to an image in its OCI registry: the manifest tagged
 * {@code sha256-<hex>.sig} in the image's repository, whose layers are simple-signing payloads
 * carrying the signature in the {@code dev.cosignproject.cosign/signature} annotation. Each
 * becomes an {@link Attestation} (payload and signature, no key id), which the validator's
 * {@code sigstoreSignatureCheck} verifies with the keys its policy names, as for attestations.
 * The registry protocol is Jib's {@link RegistryClient}; nothing here speaks HTTP itself.
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
  private final boolean allowPlainHttp;

  /**
   * @param credentials the credential for a registry host, or empty for anonymous access (see
   *     {@link #dockerConfig})
   * @param allowPlainHttp whether a registry may be reached over plain HTTP (test registries)
   */
  public CosignSignatures(Function<String, Optional<Credential>> credentials, boolean allowPlainHttp) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.allowPlainHttp = allowPlainHttp;
  }

  /** Credentials from a docker config file ({@code auths}, credential helpers), as {@code docker login} writes it. */
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
    String path = repository.substring(slash + 1);
    String tag = digest.replace(':', '-') + ".sig";
    FailoverHttpClient http = new FailoverHttpClient(allowPlainHttp, false, event -> {});
    try {
      RegistryClient.Factory factory = RegistryClient.factory(EventHandlers.NONE, registry, path, http);
      credentials.apply(registry).ifPresent(factory::setCredential);
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
          skipped.add(tag + " layer " + i + ": payload of " + layer.getSize() + " bytes is too large");
          continue;
        }
        byte[] payload = Blobs.writeToByteArray(client.pullBlob(layer.getDigest(), size -> {}, read -> {}));
        if (!sha256(payload).equals(layer.getDigest().toString())) {
          skipped.add(tag + " layer " + i + ": payload does not match its digest " + layer.getDigest());
          continue;
        }
        out.add(new Attestation(occurrence(repository, digest, layer.getDigest()), NOTE,
            "https://" + repository + "@" + digest, digest, Base64.getEncoder().encodeToString(payload),
            List.of(new Attestation.Signature("", signature)), null, null));
      }
      return new Found(out, skipped);
    } catch (RegistryUnauthorizedException e) {
      return new Unreachable(registry + " refused access to " + path + ": " + e.getMessage());
    } catch (IOException | RegistryException | RuntimeException e) {
      return new Unreachable(registry + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      try {
        http.shutDown();
      } catch (IOException e) {
        // nothing left to do with it
      }
    }
  }

  /** The occurrence name of one signature: where it was read. */
  static String occurrence(String repository, String digest, DescriptorDigest layer) {
    return "cosign:" + repository + ":" + digest.replace(':', '-') + ".sig/" + layer;
  }

  private static String sha256(byte[] bytes) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
