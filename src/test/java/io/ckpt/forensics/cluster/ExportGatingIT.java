package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.ExportConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec.export on the lab's real API server with the chart's RBAC and file custody: the admin's
 * settings decide, each outcome lands in the container's export status, and the checkpoint and its
 * evidence are the same as without export.
 */
class ExportGatingIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = CollectionIT.withFileCustody(LabOptions.defaults().name("export-it").nodes(1));
  static Lab lab;

  @BeforeAll
  static void aSigningKey() throws Exception {
    lab = CLUSTER.lab();
    CollectionIT.signingKeySecret(lab);
    // a pod per object: two checkpoints of one container in the same second would share a file name
    for (String pod : List.of("allowed", "elsewhere", "off")) {
      lab.createRunningPod("dev", pod, lab.nodes().get(0), "app");
    }
  }

  @Test
  void theAdminsAllowlistDecidesAndTheCheckpointAndItsEvidenceAreUnaffected() {
    Map<String, String> env = new HashMap<>(CollectionIT.env());
    env.put(ExportConfig.ENABLED, "true");
    env.put(ExportConfig.ALLOWED_REPOSITORIES, "registry.example.com/forensics");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env))) {
      create("allowed", "registry.example.com/forensics/app");
      create("elsewhere", "registry.example.com/forensicsx/app");

      ContainerCheckpointStatus allowed = awaitCustody("allowed");
      ContainerCheckpointStatus elsewhere = awaitCustody("elsewhere");

      assertThat(elsewhere.getExport().getFailure().getReason()).isEqualTo(ExportFailure.REPOSITORY_NOT_ALLOWED);
      assertThat(elsewhere.getExport().getFailure().getMessage())
          .startsWith("spec.export.repository registry.example.com/forensicsx/app is under none of")
          .contains("registry.example.com/forensics");
      assertThat(allowed.getExport().getFailure().getReason()).as("allowed; the collector does not push yet")
          .isEqualTo(ExportFailure.EXPORT_ERROR);
      for (ContainerCheckpointStatus c : List.of(allowed, elsewhere)) {
        assertThat(c.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
        assertThat(c.getExport().getDigest()).isNull();
      }
    }
  }

  @Test
  void withExportOffTheRequestIsRefusedAndTheEvidenceStored() {
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(CollectionIT.config())) {
      create("off", "registry.example.com/forensics/app");

      ContainerCheckpointStatus off = awaitCustody("off");

      assertThat(off.getExport().getFailure().getReason()).isEqualTo(ExportFailure.EXPORT_DISABLED);
      assertThat(off.getExport().getFailure().getMessage()).contains("export.enabled");
      assertThat(off.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
    }
  }

  private static void create(String name, String repository) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("dev").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(name);
    spec.setContainers(List.of("app"));
    spec.setReason("export test");
    spec.setExport(new ExportSpec(repository));
    fcp.setSpec(spec);
    lab.adminClient().resource(fcp).create();
  }

  private static ContainerCheckpointStatus awaitCustody(String name) {
    ForensicCheckpoint done = CLUSTER.fcps().await("dev", name, Duration.ofSeconds(120), fcp -> {
      var condition = fcp.getStatus() == null ? null
          : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
      return condition != null && !Conditions.REASON_COLLECTING.equals(condition.getReason());
    });
    assertThat(done.getStatus().getPhase()).as("the checkpoint itself").isEqualTo(CheckpointPhase.Succeeded);
    assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY).getStatus()).isEqualTo("True");
    return Checkpoints.container(done, "app");
  }
}
