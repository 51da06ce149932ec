package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.lab.RequiresS3Server;
import io.ckpt.forensics.lab.S3TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link S3EvidenceStore}'s requests are signed as S3 checks them: moto verifies every SigV4
 * signature once its first requests (this test's setup, unsigned for all it cares) are spent, against
 * an access key created in its IAM, and refuses a wrong secret with 403.
 */
@RequiresS3Server
class S3EvidenceStoreSigningIT {

  private static final String BUCKET = "evidence-signed";
  private static final int PART = S3StoreSettings.MIN_PART_SIZE;
  /** The setup's requests and a few probes; the probes then wait until moto checks signatures. */
  private static final int UNCHECKED_REQUESTS = 12;

  private static S3TestServer server;
  private static AwsCredentials collector;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3TestServer.start(Path.of(System.getProperty("lab.dir", "target/lab")).resolve("s3-signed"),
        Map.of(S3TestServer.NO_AUTH_COUNT_VARIABLE, Integer.toString(UNCHECKED_REQUESTS)));
    iam("CreateUser", Map.of("UserName", "collector"));
    iam("PutUserPolicy", Map.of("UserName", "collector", "PolicyName", "evidence", "PolicyDocument",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"));
    String created = iam("CreateAccessKey", Map.of("UserName", "collector"));
    collector = AwsBasicCredentials.create(S3Xml.element(created, "AccessKeyId").orElseThrow(),
        S3Xml.element(created, "SecretAccessKey").orElseThrow());
    try (S3Client admin = server.adminClient()) {
      admin.createBucket(b -> b.bucket(BUCKET).objectLockEnabledForBucket(true));
      // the admin's key is not in moto's IAM: refused once moto checks (bounded: the count is known)
      for (int probe = 0; ; probe++) {
        assertThat(probe).as("moto checks signatures after " + UNCHECKED_REQUESTS + " requests").isLessThan(
            UNCHECKED_REQUESTS);
        try {
          admin.headBucket(b -> b.bucket(BUCKET));
        } catch (S3Exception e) {
          assertThat(e.statusCode()).isEqualTo(403);
          break;
        }
      }
    }
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  private static S3EvidenceStore store(AwsCredentials credentials) {
    return new S3EvidenceStore(new S3StoreSettings(Optional.of(server.endpoint()), "us-east-1", BUCKET, "cases/", true,
        Optional.of(new ObjectLockRetention(ObjectLockRetention.Mode.COMPLIANCE, Duration.ofDays(1))), PART),
        StaticCredentialsProvider.create(credentials), Clock.systemUTC());
  }

  /** Every request of a store, multipart and retention included, with the right key: moto accepts each signature. */
  @Test
  void signedRequestsAreAccepted() throws Exception {
    try (S3EvidenceStore store = store(collector)) {
      long size = 2L * PART + 3;
      StoredEvidence stored = store.store("dev/signed/c.tar", EvidenceContent.of(new GeneratedBytes(21, size), size,
          GeneratedBytes.sha256(21, size)));
      store.store("dev/signed/small.tar", EvidenceContent.of(new ByteArrayInputStream(new byte[10]), 10,
          Sha256Tally.of(new ByteArrayInputStream(new byte[10])).hex()));

      assertThat(stored.versionId()).isPresent();
      try (InputStream in = store.open("dev/signed/c.tar")) {
        assertThat(Sha256Tally.of(in).hex()).isEqualTo(GeneratedBytes.sha256(21, size));
      }
    }
  }

  @Test
  void aWrongSecretIsRefusedWith403() throws Exception {
    AwsCredentials wrong = AwsBasicCredentials.create(collector.accessKeyId(), collector.secretAccessKey() + "x");
    try (S3EvidenceStore store = store(wrong)) {
      assertThatThrownBy(() -> store.store("dev/unsigned/c.tar", EvidenceContent.of(
          new ByteArrayInputStream(new byte[10]), 10, Sha256Tally.of(new ByteArrayInputStream(new byte[10])).hex())))
          .isInstanceOf(EvidenceStoreException.class)
          .hasMessageContaining("S3 PutObject of s3://" + BUCKET + "/cases/dev/unsigned/c.tar failed: HTTP 403")
          .hasMessageContaining("check that the credentials are current")
          .hasMessageNotContaining(collector.secretAccessKey());
    }
  }

  /** An IAM query API call, signed for moto's routing (it checks nothing yet), answered with its XML. */
  private static String iam(String action, Map<String, String> parameters) throws IOException {
    String form = "Action=" + action + "&Version=2010-05-08" + parameters.entrySet().stream()
        .map(p -> "&" + p.getKey() + "=" + URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining());
    byte[] body = form.getBytes(StandardCharsets.UTF_8);
    URI endpoint = server.endpoint();
    SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).protocol(endpoint.getScheme())
        .host(endpoint.getHost()).port(endpoint.getPort()).encodedPath("/")
        .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8").build();
    SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsBasicCredentials.create("admin", "admin"))
        .request(request).payload(() -> new ByteArrayInputStream(body))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "iam")
        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
    HttpURLConnection connection = (HttpURLConnection) endpoint.resolve("/").toURL().openConnection();
    try {
      connection.setRequestMethod("POST");
      signed.request().forEachHeader((name, values) -> {
        if (!name.equalsIgnoreCase("Host")) {
          connection.setRequestProperty(name, String.join(",", values));
        }
      });
      connection.setDoOutput(true);
      try (OutputStream out = connection.getOutputStream()) {
        out.write(body);
      }
      int status = connection.getResponseCode();
      InputStream answer = status / 100 == 2 ? connection.getInputStream() : connection.getErrorStream();
      String text = answer == null ? "" : new String(answer.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(status).as("IAM " + action + ": " + text).isEqualTo(200);
      return text;
    } finally {
      connection.disconnect();
    }
  }
}
