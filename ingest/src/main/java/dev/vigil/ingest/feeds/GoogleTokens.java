package dev.vigil.ingest.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * OAuth 2.0 access tokens for Google APIs from the environment's standard sources (Application
 * Default Credentials), in this order: the JSON file {@code GOOGLE_APPLICATION_CREDENTIALS} names
 * (a service-account key, or an {@code authorized_user} file), gcloud's {@code
 * application_default_credentials.json}, then the metadata server of GCE / GKE (Workload Identity)
 * at {@code GCE_METADATA_HOST} or {@code metadata.google.internal}. Tokens are cached until a
 * minute before they expire. Secrets never appear in messages.
 */
public final class GoogleTokens implements GrafeasPoller.Tokens {

  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

  /** Fetches a new token. */
  @FunctionalInterface
  interface Source {
    Token fetch(HttpClient http, Instant now) throws IOException;
  }

  record Token(String value, Instant expires) {}

  private final HttpClient http;
  private final Clock clock;
  private final Source source;
  private final String description;
  private Token cached;

  GoogleTokens(HttpClient http, Clock clock, Source source, String description) {
    this.http = Objects.requireNonNull(http, "http");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.source = Objects.requireNonNull(source, "source");
    this.description = description;
  }

  /** From the standard sources, as described above. */
  public static GoogleTokens fromEnvironment(HttpClient http, Clock clock) throws IOException {
    String file = System.getenv("GOOGLE_APPLICATION_CREDENTIALS");
    if (file != null && !file.isBlank()) {
      return fromFile(Path.of(file), http, clock);
    }
    String config = System.getenv("CLOUDSDK_CONFIG");
    Path gcloud =
        config != null
            ? Path.of(config)
            : System.getenv("APPDATA") != null
                ? Path.of(System.getenv("APPDATA"), "gcloud")
                : Path.of(System.getProperty("user.home"), ".config", "gcloud");
    Path adc = gcloud.resolve("application_default_credentials.json");
    if (Files.isRegularFile(adc)) {
      return fromFile(adc, http, clock);
    }
    String host = System.getenv("GCE_METADATA_HOST");
    return metadataServer(
        URI.create(
            "http://" + (host == null || host.isBlank() ? "metadata.google.internal" : host)),
        http,
        clock);
  }

  /** A service-account key or {@code authorized_user} JSON file. */
  public static GoogleTokens fromFile(Path file, HttpClient http, Clock clock) throws IOException {
    JsonNode json;
    try {
      json = Json.mapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IOException("cannot read Google credentials " + file + ": " + e.getMessage());
    }
    String type = json.path("type").asText("");
    String tokenUri = json.path("token_uri").asText(DEFAULT_TOKEN_URI);
    Grant grant;
    String description;
    switch (type) {
      case "service_account" -> {
        String email = required(json, "client_email", file);
        PrivateKey key = privateKey(required(json, "private_key", file), file);
        String keyId = json.path("private_key_id").asText(null);
        grant =
            now ->
                Map.of(
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion",
                    jwt(email, keyId, key, tokenUri, now));
        description = "service account " + email;
      }
      case "authorized_user" -> {
        String clientId = required(json, "client_id", file);
        String secret = required(json, "client_secret", file);
        String refresh = required(json, "refresh_token", file);
        grant =
            now ->
                Map.of(
                    "grant_type",
                    "refresh_token",
                    "client_id",
                    clientId,
                    "client_secret",
                    secret,
                    "refresh_token",
                    refresh);
        description = "authorized user of " + file;
      }
      default ->
          throw new IOException(
              "Google credentials "
                  + file
                  + ": type '"
                  + type
                  + "' is not supported (service_account or authorized_user)");
    }
    // Both post their grant's form to the token endpoint at each fetch.
    return new GoogleTokens(
        http, clock, (h, now) -> exchange(h, tokenUri, grant.form(now), now), description);
  }

  /** The metadata server's token for the instance's (or the Workload Identity) service account. */
  public static GoogleTokens metadataServer(URI root, HttpClient http, Clock clock) {
    URI uri = root.resolve("/computeMetadata/v1/instance/service-accounts/default/token");
    return new GoogleTokens(
        http,
        clock,
        (h, now) ->
            token(
                send(
                    h,
                    HttpRequest.newBuilder(uri)
                        .header("Metadata-Flavor", "Google")
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                    "the metadata server"),
                now),
        "metadata server " + root.getHost());
  }

  @Override
  public synchronized String accessToken() throws IOException {
    Instant now = clock.instant();
    if (cached == null || now.isAfter(cached.expires().minusSeconds(60))) {
      cached = source.fetch(http, now);
    }
    return cached.value();
  }

  @Override
  public String toString() {
    return "GoogleTokens[" + description + "]";
  }

  /** The form of an OAuth grant, made at each fetch. */
  @FunctionalInterface
  private interface Grant {
    Map<String, String> form(Instant now) throws IOException;
  }

  private static Token exchange(
      HttpClient http, String tokenUri, Map<String, String> form, Instant now) throws IOException {
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return token(
        send(
            http,
            HttpRequest.newBuilder(URI.create(tokenUri))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            tokenUri),
        now);
  }

  private static JsonNode send(HttpClient http, HttpRequest request, String what)
      throws IOException {
    HttpResponse<byte[]> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + what + " for a token");
    }
    JsonNode json;
    try {
      json = Json.mapper().readTree(r.body());
    } catch (IOException e) {
      json = null;
    }
    if (r.statusCode() != 200 || json == null || !json.hasNonNull("access_token")) {
      String why =
          json == null ? "" : json.path("error_description").asText(json.path("error").asText(""));
      throw new IOException(
          what
              + " gave no access token: HTTP "
              + r.statusCode()
              + (why.isEmpty() ? "" : " " + why));
    }
    return json;
  }

  private static Token token(JsonNode json, Instant now) {
    return new Token(
        json.get("access_token").asText(), now.plusSeconds(json.path("expires_in").asLong(3600)));
  }

  /**
   * A signed JWT asking for a cloud-platform token (RFC 7523), as Google's token endpoint expects.
   */
  static String jwt(String email, String keyId, PrivateKey key, String audience, Instant now)
      throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", "RS256");
    header.put("typ", "JWT");
    if (keyId != null) {
      header.put("kid", keyId);
    }
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", email);
    claims.put("scope", SCOPE);
    claims.put("aud", audience);
    claims.put("iat", now.getEpochSecond());
    claims.put("exp", now.getEpochSecond() + 3600);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(Json.write(header)) + "." + b64.encodeToString(Json.write(claims));
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64.encodeToString(s.sign());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot sign the token request: " + e.getMessage());
    }
  }

  private static PrivateKey privateKey(String pem, Path file) throws IOException {
    String base64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("Google credentials " + file + ": private_key is not a PKCS#8 RSA key");
    }
  }

  private static String required(JsonNode json, String field, Path file) throws IOException {
    String v = json.path(field).asText(null);
    if (v == null || v.isBlank()) {
      throw new IOException("Google credentials " + file + ": " + field + " is missing");
    }
    return v;
  }
}
