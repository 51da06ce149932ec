package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.operator.CheckpointPlanner.Call;
import io.ckpt.forensics.operator.CheckpointPlanner.Input;
import io.ckpt.forensics.operator.CheckpointPlanner.Plan;
import io.ckpt.forensics.operator.CheckpointPlanner.PodRead;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * spec.export is only a request: the admin's configuration decides, and every outcome is written to
 * the container's export status without touching the checkpoint or its evidence.
 */
class ExportGatingTest {

  static final ExportConfig ALLOWED = new ExportConfig(true, List.of("registry.example.com/forensics"), "push-creds");
  final String pod = CollectorPods.name("fcp-uid", "app", 1);

  static CheckpointPlanner planner(CollectionConfig collection, ExportConfig export) {
    return new CheckpointPlanner(CheckpointPlannerTest.CLOCK, CheckpointPlannerTest.JSON::clone, () -> "attempt-1",
        new CustodyPlanner(collection, export));
  }

  static ForensicCheckpoint asking(String repository) {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, CheckpointPlannerTest.running("app", 1));
    fcp.getSpec().setExport(new ExportSpec(repository));
    return fcp;
  }

  static Plan succeed(CheckpointPlanner planner, ForensicCheckpoint fcp) {
    Call done = Call.finished(new CheckpointOutcome.Success("/var/lib/kubelet/checkpoints/a.tar"), Duration.ZERO,
        "attempt-1");
    return planner.plan(new Input(fcp, PodRead.of(CheckpointPlannerTest.POD), null, Map.of("app", done)));
  }

  @Test
  void withExportOffTheRequestIsRefusedAndTheCheckpointAndItsCustodyGoOn() {
    Plan plan = succeed(planner(CollectorPodsTest.FILE, ExportConfig.OFF), asking("registry.example.com/forensics/a"));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Collecting);
    assertThat(plan.collectorsToStart()).containsExactly("app");
    assertThat(app.getExport().getFailure().getReason()).isEqualTo(ExportFailure.EXPORT_DISABLED);
    assertThat(app.getExport().getFailure().getMessage()).contains("chart value export.enabled", "plaintext");
    assertThat(app.getExport().getDigest()).isNull();
  }

  @Test
  void aRepositoryOutsideTheAllowedPrefixesIsRefusedNamingThem() {
    for (String outside : List.of("registry.example.com/forensicsX/a", "registry.example.com/other",
        "evil.example.com/forensics/a")) {
      Plan plan = succeed(planner(CollectorPodsTest.FILE, ALLOWED), asking(outside));

      var failure = plan.status().container("app").orElseThrow().getExport().getFailure();
      assertThat(failure.getReason()).as(outside).isEqualTo(ExportFailure.REPOSITORY_NOT_ALLOWED);
      assertThat(failure.getMessage()).startsWith("spec.export.repository " + outside + " is under none of")
          .contains("registry.example.com/forensics");
    }
  }

  @Test
  void aWholeRegistryCanBeAllowed() {
    ExportConfig wholeRegistry = new ExportConfig(true, List.of("localhost:5000"), null);
    assertThat(wholeRegistry.refusal(new ExportSpec("localhost:5000/any/app"))).isEmpty();
    assertThat(wholeRegistry.refusal(new ExportSpec("localhost:50001/app"))).isPresent();
    assertThat(ALLOWED.refusal(new ExportSpec("registry.example.com/forensics"))).isEmpty();
  }

  @Test
  void anAllowedRepositoryWaitsForTheEvidenceThenRecordsWhatTheCollectorPushed() {
    CheckpointPlanner planner = planner(CollectorPodsTest.FILE, ALLOWED);
    Plan collecting = succeed(planner, asking("registry.example.com/forensics/app"));
    assertThat(collecting.status().container("app").orElseThrow().getExport()).as("decided once stored").isNull();

    ForensicCheckpoint fcp = asking("registry.example.com/forensics/app");
    fcp.setStatus(collecting.status());
    fcp.getMetadata().setUid("fcp-uid");
    String digest = CollectorExportPodsTest.DIGEST;
    String report = "{\"v\":1,\"result\":\"Stored\",\"location\":\"file:///evidence/a.tar\",\"sha256\":\""
        + "a".repeat(64) + "\",\"sizeBytes\":5,\"export\":{\"digest\":\"" + digest + "\",\"droppedAnnotations\":[],"
        + "\"exportedAt\":\"2026-12-01T06:00:05Z\",\"recordLocation\":\"file:///evidence/a.tar.export.dsse.json\"}}";
    var stored = CollectorPods.report(CollectorPodsTest.finished(0, report)).orElseThrow();
    var pushed = ExportReports.status(json(report), "registry.example.com/forensics/app", "dev-x-fcp-uid-app-1", pod);
    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, stored, pushed))));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(app.getExport().getFailure()).isNull();
    assertThat(app.getExport().getDigest()).isEqualTo(digest);
    assertThat(app.getExport().getReference()).isEqualTo("registry.example.com/forensics/app@" + digest);
    assertThat(app.getExport().getImage()).isEqualTo("registry.example.com/forensics/app:dev-x-fcp-uid-app-1");
    assertThat(app.getExport().getExportedAt()).isEqualTo("2026-12-01T06:00:05Z");
    assertThat(app.getExport().getRecordLocation()).isEqualTo("file:///evidence/a.tar.export.dsse.json");
    assertThat(plan.notices()).contains(new CheckpointPlanner.Notice.ExportPushed("app"));
    assertThat(plan.done()).isTrue();
  }

  @Test
  void aRefusedPushLeavesTheCheckpointSucceededWithItsEvidenceStored() {
    CheckpointPlanner planner = planner(CollectorPodsTest.FILE, ALLOWED);
    ForensicCheckpoint fcp = asking("registry.example.com/forensics/app");
    fcp.setStatus(succeed(planner, asking("registry.example.com/forensics/app")).status());
    String report = "{\"v\":1,\"result\":\"Stored\",\"location\":\"file:///evidence/a.tar\",\"exportFailure\":"
        + "{\"reason\":\"PushRefused\",\"message\":\"the registry refused the push (HTTP 405)\"}}";
    var stored = CollectorPods.report(CollectorPodsTest.finished(0, report)).orElseThrow();
    var refused = ExportReports.status(json(report), "registry.example.com/forensics/app", "t", pod);

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, stored, refused))));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(app.getExport().getFailure().getReason()).isEqualTo(ExportFailure.PUSH_REFUSED);
    assertThat(plan.notices()).contains(new CheckpointPlanner.Notice.ExportFailed("app"));
  }

  @Test
  void aStoredReportWithoutAnExportSaysSo() {
    CheckpointPlanner planner = planner(CollectorPodsTest.FILE, ALLOWED);
    ForensicCheckpoint fcp = asking("registry.example.com/forensics/app");
    fcp.setStatus(succeed(planner, asking("registry.example.com/forensics/app")).status());
    var stored = CollectorPods.report(CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\","
        + "\"location\":\"file:///evidence/a.tar\"}")).orElseThrow();

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, stored))));

    var failure = plan.status().container("app").orElseThrow().getExport().getFailure();
    assertThat(failure.getReason()).isEqualTo(ExportFailure.EXPORT_ERROR);
    assertThat(failure.getMessage()).contains("without reporting an export", "fcp image");
  }

  private static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void evidenceThatWasNotStoredIsTheReason() {
    CheckpointPlanner planner = planner(CollectorPodsTest.FILE, ALLOWED);
    ForensicCheckpoint fcp = asking("registry.example.com/forensics/app");
    fcp.setStatus(succeed(planner, asking("registry.example.com/forensics/app")).status());
    var failed = CollectorPods.report(CollectorPodsTest.finished(1, "{\"v\":1,\"result\":\"Failed\","
        + "\"reason\":\"StoreUnavailable\",\"message\":\"connection refused\"}")).orElseThrow();

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, failed))));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getExport().getFailure().getReason()).isEqualTo(ExportFailure.EVIDENCE_NOT_STORED);
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }

  @Test
  void withoutCustodyAnExportIsRecordedAsNotPossible() {
    Plan plan = succeed(planner(CollectionConfig.OFF, ExportConfig.OFF), asking("registry.example.com/forensics/a"));

    assertThat(plan.status().container("app").orElseThrow().getExport().getFailure().getReason())
        .as("off is the first reason").isEqualTo(ExportFailure.EXPORT_DISABLED);
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }

  @Test
  void objectsWithoutSpecExportGetNoExportStatus() {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, CheckpointPlannerTest.running("app", 1));

    Plan plan = succeed(planner(CollectorPodsTest.FILE, ALLOWED), fcp);

    assertThat(plan.status().container("app").orElseThrow().getExport()).isNull();
  }

  @Test
  void theAdminsSettingsAreCheckedAtStart() {
    Map<String, String> store = Map.of(CollectionConfig.STORE, "file", CollectionConfig.NAMESPACE, "fcp-evidence",
        CollectionConfig.IMAGE, "img", CollectionConfig.SIGNING_SECRET, "sign", CollectionConfig.CLAIM, "pvc");
    CollectionConfig collection = CollectionConfig.fromEnvironment(store);

    assertThat(ExportConfig.fromEnvironment(Map.of(), collection)).isEqualTo(ExportConfig.OFF);
    assertThat(ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true", ExportConfig.ALLOWED_REPOSITORIES,
        "registry.example.com/forensics, localhost:5000", ExportConfig.PUSH_SECRET, "push-creds"), collection))
        .isEqualTo(new ExportConfig(true, List.of("registry.example.com/forensics", "localhost:5000"), "push-creds"));
    assertThat(ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true", ExportConfig.ALLOWED_REPOSITORIES,
        "10.0.0.1:5000", ExportConfig.PLAIN_HTTP, "true"), collection))
        .isEqualTo(new ExportConfig(true, List.of("10.0.0.1:5000"), null, true));
    assertThatThrownBy(() -> ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true"), collection))
        .hasMessageContaining(ExportConfig.ALLOWED_REPOSITORIES + " is empty");
    assertThatThrownBy(() -> ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true",
        ExportConfig.ALLOWED_REPOSITORIES, "forensics"), collection))
        .hasMessageContaining("'forensics' is not a repository prefix with its registry host");
    assertThatThrownBy(() -> ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true",
        ExportConfig.ALLOWED_REPOSITORIES, "registry.example.com/f:latest"), collection))
        .hasMessageContaining("is not a repository prefix");
    assertThatThrownBy(() -> ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true",
        ExportConfig.ALLOWED_REPOSITORIES, "registry.example.com/f"), CollectionConfig.OFF))
        .hasMessageContaining(CollectionConfig.STORE + " is not set");
    assertThatThrownBy(() -> ExportConfig.fromEnvironment(Map.of(ExportConfig.ENABLED, "true",
        ExportConfig.ALLOWED_REPOSITORIES, "registry.example.com/f", ExportConfig.PUSH_SECRET, "Bad_Name"), collection))
        .hasMessageContaining("'Bad_Name' is not a Secret name");
  }

  /** A collector whose line would not fit gives the export record as a suffix to the evidence's location. */
  @Test
  void aRecordSuffixIsResolvedAgainstTheEvidenceLocation() {
    assertThat(ExportReports.EXPORT_RECORD_SUFFIX).isEqualTo(io.ckpt.forensics.collector.EvidenceCollector.EXPORT_RECORD_SUFFIX);
    String report = "{\"v\":1,\"result\":\"Stored\",\"location\":\"s3://b/a.tar\",\"export\":{\"digest\":\""
        + CollectorExportPodsTest.DIGEST + "\",\"droppedAnnotations\":[],\"exportedAt\":\"2026-12-01T06:00:05Z\","
        + "\"recordSuffix\":\".export.dsse.json\"}}";

    var status = ExportReports.status(json(report), "registry.example.com/forensics/app", "t", pod);

    assertThat(status.getRecordLocation()).isEqualTo("s3://b/a.tar.export.dsse.json");
  }
}
