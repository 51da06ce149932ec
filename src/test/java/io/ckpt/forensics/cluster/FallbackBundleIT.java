package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12 §4 end to end: a container's checkpoint fails with a CRIU error, and the operator (with
 * the chart's rights) gathers the pod, its events, the tail of its log (served by the lab kubelet's
 * /containerLogs through pods/log) and the node's info, hands the bundle to a collector pod in a
 * Secret, and the collector, bound away from the suspect node, stores it beside where the archive
 * would have gone with a signed record that says it is a fallback bundle. Status and Events say so,
 * and the pod and its Secret are gone afterwards.
 */
class FallbackBundleIT {

  static final String EVIDENCE_NS = CollectionIT.EVIDENCE_NS;

  @RegisterExtension
  static final ChartedLab CLUSTER = CollectionIT.withFileCustody(LabOptions.defaults().name("fallback-it").nodes(2));
  static Lab lab;
  static Path publicKey;

  @BeforeAll
  static void aSigningKey() throws Exception {
    lab = CLUSTER.lab();
    publicKey = CollectionIT.signingKeySecret(lab);
  }

  @Test
  void aCriuFailureStoresASignedFallbackBundleAndStatusSaysSo() throws Exception {
    SimulatedNode suspect = lab.nodes().get(0);
    lab.createRunningPod("dev", "evasive", suspect, "app");
    StringBuilder noise = new StringBuilder();
    while (noise.length() < 150 * 1024) {
      noise.append("request served in 3ms from 10.0.0.7\n");
    }
    // the workload writes its log: terminal escapes, a bidirectional override and JSON-looking text
    String last = "LAST \u001b[2J\u202e\"},\"forged\":true{\" \u00e9t\u00e9\n";
    suspect.appendContainerLog("dev", "evasive", "app", (noise + last).getBytes(StandardCharsets.UTF_8));
    suspect.inject(KubeletFault.CRIU_FAILURE, "app", -1);
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(CollectionIT.config())) {
      CLUSTER.fcps().create("dev", "criu-fails", "evasive", "app");
      ForensicCheckpoint done = CLUSTER.fcps().await("dev", "criu-fails", Duration.ofSeconds(120), fcp -> {
        var condition = fcp.getStatus() == null ? null
            : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
        return condition != null && !Conditions.REASON_COLLECTING.equals(condition.getReason());
      });

      assertThat(done.getStatus().getPhase()).as("the checkpoint failed, and stays failed")
          .isEqualTo(CheckpointPhase.Failed);
      var app = Checkpoints.container(done, "app");
      assertThat(app.getPhase()).isEqualTo(ContainerPhase.Failed);
      assertThat(app.getFailure().getReason()).isEqualTo(FailureReason.CRIUFailed);
      EvidenceStatus evidence = app.getEvidence();
      assertThat(evidence.getPhase()).as("%s", evidence.getFailure() == null ? "" : evidence.getFailure().getMessage())
          .isEqualTo(EvidencePhase.Stored);
      assertThat(evidence.getFallbackBundle()).isTrue();
      assertThat(evidence.getCollectorPod()).startsWith(EVIDENCE_NS + "/fcp-bundle-");
      var condition = Conditions.find(done.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
      assertThat(condition.getStatus()).isEqualTo("True");
      assertThat(condition.getReason()).isEqualTo(Conditions.REASON_FALLBACK_STORED);
      assertThat(condition.getMessage()).contains("1/1 fallback bundles stored").contains("app: CRIUFailed");
      assertThat(done.getStatus().getMessage()).contains("fallback bundles stored");

      Path stored = Path.of(URI.create(evidence.getLocation()));
      Path record = Path.of(URI.create(evidence.getRecordLocation()));
      assertThat(stored.getFileName().toString()).isEqualTo("app-1.fallback-bundle.json");
      List<VerificationCheck> checks;
      try (InputStream in = Files.newInputStream(stored)) {
        checks = new CustodyVerifier(VerificationKey.load(publicKey), null).verify(Files.readAllBytes(record), in,
            null);
      }
      assertThat(checks).as("fcp verify's checks").isNotEmpty().noneMatch(VerificationCheck::failed);
      assertThat(checks).anySatisfy(c -> assertThat(c.detail()).contains("FALLBACK BUNDLE").contains("CRIUFailed"));
      assertThat(evidence.getSha256()).isEqualTo(io.ckpt.forensics.evidence.Measurement.of(Files.readAllBytes(stored))
          .sha256());

      JsonNode bundle = new ObjectMapper().readTree(Files.readAllBytes(stored));
      assertThat(bundle.path("kind").asText()).isEqualTo("ForensicCheckpointFallbackBundle");
      assertThat(bundle.path("checkpointFailure").path("reason").asText()).isEqualTo("CRIUFailed");
      assertThat(bundle.path("pod").path("metadata").path("uid").asText()).isEqualTo(done.getStatus().getPodUID());
      assertThat(bundle.path("containerStatuses")).isNotEmpty();
      assertThat(bundle.path("node").path("nodeInfo").path("kubeletVersion").asText())
          .isEqualTo(SimulatedNode.KUBELET_VERSION);
      assertThat(bundle.path("events").isArray()).as("%s", bundle.path("eventsUnavailable")).isTrue();
      JsonNode log = bundle.path("logs").get(0);
      assertThat(log.path("container").asText()).isEqualTo("app");
      assertThat(log.path("text").asText()).as("the log's end, as written").endsWith(last);
      assertThat(log.path("bytes").asInt()).isLessThanOrEqualTo(64 * 1024);
      assertThat(new String(Files.readAllBytes(stored), StandardCharsets.US_ASCII)).as("escaped, never raw")
          .doesNotContain("\u001b").doesNotContain("\"forged\":true");

      String statement = new String(Base64.getDecoder().decode(new ObjectMapper().readTree(Files.readAllBytes(record))
          .get("payload").asText()), StandardCharsets.UTF_8);
      assertThat(statement).contains("\"fallbackBundle\":{\"checkpointFailureReason\":\"CRIUFailed\"")
          .contains("\"kubeletArchivePath\":null");

      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(lab.adminClient().v1().events().inNamespace("dev").list().getItems())
            .anySatisfy(e -> {
              assertThat(e.getReason()).isEqualTo("FallbackBundleStored");
              assertThat(e.getMessage()).contains("checkpoint failed (CRIUFailed)").contains(evidence.getLocation());
            });
        assertThat(lab.adminClient().pods().inNamespace(EVIDENCE_NS).list().getItems())
            .as("the bundle's collector pod is deleted once recorded").isEmpty();
        assertThat(lab.adminClient().secrets().inNamespace(EVIDENCE_NS).list().getItems())
            .as("and its Secret with it").extracting(s -> s.getMetadata().getName())
            .containsExactly(CollectionIT.SIGNING_SECRET);
      });
    } finally {
      suspect.clearFaults();
    }
  }

  @Test
  void anOperatorRestartedWhileTheBundleIsCollectedRecordsItOnceAndCleansUp() throws Exception {
    SimulatedNode suspect = lab.nodes().get(0);
    lab.createRunningPod("dev", "restarted", suspect, "app");
    suspect.inject(KubeletFault.CRIU_FAILURE, "app", -1);
    try {
      try (OperatorMain.Running first = CLUSTER.chart().startOperator(CollectionIT.config())) {
        CLUSTER.fcps().create("dev", "across-restart", "restarted", "app");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> lab.adminClient().pods().inNamespace(EVIDENCE_NS)
            .list().getItems().stream().anyMatch(p -> p.getMetadata().getName().startsWith("fcp-bundle-")));
      } // stopped while the bundle's collector runs: its report arrives with no operator to read it
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> lab.adminClient().pods().inNamespace(EVIDENCE_NS)
          .list().getItems().stream().allMatch(p -> "Succeeded".equals(p.getStatus().getPhase())));

      try (OperatorMain.Running second = CLUSTER.chart().startOperator(CollectionIT.config())) {
        ForensicCheckpoint done = CLUSTER.fcps().await("dev", "across-restart", Duration.ofSeconds(60), fcp -> {
          var evidence = Checkpoints.container(fcp, "app").getEvidence();
          return evidence != null && evidence.getPhase() != EvidencePhase.Collecting;
        });
        EvidenceStatus evidence = Checkpoints.container(done, "app").getEvidence();
        assertThat(evidence.getPhase()).isEqualTo(EvidencePhase.Stored);
        assertThat(evidence.getFallbackBundle()).isTrue();
        Path stored = Path.of(URI.create(evidence.getLocation()));
        try (var siblings = Files.list(stored.getParent())) {
          assertThat(siblings.map(f -> f.getFileName().toString())).as("one bundle and its record, nothing else")
              .containsExactlyInAnyOrder("app-1.fallback-bundle.json", "app-1.fallback-bundle.json.dsse.json");
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          assertThat(lab.adminClient().pods().inNamespace(EVIDENCE_NS).list().getItems()).isEmpty();
          assertThat(lab.adminClient().secrets().inNamespace(EVIDENCE_NS).list().getItems())
              .extracting(s -> s.getMetadata().getName()).containsExactly(CollectionIT.SIGNING_SECRET);
        });
      }
    } finally {
      suspect.clearFaults();
    }
  }
}
