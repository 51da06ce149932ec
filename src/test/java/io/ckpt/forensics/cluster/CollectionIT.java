package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.CollectionConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Evidence custody end to end: a checkpoint succeeds, the operator starts a collector pod on the
 * node (the chart's namespace and rights), the simulated node runs it as a local JVM in the
 * operator's collect mode, and the archive ends up in the file store with a signed custody record
 * that verifies, the node's copy removed, and status saying all of it.
 */
class CollectionIT {

  static final String EVIDENCE_NS = "forensic-evidence";
  static final String SIGNING_SECRET = "fcp-signing";
  static final String CLAIM = "evidence";

  @RegisterExtension
  static final ChartedLab CLUSTER = withFileCustody(LabOptions.defaults().name("collection-it").nodes(1));
  static Lab lab;
  static Path publicKey;

  @BeforeAll
  static void aSigningKey() throws Exception {
    lab = CLUSTER.lab();
    publicKey = signingKeySecret(lab);
  }

  /** A lab whose chart keeps evidence in a file store (the claim {@link #CLAIM}) signed with {@link #SIGNING_SECRET}. */
  static ChartedLab withFileCustody(LabOptions options) {
    return new ChartedLab(options, Map.of("evidence.store", "file", "evidence.pvc", CLAIM, "evidence.signingKeySecret",
        SIGNING_SECRET));
  }

  /** A new record signing key in the collector namespace's Secret; returns its public key's file. */
  static Path signingKeySecret(Lab lab) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    lab.adminClient().secrets().inNamespace(EVIDENCE_NS).resource(new SecretBuilder().withNewMetadata()
        .withName(SIGNING_SECRET).endMetadata().addToStringData(CollectionConfig.SIGNING_KEY_FILE,
            pem("PRIVATE KEY", pair.getPrivate().getEncoded())).build()).create();
    return Files.writeString(lab.runDir().resolve("custody.pub.pem"), pem("PUBLIC KEY",
        pair.getPublic().getEncoded()));
  }

  @Test
  void aSucceededCheckpointIsStoredWithAVerifiableRecordAndLeavesTheNode() throws Exception {
    lab.createRunningPod("dev", "suspect", lab.nodes().get(0), "app");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(config())) {
      CLUSTER.fcps().create("dev", "kept", "suspect", "app");
      ForensicCheckpoint done = CLUSTER.fcps().await("dev", "kept", Duration.ofSeconds(120), fcp -> {
        var condition = fcp.getStatus() == null ? null
            : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
        return condition != null && !Conditions.REASON_COLLECTING.equals(condition.getReason());
      });

      assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
      var app = Checkpoints.container(done, "app");
      EvidenceStatus evidence = app.getEvidence();
      assertThat(evidence.getPhase()).as("%s", evidence.getFailure() == null ? "" : evidence.getFailure().getMessage())
          .isEqualTo(EvidencePhase.Stored);
      assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.EVIDENCE_STORED).getStatus())
          .isEqualTo("True");
      assertThat(evidence.getRemovedFromNode()).isTrue();
      assertThat(Path.of(app.getArchivePath())).as("the node's copy").doesNotExist();
      assertThat(evidence.getCollectorPod()).startsWith(EVIDENCE_NS + "/fcp-collect-");
      assertThat(evidence.getCaptured()).as("the summary read in the same pass").isNotNull();
      assertThat(evidence.getCaptured().getProcesses()).isPositive();
      assertThat(evidence.getCaptured().getArchitecture()).isNotBlank();

      Path stored = Path.of(URI.create(evidence.getLocation()));
      Path record = Path.of(URI.create(evidence.getRecordLocation()));
      assertThat(stored).startsWith(lab.runDir().resolve("claims").resolve(EVIDENCE_NS).resolve(CLAIM));
      List<VerificationCheck> checks;
      try (InputStream in = Files.newInputStream(stored)) {
        checks = new CustodyVerifier(VerificationKey.load(publicKey), null).verify(Files.readAllBytes(record), in,
            null);
      }
      assertThat(checks).as("fcp verify's checks").isNotEmpty().noneMatch(VerificationCheck::failed);
      assertThat(evidence.getSha256()).as("stored in the clear").isEqualTo(evidence.getStoredSha256());
      assertThat(evidence.getSigningKeyId()).isEqualTo(VerificationKey.load(publicKey).keyId());
      String statement = new String(Base64.getDecoder().decode(new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(Files.readAllBytes(record)).get("payload").asText()), StandardCharsets.UTF_8);
      assertThat(statement).contains(done.getMetadata().getUid()).contains(app.getContainerID())
          .contains(app.getArchivePath());

      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lab.adminClient().pods()
          .inNamespace(EVIDENCE_NS).list().getItems()).as("collector pods are deleted once recorded").isEmpty());
    }
  }

  @Test
  void aCollectorThatCannotRunLeavesTheArchiveOnTheNodeAndSaysSo() {
    lab.createRunningPod("dev", "other", lab.nodes().get(0), "app");
    Map<String, String> noKey = new HashMap<>(env());
    noKey.put(CollectionConfig.SIGNING_SECRET, "no-such-secret");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(noKey))) {
      CLUSTER.fcps().create("dev", "not-kept", "other", "app");
      ForensicCheckpoint done = CLUSTER.fcps().await("dev", "not-kept", Duration.ofSeconds(120), fcp -> {
        var condition = fcp.getStatus() == null ? null
            : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
        return condition != null && !Conditions.REASON_COLLECTING.equals(condition.getReason());
      });

      assertThat(done.getStatus().getPhase()).as("the checkpoint itself succeeded").isEqualTo(CheckpointPhase.Succeeded);
      var condition = Conditions.find(done.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
      assertThat(condition.getStatus()).isEqualTo("False");
      assertThat(condition.getReason()).isEqualTo(Conditions.REASON_NOT_STORED);
      var app = Checkpoints.container(done, "app");
      assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Failed);
      assertThat(app.getEvidence().getFailure().getReason()).isEqualTo("CollectorNotStarted");
      assertThat(app.getEvidence().getFailure().getMessage()).contains("the archive stays on the node");
      assertThat(Path.of(app.getArchivePath())).as("nothing was removed").exists();
    }
  }

  @Test
  void deletingTheObjectDuringCollectionDeletesNoEvidenceAndLeavesNoPod() throws Exception {
    lab.createRunningPod("dev", "short", lab.nodes().get(0), "app");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(config())) {
      CLUSTER.fcps().create("dev", "deleted", "short", "app");
      String uid = awaitCollectorPod("deleted");
      ForensicCheckpoint held = CLUSTER.fcps().get("dev", "deleted");
      assertThat(held.getMetadata().getFinalizers()).as("held while its collector runs")
          .contains("forensics.ckpt.io/collection");
      lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("dev").withName("deleted").delete();

      // the collector finishes and stores; then its pod is deleted and the finalizer removed
      Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(lab.adminClient().pods().inNamespace(EVIDENCE_NS).withLabel("forensics.ckpt.io/fcp-uid", uid)
            .list().getItems()).isEmpty();
        assertThat(CLUSTER.fcps().get("dev", "deleted")).as("the object goes").isNull();
      });
      assertStoredAfterDeletion("deleted", uid);
    }
  }

  @Test
  void anObjectDeletedWhileNoOperatorRunsWaitsForItsCollectorAndThenGoes() throws Exception {
    lab.createRunningPod("dev", "waits", lab.nodes().get(0), "app");
    String uid;
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(config())) {
      CLUSTER.fcps().create("dev", "deleted-unattended", "waits", "app");
      uid = awaitCollectorPod("deleted-unattended");
    }
    lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("dev").withName("deleted-unattended").delete();
    Awaitility.await("the collector ends without an operator").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1)).until(() -> lab.adminClient().pods().inNamespace(EVIDENCE_NS)
            .withLabel("forensics.ckpt.io/fcp-uid", uid).list().getItems().stream()
            .allMatch(p -> p.getStatus() != null && "Succeeded".equals(p.getStatus().getPhase())));
    ForensicCheckpoint waiting = CLUSTER.fcps().get("dev", "deleted-unattended");
    assertThat(waiting).as("kept by the finalizer while no operator saw its collection end").isNotNull();
    assertThat(waiting.getMetadata().getDeletionTimestamp()).isNotNull();

    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(config())) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
        assertThat(CLUSTER.fcps().get("dev", "deleted-unattended")).as("the object goes").isNull();
        assertThat(lab.adminClient().pods().inNamespace(EVIDENCE_NS).withLabel("forensics.ckpt.io/fcp-uid", uid)
            .list().getItems()).isEmpty();
      });
    }
    assertStoredAfterDeletion("deleted-unattended", uid);
  }

  /** Waits until the object's collector pod exists (its finalizer was added before); returns the object's UID. */
  static String awaitCollectorPod(String name) {
    ForensicCheckpoint collecting = CLUSTER.fcps().await("dev", name, Duration.ofSeconds(60),
        fcp -> fcp.getStatus() != null && !fcp.getStatus().getContainers().isEmpty()
            && Checkpoints.container(fcp, "app").getEvidence() != null);
    String uid = collecting.getMetadata().getUid();
    Awaitility.await("collector pod of " + name).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> !lab.adminClient().pods().inNamespace(EVIDENCE_NS).withLabel("forensics.ckpt.io/fcp-uid", uid)
            .list().getItems().isEmpty());
    return uid;
  }

  static void assertStoredAfterDeletion(String name, String uid) {
    Path stored = lab.runDir().resolve("claims").resolve(EVIDENCE_NS).resolve(CLAIM).resolve("dev")
        .resolve(name + "-" + uid.substring(0, 8)).resolve("app-1.tar");
    assertThat(stored).as("stored evidence outlives its ForensicCheckpoint").exists();
    assertThat(stored.resolveSibling("app-1.tar.dsse.json")).exists();
  }

  static OperatorConfig config() {
    return OperatorConfig.fromEnvironment(env());
  }

  static Map<String, String> env() {
    Map<String, String> env = new HashMap<>(Map.of(OperatorConfig.HEALTH_PORT, "0",
        OperatorConfig.DEFAULT_TIMEOUT_SECONDS, "60", OperatorConfig.RETRY_BACKOFF_MILLIS, "200"));
    env.putAll(Map.of(CollectionConfig.STORE, "file", CollectionConfig.NAMESPACE, EVIDENCE_NS,
        CollectionConfig.IMAGE, "forensic-checkpoint-operator:test", CollectionConfig.SIGNING_SECRET, SIGNING_SECRET,
        CollectionConfig.CLAIM, CLAIM, CollectionConfig.DEADLINE_SECONDS, "120"));
    return env;
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
