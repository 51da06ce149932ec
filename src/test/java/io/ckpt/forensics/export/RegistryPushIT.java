package io.ckpt.forensics.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.cli.FcpMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fcp image --push to a real registry (the distribution project's, built by operator/provision),
 * started on loopback by each test; what the push printed is checked against what the registry
 * serves over its HTTP API. Skipped with the reason, or failed under FCP_LAB_REQUIRED=true, when the
 * registry has not been built.
 */
class RegistryPushIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path tmp;

  record Run(int exit, String out, String err) {
  }

  private static Run fcp(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FcpMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Run(code, out.toString(), err.toString());
  }

  private static String line(String out, String label) {
    Matcher m = Pattern.compile("(?m)^" + label + "\\s+(\\S+)").matcher(out);
    assertThat(m.find()).as(label + " in\n" + out).isTrue();
    return m.group(1);
  }

  @Test
  void theRegistryServesTheManifestLayerAndDigestThatFcpPrinted() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("open"), "", "")) {
      String ref = registry.host() + "/forensics/nginx:case-42";

      Run push = fcp("image", archive.toString(), "--name", "nginx", "--push", ref, "--plain-http");

      assertThat(push.exit()).as(push.err()).isZero();
      String digest = line(push.out(), "Digest");
      assertThat(line(push.out(), "Image")).isEqualTo(ref);
      assertThat(line(push.out(), "Pull")).isEqualTo(registry.host() + "/forensics/nginx@" + digest);

      HttpResponse<byte[]> byTag = get(registry, "/v2/forensics/nginx/manifests/case-42", OCI_MANIFEST, null);
      assertThat(byTag.statusCode()).isEqualTo(200);
      assertThat(byTag.headers().firstValue("Docker-Content-Digest")).contains(digest);
      assertThat(byTag.headers().firstValue("Content-Type")).contains(OCI_MANIFEST);
      assertThat(CheckpointImageTest.sha256(byTag.body())).isEqualTo(digest);
      assertThat(get(registry, "/v2/forensics/nginx/manifests/" + digest, OCI_MANIFEST, null).body())
          .isEqualTo(byTag.body());

      JsonNode manifest = JSON.readTree(byTag.body());
      assertThat(manifest.path("annotations").path(CheckpointAnnotations.CRIO_NAME).asText()).isEqualTo("nginx");
      assertThat(manifest.path("annotations").path(CheckpointAnnotations.CRIU_NAME).asText()).isEqualTo("nginx");
      assertThat(manifest.path("annotations").path(CheckpointAnnotations.CRIU_ROOTFS_IMAGE_NAME).asText())
          .isEqualTo("docker.io/library/nginx:latest");

      // the layer the registry holds is the one fcp builds for a layout: same archive, same bytes
      String layerDigest = manifest.path("layers").get(0).path("digest").asText();
      assertThat(line(push.out(), "Layer")).isEqualTo(layerDigest);
      byte[] layer = get(registry, "/v2/forensics/nginx/blobs/" + layerDigest, null, null).body();
      assertThat(CheckpointImageTest.sha256(layer)).isEqualTo(layerDigest);
      assertThat((long) layer.length).isEqualTo(manifest.path("layers").get(0).path("size").asLong());
      CheckpointImage local = CheckpointImage.build(archive, new CheckpointImage.Facts("nginx", Optional.empty(),
          Optional.empty(), Optional.empty()), tmp);
      try {
        assertThat(local.manifest().layer().digest()).isEqualTo(layerDigest);
        assertThat(local.manifestDigest()).isEqualTo(digest);
      } finally {
        local.deleteLayer();
      }
      JsonNode config = JSON.readTree(get(registry, "/v2/forensics/nginx/blobs/"
          + manifest.path("config").path("digest").asText(), null, null).body());
      assertThat(config.path("rootfs").path("diff_ids")).hasSize(1);
    }
  }

  @Test
  void wrongOrMissingCredentialsAreRefusedWithExitFiveAndTheRightOnesPush() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Path dir = tmp.resolve("auth");
    Files.createDirectories(dir);
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    Path htpasswd = Files.writeString(dir.resolve("htpasswd"),
        "responder:" + OpenBSDBCrypt.generate("2y", "right-password".toCharArray(), salt, 10) + "\n");
    String auth = "auth:\n  htpasswd:\n    realm: fcp-test\n    path: " + htpasswd + "\n";
    try (RegistryServer registry = RegistryServer.start(dir, "", auth)) {
      String ref = registry.host() + "/forensics/nginx:case-42";

      Run anonymous = fcp("image", archive.toString(), "--name", "nginx", "--push", ref, "--plain-http",
          "--registry-config", dockerConfig(registry, "responder", "", "none.json").toString());
      Run wrong = fcp("image", archive.toString(), "--name", "nginx", "--push", ref, "--plain-http",
          "--registry-config", dockerConfig(registry, "responder", "wrong-password", "wrong.json").toString());
      Run right = fcp("image", archive.toString(), "--name", "nginx", "--push", ref, "--plain-http",
          "--registry-config", dockerConfig(registry, "responder", "right-password", "right.json").toString());

      assertThat(anonymous.exit()).as(anonymous.out() + anonymous.err()).isEqualTo(5);
      assertThat(anonymous.err()).startsWith("fcp: the registry asks for credentials and the Docker config has none"
          + " for it pushing to " + ref);
      assertThat(wrong.exit()).as(wrong.out() + wrong.err()).isEqualTo(5);
      assertThat(wrong.err()).startsWith("fcp: the registry refused the credentials").contains("pushing to " + ref)
          .doesNotContain("wrong-password", "d3JvbmctcGFzc3dvcmQ");
      assertThat(anonymous.out() + wrong.out()).isEmpty();
      assertThat(right.exit()).as(right.err()).isZero();
      String basic = "Basic " + Base64.getEncoder().encodeToString("responder:right-password".getBytes(
          StandardCharsets.UTF_8));
      HttpResponse<byte[]> manifest = get(registry, "/v2/forensics/nginx/manifests/case-42", OCI_MANIFEST, basic);
      assertThat(manifest.statusCode()).isEqualTo(200);
      assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(line(right.out(), "Digest"));
      assertThat(get(registry, "/v2/forensics/nginx/manifests/case-42", OCI_MANIFEST, null).statusCode())
          .as("the registry does check").isEqualTo(401);
    }
  }

  @Test
  void aReadOnlyRegistryRefusesThePushWithExitFive() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    String readOnly = "  maintenance:\n    readonly:\n      enabled: true\n";
    try (RegistryServer registry = RegistryServer.start(tmp.resolve("ro"), readOnly, "")) {
      String ref = registry.host() + "/forensics/nginx:case-42";

      Run push = fcp("image", archive.toString(), "--name", "nginx", "--push", ref, "--plain-http");

      assertThat(push.exit()).as(push.out() + push.err()).isEqualTo(5);
      assertThat(push.err()).startsWith("fcp: the registry refused the push (HTTP 405").contains(ref);
      assertThat(get(registry, "/v2/forensics/nginx/manifests/case-42", OCI_MANIFEST, null).statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  void aRegistryThatIsNotThereIsUnreachableWithExitFive() throws Exception {
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    Path dir = tmp.resolve("gone");
    String host;
    try (RegistryServer registry = RegistryServer.start(dir, "", "")) {
      host = registry.host();
    }

    Run plain = fcp("image", archive.toString(), "--name", "nginx", "--push", host + "/forensics/nginx:1",
        "--plain-http");

    assertThat(plain.exit()).isEqualTo(5);
    assertThat(plain.err()).startsWith("fcp: the registry could not be reached pushing to " + host);
  }

  private Path dockerConfig(RegistryServer registry, String user, String password, String name) throws Exception {
    String auth = password.isEmpty() ? "{}" : "{\"" + registry.host() + "\":{\"auth\":\""
        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}}";
    return Files.writeString(tmp.resolve(name), "{\"auths\":" + auth + "}");
  }

  private static HttpResponse<byte[]> get(RegistryServer registry, String path, String accept, String authorization)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(registry.url(path));
    if (accept != null) {
      request.header("Accept", accept);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
