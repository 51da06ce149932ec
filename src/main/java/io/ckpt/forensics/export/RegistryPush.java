package io.ckpt.forensics.export;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.registry.RegistryClient;
import com.google.cloud.tools.jib.registry.credentials.DockerConfigCredentialRetriever;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.DigestException;
import java.util.Optional;

/**
 * Pushes a {@link CheckpointImage} with Jib's registry client (the distribution API: auth challenges,
 * bearer tokens or basic auth, blob uploads, the manifest), without a daemon. Failures are sorted into
 * what a caller can act on ({@link Failure.Kind}); messages never hold credentials.
 */
public final class RegistryPush {

  /** The image as the registry now holds it. */
  public record Pushed(String image, String digest, String reference) {
  }

  /** A push that did not happen, and whether the registry refused it or could not be used. */
  public static final class Failure extends Exception {

    /** What went wrong, as ExportFailure's reasons say it. */
    public enum Kind {
      /** 401, 403, 405 or another refusal: credentials, rights, a read-only registry. */
      REFUSED,
      /** Connection, TLS, or a 5xx answer. */
      UNAVAILABLE
    }

    private final Kind kind;

    Failure(Kind kind, String message, Throwable cause) {
      super(message, cause);
      this.kind = kind;
    }

    public Kind kind() {
      return kind;
    }
  }

  private RegistryPush() {
  }

  /**
   * The credential a Docker config file (config.json, or a dockerconfigjson Secret's .dockerconfigjson)
   * gives for {@code registry}; empty when it has none.
   */
  public static Optional<Credential> credentialFrom(Path dockerConfig, String registry) throws IOException {
    return DockerConfigCredentialRetriever.create(registry, dockerConfig).retrieve(event -> { });
  }

  /**
   * Pushes config, layer and manifest; {@code plainHttp} is Jib's insecure-registry mode: HTTP (with
   * the credentials) and TLS without certificate checks, for a registry on loopback or in a test network.
   */
  public static Pushed push(CheckpointImage image, PushTarget target, Optional<Credential> credential,
      boolean plainHttp) throws Failure {
    FailoverHttpClient http = new FailoverHttpClient(plainHttp, plainHttp, event -> { });
    String where = " pushing to " + target.image();
    try {
      RegistryClient client = RegistryClient.factory(EventHandlers.NONE, target.registry(), target.repository(), http)
          .setCredential(credential.orElse(null)).setUserAgent("fcp-image").newRegistryClient();
      if (!client.doPushBearerAuth() && credential.isPresent()) {
        client.configureBasicAuth();
      }
      client.pushBlob(digest(image.manifest().config().digest()),
          Blobs.from(new ByteArrayInputStream(image.configBytes())), null, n -> { });
      client.pushBlob(digest(image.manifest().layer().digest()), Blobs.from(image::writeLayerTo, true), null,
          n -> { });
      DescriptorDigest pushed = client.pushManifest(image.manifest(), target.tag());
      if (!pushed.toString().equals(image.manifestDigest())) {
        throw new Failure(Failure.Kind.UNAVAILABLE, "the registry stored the manifest under " + pushed + ", not "
            + image.manifestDigest() + where, null);
      }
      return new Pushed(target.image(), image.manifestDigest(), target.reference(image.manifestDigest()));
    } catch (RegistryException | IOException e) {
      throw classify(e, where, plainHttp, credential.isPresent());
    } finally {
      try {
        http.shutDown();
      } catch (IOException e) {
        // nothing is left to release that matters to the push's outcome
      }
    }
  }

  private static Failure classify(Exception e, String where, boolean plainHttp, boolean withCredential) {
    int status = statusOf(e);
    String detail = RestoreSanitizer.quoted(oneLine(e));
    boolean unauthorized = e instanceof RegistryUnauthorizedException || status == 401 || status == 403;
    if (unauthorized && !withCredential) {
      return new Failure(Failure.Kind.REFUSED, "the registry asks for credentials and the Docker config has none for"
          + " it" + where + ": add an entry for the registry host (docker login, or --registry-config)", e);
    }
    if (unauthorized) {
      return new Failure(Failure.Kind.REFUSED, "the registry refused the credentials"
          + (status > 0 ? " (HTTP " + status + ")" : "") + where + ": check the Docker config's entry for this registry and its push rights", e);
    }
    if (status == 405 || status >= 400 && status < 500) {
      return new Failure(Failure.Kind.REFUSED, "the registry refused the push (HTTP " + status + ", a read-only"
          + " registry answers 405)" + where + ": " + detail, e);
    }
    if (status >= 500) {
      return new Failure(Failure.Kind.UNAVAILABLE, "the registry failed (HTTP " + status + ")" + where + ": " + detail,
          e);
    }
    String hint = plainHttp ? "" : " (a registry without TLS needs --plain-http)";
    return new Failure(Failure.Kind.UNAVAILABLE, "the registry could not be reached" + where + ": " + detail + hint,
        e);
  }

  private static int statusOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ResponseException r) {
        return r.getStatusCode();
      }
    }
    return -1;
  }

  private static String oneLine(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null && b.length() < 300; t = t.getCause()) {
      if (t.getMessage() != null) {
        b.append(b.length() == 0 ? "" : ": ").append(t.getMessage().replaceAll("\\s+", " "));
      }
    }
    return b.length() == 0 ? e.getClass().getSimpleName() : b.toString();
  }

  private static DescriptorDigest digest(String digest) {
    try {
      return DescriptorDigest.fromDigest(digest);
    } catch (DigestException e) {
      throw new IllegalStateException(digest, e);
    }
  }
}
