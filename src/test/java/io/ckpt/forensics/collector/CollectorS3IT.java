package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import io.ckpt.forensics.lab.RequiresS3Server;
import io.ckpt.forensics.lab.S3TestServer;
import io.ckpt.forensics.operator.CollectorPods;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;

/** The collect mode into S3 with Object Lock (moto's server, see {@link S3TestServer}): stored, locked, verifiable, never replaced. */
@RequiresS3Server
class CollectorS3IT {

  private static final String BUCKET = "evidence-collected";
  private static final String ACCESS_KEY_ID = "AKIAFCPCOLLECTOR0001";
  private static final String SECRET = "fcpCollectorSecret/5e2a+mustNotLeak";

  private static S3TestServer server;
  private static S3Client admin;
  @TempDir
  static Path credentials;
  @TempDir
  Path dir;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3TestServer.start(Path.of(System.getProperty("lab.dir", "target/lab")).resolve("s3-collector"));
    Files.writeString(credentials.resolve("access-key-id"), ACCESS_KEY_ID + "\n");
    Files.writeString(credentials.resolve("secret-access-key"), SECRET + "\n");
    admin = server.adminClient();
    admin.createBucket(b -> b.bucket(BUCKET).objectLockEnabledForBucket(true));
  }

  @AfterAll
  static void stopServer() {
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anArchiveIsStoredLockedWithItsRecordAndASecondCollectionIsRefused() throws IOException {
    String name = "dev/nettools-inc42-1a2b3c4d/nettools.tar";
    Path archive = dir.resolve("checkpoint.tar");
    // more than one 8 MiB part: the multipart path
    byte[] bytes = EvidenceFixtures.archive(17 << 20, 3);
    Files.write(archive, bytes);
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    Path terminationLog = dir.resolve("termination-log");
    String[] args = {"--archive", archive.toString(), "--name", name, "--store", "s3", "--s3-endpoint",
        server.endpoint().toString(), "--s3-region", "us-east-1", "--s3-bucket", BUCKET, "--s3-path-style",
        "--s3-credentials", credentials.toString(), "--s3-lock-mode", "COMPLIANCE", "--s3-retain", "P1D",
        "--signing-key", signingKey.toString(), "--delete-after-store", "--termination-log", terminationLog.toString()};

    int code = CollectorMain.run(args, Map.of(CollectFacts.ENVIRONMENT_VARIABLE, CollectorMainTest.FACTS),
        Clock.systemUTC());

    String text = Files.readString(terminationLog);
    JsonNode line = new ObjectMapper().readTree(text);
    assertThat(code).as(text).isZero();
    assertThat(line.path("location").asText()).isEqualTo("s3://" + BUCKET + "/" + name);
    assertThat(line.path("recordLocation").asText()).isEqualTo("s3://" + BUCKET + "/" + name + ".dsse.json");
    assertThat(line.path("sha256").asText()).isEqualTo(Measurement.of(bytes).sha256());
    assertThat(line.path("removedFromNode").asBoolean()).isTrue();
    assertThat(archive).doesNotExist();
    var head = admin.headObject(b -> b.bucket(BUCKET).key(name));
    assertThat(head.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
    assertThat(head.objectLockRetainUntilDate()).isAfter(Instant.now());
    byte[] record = admin.getObjectAsBytes(b -> b.bucket(BUCKET).key(name + ".dsse.json")).asByteArray();
    List<VerificationCheck> checks;
    try (InputStream evidence = admin.getObject(b -> b.bucket(BUCKET).key(name))) {
      checks = new CustodyVerifier(VerificationKey.load(EvidenceFixtures.publicKeyOf(signingKey)), null)
          .verify(record, evidence, null);
    }
    assertThat(checks).noneMatch(VerificationCheck::failed);

    Files.write(archive, new byte[] {1, 2, 3});
    int again = CollectorMain.run(args, Map.of(), Clock.systemUTC());

    JsonNode refused = new ObjectMapper().readTree(Files.readString(terminationLog));
    assertThat(again).isEqualTo(1);
    assertThat(refused.path("reason").asText()).isEqualTo("StoreRefused");
    assertThat(archive).exists();
    assertThat(text + refused).doesNotContain(ACCESS_KEY_ID).doesNotContain(SECRET);
  }

  /**
   * The collector as its pod runs it (the pod's JVM options, 40 MiB of heap) uploads an archive of
   * many parts. With 16 MiB parts it ran out of heap at the first one.
   */
  @Test
  void thePodsJvmUploadsManyPartsWithinItsHeap() throws Exception {
    String name = "dev/big-1a2b3c4d/app.tar";
    Path archive = dir.resolve("checkpoint.tar");
    byte[] bytes = EvidenceFixtures.archive(80 << 20, 5);
    Files.write(archive, bytes);
    String sha256 = Measurement.of(bytes).sha256();
    bytes = null;
    Path terminationLog = dir.resolve("termination-log");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(Arrays.asList(CollectorPods.JVM_OPTIONS.split(" ")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), OperatorMain.class.getName(), "collect",
        "--archive", archive.toString(), "--name", name, "--store", "s3", "--s3-endpoint",
        server.endpoint().toString(), "--s3-region", "us-east-1", "--s3-bucket", BUCKET, "--s3-path-style",
        "--s3-credentials", credentials.toString(), "--s3-lock-mode", "COMPLIANCE", "--s3-retain", "P1D",
        "--signing-key", EvidenceFixtures.newSigningKey(dir, "Ed25519").toString(), "--termination-log",
        terminationLog.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("output").toFile()).start();
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the collector finished").isTrue();

    String output = Files.readString(dir.resolve("output"));
    assertThat(process.exitValue()).as("collector output: %s", output).isZero();
    JsonNode line = new ObjectMapper().readTree(Files.readString(terminationLog));
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    assertThat(line.path("sha256").asText()).isEqualTo(sha256);
    assertThat(line.path("storedBytes").asLong()).isEqualTo(80L << 20);
    assertThat(admin.headObject(b -> b.bucket(BUCKET).key(name)).eTag()).as("a multipart upload's ETag")
        .matches("\"?[0-9a-f]{32}-10\"?");
  }
}
