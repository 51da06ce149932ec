package io.ckpt.forensics.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.evidence.CustodyPredicate;
import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collect mode end to end with the filesystem store: what is stored, what the record says, what is reported. */
class CollectorMainTest {

  static final String FACTS = """
      {"requestedBy":{"username":"alice@example.com","uid":"u-1","groups":["responders","system:authenticated"]},
       "reason":"Falco: Terminal shell in container","caseId":"INC-2026-0042",
       "forensicCheckpoint":{"namespace":"dev","name":"nettools-inc42","uid":"6f1c1f9e-3a51-4d0e-9d5c-2b0c8f1a7e11"},
       "pod":"nettools","podUID":"0b1f7a7c","container":"nettools","containerID":"cri-o://6924be1b",
       "image":"docker.io/nicolaka/netshoot:v0.13","imageID":"docker.io/nicolaka/netshoot@sha256:a20c",
       "node":"worker-1","kubeletArchivePath":"/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools.tar",
       "requestedAt":"2026-12-01T05:59:58Z","checkpointedAt":"2026-12-01T06:00:00+00:00"}
      """;
  static final Instant NOW = Instant.parse("2026-12-01T06:00:03Z");
  static final String NAME = "dev/nettools-inc42-1a2b3c4d/nettools.tar";

  @TempDir
  Path dir;
  Path nodeDir;
  Path archive;
  Path storeRoot;
  Path signingKey;
  Path terminationLog;
  byte[] archiveBytes;

  @BeforeEach
  void node() throws IOException {
    nodeDir = Files.createDirectories(dir.resolve("node-checkpoints"));
    storeRoot = Files.createDirectories(dir.resolve("evidence-store"));
    archive = nodeDir.resolve("checkpoint-nettools_dev-nettools.tar");
    // a few pipe chunks and a partial one
    archiveBytes = EvidenceFixtures.archive(5 * BoundedPipe.CHUNK_BYTES + 777, 42);
    Files.write(archive, archiveBytes);
    signingKey = EvidenceFixtures.newSigningKey(Files.createDirectories(dir.resolve("signing")), "EC");
    terminationLog = dir.resolve("termination-log");
  }

  @Test
  void anArchiveIsStoredWithASignedRecordThatFcpVerifyAccepts() throws IOException {
    int code = collect();

    JsonNode line = terminationLine();
    assertThat(code).as("%s", line).isZero();
    assertThat(line.path("result").asText()).isEqualTo("Stored");
    String sha256 = Measurement.of(archiveBytes).sha256();
    assertThat(line.path("sha256").asText()).isEqualTo(sha256);
    assertThat(line.path("storedSha256").asText()).isEqualTo(sha256);
    assertThat(line.path("sizeBytes").asLong()).isEqualTo(archiveBytes.length);
    assertThat(line.path("encrypted").asBoolean()).isFalse();
    assertThat(line.path("location").asText()).isEqualTo(storeRoot.resolve(NAME).toUri().toString());
    assertThat(line.path("recordLocation").asText()).isEqualTo(storeRoot.resolve(NAME + ".dsse.json").toUri().toString());
    assertThat(line.path("collectedAt").asText()).isEqualTo(NOW.toString());
    assertThat(line.path("removedFromNode").asBoolean()).isFalse();
    assertThat(archive).exists();
    assertThat(Files.readAllBytes(storeRoot.resolve(NAME))).isEqualTo(archiveBytes);

    List<VerificationCheck> checks = verify(null);
    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(checks).extracting(VerificationCheck::name).contains("signature", "stored sha256", "plaintext sha256");
    assertThat(line.path("signingKeyId").asText()).isEqualTo(publicKey().keyId());
  }

  @Test
  void theRecordCarriesTheOperatorsFacts() throws IOException {
    assertThat(collect()).isZero();

    CustodyRecord record = CustodyRecord.parse(Files.readAllBytes(storeRoot.resolve(NAME + ".dsse.json")));
    CustodyPredicate p = record.statement().predicate();
    assertThat(record.subjectName()).isEqualTo(NAME);
    assertThat(p.requestedBy()).isEqualTo(new CustodyPredicate.Requester("alice@example.com",
        List.of("responders", "system:authenticated")));
    assertThat(p.reason()).isEqualTo("Falco: Terminal shell in container");
    assertThat(p.caseId()).isEqualTo("INC-2026-0042");
    assertThat(p.forensicCheckpoint()).isEqualTo(new CustodyPredicate.ObjectReference("dev", "nettools-inc42",
        "6f1c1f9e-3a51-4d0e-9d5c-2b0c8f1a7e11"));
    assertThat(List.of(p.pod(), p.podUid(), p.container(), p.containerId(), p.image(), p.imageId(), p.node(),
        p.kubeletArchivePath())).containsExactly("nettools", "0b1f7a7c", "nettools", "cri-o://6924be1b",
        "docker.io/nicolaka/netshoot:v0.13", "docker.io/nicolaka/netshoot@sha256:a20c", "worker-1",
        "/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools.tar");
    assertThat(p.times()).isEqualTo(new CustodyPredicate.Times("2026-12-01T05:59:58Z", "2026-12-01T06:00:00Z",
        NOW.toString()));
    assertThat(p.plaintext()).isEqualTo(Measurement.of(archiveBytes));
  }

  @Test
  void helpPrintsTheOptionsAndTouchesNothing() throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    int code;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      code = CollectorMain.run(new String[] {"--help", "--termination-log", terminationLog.toString()}, Map.of(),
          Clock.fixed(NOW, ZoneOffset.UTC));
    } finally {
      System.setOut(stdout);
    }

    assertThat(code).isZero();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith("Usage: collect")
        .contains("--archive").contains("--store");
    assertThat(terminationLog).doesNotExist();
    try (var stored = Files.list(storeRoot)) {
      assertThat(stored).isEmpty();
    }
  }

  @Test
  void aSeriesRecordNamesItsPlaceAndThePreviousRecordAndTheReportGivesItsOwnDigest() throws IOException {
    String previous = "ab".repeat(32);
    assertThat(collect("--series-index", "1", "--series-count", "3", "--previous-record-sha256", previous)).isZero();

    byte[] recordFile = Files.readAllBytes(storeRoot.resolve(NAME + ".dsse.json"));
    CustodyPredicate p = CustodyRecord.parse(recordFile).statement().predicate();
    assertThat(p.series()).isEqualTo(new CustodyPredicate.SeriesPosition(1, 3));
    assertThat(p.previous()).isEqualTo(new CustodyPredicate.RecordDigest(previous));
    assertThat(terminationLine().path("recordSha256").asText()).as("what the next round's record names")
        .isEqualTo(Measurement.of(recordFile).sha256());
  }

  @Test
  void aRecordOutsideASeriesNamesNoPlaceInOne() throws IOException {
    assertThat(collect()).isZero();

    CustodyPredicate p = CustodyRecord.parse(Files.readAllBytes(storeRoot.resolve(NAME + ".dsse.json")))
        .statement().predicate();
    assertThat(p.series()).isNull();
    assertThat(p.previous()).isNull();
  }

  @Test
  void halfASeriesPositionOrABadDigestIsBadConfigurationBeforeAnythingIsStored() throws IOException {
    assertFailed(collect("--series-index", "1"), FailureReason.BadConfiguration);
    assertThat(Files.readString(terminationLog)).contains("--series-index and --series-count go together");
    assertFailed(collect("--series-index", "1", "--series-count", "3", "--previous-record-sha256", "../x"),
        FailureReason.BadConfiguration);
    assertFailed(collect("--series-index", "3", "--series-count", "3"), FailureReason.BadConfiguration);
    assertThat(storeRoot.resolve(NAME)).doesNotExist();
  }

  @Test
  void withoutFactsTheRecordSaysUnknownNeverAGuess() throws IOException {
    assertThat(CollectorMain.run(args(), Map.of(), Clock.fixed(NOW, ZoneOffset.UTC))).isZero();

    CustodyPredicate p = CustodyRecord.parse(Files.readAllBytes(storeRoot.resolve(NAME + ".dsse.json")))
        .statement().predicate();
    assertThat(p.requestedBy().known()).isFalse();
    assertThat(p.reason()).isNull();
  }

  @Test
  void anEncryptedArchiveDecryptsToTheRecordedPlaintext() throws IOException {
    Path recipients = Files.createDirectories(dir.resolve("recipients"));
    Files.copy(EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc"), recipients.resolve("a.asc"));
    Files.writeString(recipients.resolve("README"), "not a key: ignored");

    int code = collect("--recipients", recipients.toString());

    JsonNode line = terminationLine();
    assertThat(code).as("%s", line).isZero();
    assertThat(line.path("encrypted").asBoolean()).isTrue();
    assertThat(line.path("recipients").toString()).isEqualTo("[\"" + EvidenceFixtures.RECIPIENT_A + "\"]");
    assertThat(line.path("sha256").asText()).isEqualTo(Measurement.of(archiveBytes).sha256());
    byte[] stored = Files.readAllBytes(storeRoot.resolve(NAME));
    assertThat(line.path("storedSha256").asText()).isEqualTo(Measurement.of(stored).sha256())
        .isNotEqualTo(line.path("sha256").asText());
    OpenPgpDecryption decryption = OpenPgpDecryption.withSecretKeys(
        List.of(EvidenceFixtures.keyFile("test-only-recipient-a.secret.asc")), new char[0]);
    List<VerificationCheck> checks = verify(decryption);
    assertThat(checks).noneMatch(VerificationCheck::failed);
    assertThat(checks).filteredOn(c -> c.name().equals("plaintext sha256"))
        .extracting(VerificationCheck::outcome).containsExactly(VerificationCheck.Outcome.PASSED);
  }

  @Test
  void deleteAfterStoreRemovesTheNodesCopyOnceStored() throws IOException {
    int code = collect("--delete-after-store");

    assertThat(code).isZero();
    assertThat(terminationLine().path("removedFromNode").asBoolean()).isTrue();
    assertThat(archive).doesNotExist();
    assertThat(verify(null)).noneMatch(VerificationCheck::failed);
  }

  @Test
  void anExistingNameIsRefusedAndTheNodesCopyStays() throws IOException {
    Files.createDirectories(storeRoot.resolve(NAME).getParent());
    Files.writeString(storeRoot.resolve(NAME), "earlier evidence");

    int code = collect("--delete-after-store");

    assertFailed(code, FailureReason.StoreRefused);
    assertThat(terminationLine().path("message").asText()).contains("already exists");
    assertThat(archive).exists();
    assertThat(Files.readString(storeRoot.resolve(NAME))).isEqualTo("earlier evidence");
    assertThat(storeRoot.resolve(NAME + ".dsse.json")).doesNotExist();
  }

  @Test
  void anExistingRecordNameIsRefusedAndTheNodesCopyStays() throws IOException {
    Files.createDirectories(storeRoot.resolve(NAME).getParent());
    Files.writeString(storeRoot.resolve(NAME + ".dsse.json"), "{}");

    int code = collect("--delete-after-store");

    assertFailed(code, FailureReason.StoreRefused);
    assertThat(terminationLine().path("message").asText()).contains("without its record");
    assertThat(archive).exists();
  }

  @Test
  void aMissingArchiveIsUnreadable() throws IOException {
    Files.delete(archive);

    assertFailed(collect(), FailureReason.ArchiveUnreadable);
    assertThat(terminationLine().path("message").asText()).contains("does not exist");
    assertThat(storeRoot).isEmptyDirectory();
  }

  @Test
  void aDirectoryOrALinkIsNotAnArchive() throws IOException {
    Files.delete(archive);
    Files.createDirectory(archive);
    assertFailed(collect(), FailureReason.ArchiveUnreadable);
    assertThat(terminationLine().path("message").asText()).contains("a directory");

    Files.delete(archive);
    Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "a file outside the checkpoint directory");
    Files.createSymbolicLink(archive, elsewhere);
    assertFailed(collect(), FailureReason.ArchiveUnreadable);
    assertThat(terminationLine().path("message").asText()).contains("a symbolic link");
    assertThat(storeRoot).isEmptyDirectory();
  }

  @Test
  void anArchiveWithoutReadPermissionIsUnreadable() throws IOException {
    assumeFalse(System.getProperty("user.name").equals("root"),
        "running as root, who reads a file of mode 0000: the permission case cannot happen here");
    Files.setPosixFilePermissions(archive, java.util.Set.of());

    assertFailed(collect(), FailureReason.ArchiveUnreadable);
    assertThat(terminationLine().path("message").asText()).contains("permission denied");
  }

  @Test
  void aBadSigningKeyIsBadConfigurationBeforeAnythingIsStored() throws IOException {
    String material = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRETSECRET";
    Files.writeString(signingKey, "-----BEGIN PRIVATE KEY-----\n" + material + "\n-----END PRIVATE KEY-----\n");

    assertFailed(collect("--delete-after-store"), FailureReason.BadConfiguration);

    String message = terminationLine().path("message").asText();
    assertThat(message).contains("signing key").doesNotContain("SECRET").doesNotContain(material.substring(0, 20));
    assertThat(storeRoot).isEmptyDirectory();
    assertThat(archive).exists();
  }

  @Test
  void aRecipientsDirectoryWithoutKeysIsBadConfiguration() throws IOException {
    Path recipients = Files.createDirectories(dir.resolve("recipients"));

    assertFailed(collect("--recipients", recipients.toString()), FailureReason.BadConfiguration);
    assertThat(terminationLine().path("message").asText()).contains("no *.asc, *.gpg or *.pgp file");
    assertThat(storeRoot).isEmptyDirectory();
  }

  @Test
  void factsThatAreNotJsonAreBadConfiguration() throws IOException {
    int code = CollectorMain.run(args(), Map.of(CollectFacts.ENVIRONMENT_VARIABLE, "{\"reason\":"),
        Clock.fixed(NOW, ZoneOffset.UTC));

    assertFailed(code, FailureReason.BadConfiguration);
    assertThat(terminationLine().path("message").asText()).contains("FCP_COLLECT_FACTS");
  }

  @Test
  void unknownArgumentsAreBadConfigurationInTheTerminationLog() throws IOException {
    List<String> args = new ArrayList<>(Arrays.asList(args()));
    args.add("--no-such-option");
    int code = CollectorMain.run(args.toArray(String[]::new), Map.of(), Clock.systemUTC());

    assertFailed(code, FailureReason.BadConfiguration);
    assertThat(terminationLine().path("message").asText()).contains("--no-such-option");
  }

  @Test
  void missingArgumentsAreBadConfigurationInTheTerminationLog() throws IOException {
    int code = CollectorMain.run(new String[] {"--archive", archive.toString(), "--termination-log",
        terminationLog.toString()}, Map.of(), Clock.systemUTC());

    assertFailed(code, FailureReason.BadConfiguration);
    assertThat(terminationLine().path("message").asText()).contains("--name=NAME", "--signing-key=FILE");
  }

  @Test
  void aFileStoreWithoutItsRootIsBadConfiguration() throws IOException {
    List<String> args = new ArrayList<>(Arrays.asList(args()));
    int at = args.indexOf("--store-root");
    args.subList(at, at + 2).clear();

    assertFailed(CollectorMain.run(args.toArray(String[]::new), Map.of(), Clock.systemUTC()),
        FailureReason.BadConfiguration);
    assertThat(terminationLine().path("message").asText()).isEqualTo("--store-root is required with --store file");
  }

  /** S3 credentials never reach the termination message, even when the store cannot be reached with them. */
  @Test
  void anUnreachableS3StoreIsUnavailableAndItsCredentialsAreNotInTheMessage() throws IOException {
    Path credentials = Files.createDirectories(dir.resolve("s3"));
    Files.writeString(credentials.resolve("access-key-id"), "AKIATESTONLYACCESSKEY");
    Files.writeString(credentials.resolve("secret-access-key"), "testOnlySecretAccessKeyNeverShown123456");
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    int code = CollectorMain.run(new String[] {"--archive", archive.toString(), "--name", NAME, "--store", "s3",
        "--s3-endpoint", "http://127.0.0.1:" + closedPort, "--s3-region", "us-east-1", "--s3-bucket", "evidence",
        "--s3-path-style", "--s3-credentials", credentials.toString(), "--signing-key", signingKey.toString(),
        "--termination-log", terminationLog.toString()}, Map.of(), Clock.systemUTC());

    assertFailed(code, FailureReason.StoreUnavailable);
    String log = Files.readString(terminationLog);
    assertThat(log).contains("s3://evidence/" + NAME).doesNotContain("AKIATESTONLYACCESSKEY")
        .doesNotContain("testOnlySecretAccessKeyNeverShown123456");
    assertThat(archive).exists();
  }

  private int collect(String... extra) {
    List<String> all = new ArrayList<>(Arrays.asList(args()));
    all.addAll(Arrays.asList(extra));
    return CollectorMain.run(all.toArray(String[]::new), Map.of(CollectFacts.ENVIRONMENT_VARIABLE, FACTS),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private String[] args() {
    return new String[] {"--archive", archive.toString(), "--name", NAME, "--store", "file", "--store-root",
        storeRoot.toString(), "--signing-key", signingKey.toString(), "--termination-log", terminationLog.toString()};
  }

  private JsonNode terminationLine() throws IOException {
    String text = Files.readString(terminationLog);
    assertThat(text).endsWith("\n").hasLineCount(1);
    assertThat(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096);
    return new ObjectMapper().readTree(text);
  }

  private void assertFailed(int code, FailureReason reason) throws IOException {
    JsonNode line = terminationLine();
    assertThat(code).as("%s", line).isEqualTo(1);
    assertThat(line.path("v").asInt()).isEqualTo(1);
    assertThat(line.path("result").asText()).isEqualTo("Failed");
    assertThat(line.path("reason").asText()).as("%s", line).isEqualTo(reason.name());
  }

  private VerificationKey publicKey() throws IOException {
    return VerificationKey.load(EvidenceFixtures.publicKeyOf(signingKey));
  }

  private List<VerificationCheck> verify(OpenPgpDecryption decryption) throws IOException {
    byte[] record = Files.readAllBytes(storeRoot.resolve(NAME + ".dsse.json"));
    try (InputStream evidence = Files.newInputStream(storeRoot.resolve(NAME))) {
      return new CustodyVerifier(publicKey(), decryption).verify(record, evidence, null);
    }
  }
}
