package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ExportStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.SeriesStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The collector pod of an allowed spec.export: what it is given to push the checkpoint image, its
 * tag, and how its report becomes the container's export status.
 */
class CollectorExportPodsTest {

  static final ExportConfig ALLOWED = new ExportConfig(true, List.of("registry.example.com/forensics"), "push-creds");
  static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

  static ForensicCheckpoint asking(String repository) {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp();
    fcp.getSpec().setExport(new ExportSpec(repository));
    return fcp;
  }

  @Test
  void anAllowedExportGetsRepositoryTagAndTheAdminsPushSecretReadOnly() {
    Pod pod = CollectorPods.build(asking("registry.example.com/forensics/web"), CollectorPodsTest.container(),
        CollectorPodsTest.FILE, ALLOWED);

    Container c = pod.getSpec().getContainers().get(0);
    assertThat(c.getArgs()).containsSubsequence("--export-repository", "registry.example.com/forensics/web",
        "--export-tag", "dev-inc42-01234567-app-1", "--registry-auth", "/etc/fcp/push/.dockerconfigjson");
    assertThat(c.getArgs()).doesNotContain("--export-plain-http");
    Volume secret = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("push-secret")).findFirst()
        .orElseThrow();
    assertThat(secret.getSecret().getSecretName()).isEqualTo("push-creds");
    assertThat(secret.getSecret().getOptional()).as("a missing Secret fails the export, not the custody").isTrue();
    VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getName().equals("push-secret")).findFirst()
        .orElseThrow();
    assertThat(mount.getMountPath()).isEqualTo("/etc/fcp/push");
    assertThat(mount.getReadOnly()).isTrue();
  }

  @Test
  void aRefusedOrAbsentExportGivesThePodNothingToPushWith() {
    List<Pod> pods = List.of(
        CollectorPods.build(asking("registry.example.com/forensics/web"), CollectorPodsTest.container(),
            CollectorPodsTest.FILE, ExportConfig.OFF),
        CollectorPods.build(asking("registry.example.com/other/web"), CollectorPodsTest.container(),
            CollectorPodsTest.FILE, ALLOWED),
        CollectorPods.build(CollectorPodsTest.fcp(), CollectorPodsTest.container(), CollectorPodsTest.FILE, ALLOWED));

    for (Pod pod : pods) {
      assertThat(pod.getSpec().getContainers().get(0).getArgs()).doesNotContain("--export-repository",
          "--export-tag", "--registry-auth");
      assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("push-secret");
    }
  }

  @Test
  void anonymousPushesMountNoSecretAndPlainHttpIsTheAdminsChoice() {
    ExportConfig lab = new ExportConfig(true, List.of("10.0.0.1:5000"), null, true);

    Pod pod = CollectorPods.build(asking("10.0.0.1:5000/forensics"), CollectorPodsTest.container(),
        CollectorPodsTest.FILE, lab);

    assertThat(pod.getSpec().getContainers().get(0).getArgs()).contains("--export-plain-http")
        .doesNotContain("--registry-auth");
    assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).doesNotContain("push-secret");
  }

  @Test
  void theTagIsDeterministicValidAndAtMost128CharactersWithTheRoundInASeries() {
    ForensicCheckpoint fcp = asking("registry.example.com/forensics/web");
    assertThat(CollectorPods.exportTag(fcp, CollectorPodsTest.container())).isEqualTo("dev-inc42-01234567-app-1");

    SeriesStatus series = new SeriesStatus();
    series.setRound(2);
    series.setCount(3);
    fcp.getStatus().setSeries(series);
    assertThat(CollectorPods.exportTag(fcp, CollectorPodsTest.container())).isEqualTo("dev-inc42-01234567-app-r2-1");

    ForensicCheckpoint longName = asking("registry.example.com/forensics/web");
    longName.getMetadata().setName("a.".repeat(100) + "b");
    String tag = CollectorPods.exportTag(longName, CollectorPodsTest.container());
    assertThat(tag).hasSize(128).matches(CollectorPods.TAG_PATTERN)
        .isEqualTo(CollectorPods.exportTag(longName, CollectorPodsTest.container()));
    longName.getMetadata().setName("a.".repeat(100) + "c");
    assertThat(CollectorPods.exportTag(longName, CollectorPodsTest.container())).hasSize(128).isNotEqualTo(tag);
  }

  @Test
  void aPushedImageIsRecordedWithTheRepositoryAndTagTheOperatorGaveNotTheNodesWord() {
    Pod pod = finished("{\"v\":1,\"result\":\"Stored\",\"export\":{\"image\":\"evil.example/x:y\",\"digest\":\""
        + DIGEST + "\",\"reference\":\"evil.example/x@" + DIGEST + "\",\"droppedAnnotations\":[\"spec.dump"
        + " annotations[io.kubernetes.cri-o.Devices]: \\u001b[31mdevices\"],\"exportedAt\":\"2026-12-01T06:00:05Z\"}}");

    ExportStatus export = ExportReports.read(pod);

    assertThat(export.getImage()).isEqualTo("registry.example.com/forensics/web:dev-inc42-01234567-app-1");
    assertThat(export.getDigest()).isEqualTo(DIGEST);
    assertThat(export.getReference()).isEqualTo("registry.example.com/forensics/web@" + DIGEST);
    assertThat(export.getDroppedAnnotations()).singleElement().asString()
        .startsWith("spec.dump annotations[io.kubernetes.cri-o.Devices]: ").doesNotContain("\u001b");
    assertThat(export.getExportedAt()).isEqualTo("2026-12-01T06:00:05Z");
    assertThat(export.getFailure()).isNull();
  }

  @Test
  void failuresKeepTheirReasonFromTheClosedSetAndBadDigestsAreNotRecorded() {
    ExportStatus refused = ExportReports.read(finished("{\"v\":1,\"result\":\"Stored\",\"exportFailure\":"
        + "{\"reason\":\"PushRefused\",\"message\":\"the registry refused the push (HTTP 405)\"}}"));
    assertThat(refused.getFailure().getReason()).isEqualTo(ExportFailure.PUSH_REFUSED);
    assertThat(refused.getFailure().getMessage()).isEqualTo("the registry refused the push (HTTP 405)");
    assertThat(refused.getDigest()).isNull();

    ExportStatus invented = ExportReports.read(finished("{\"v\":1,\"result\":\"Stored\",\"exportFailure\":"
        + "{\"reason\":\"Whatever\",\"message\":\"m\"}}"));
    assertThat(invented.getFailure().getReason()).isEqualTo(ExportFailure.EXPORT_ERROR);

    ExportStatus badDigest = ExportReports.read(finished("{\"v\":1,\"result\":\"Stored\",\"export\":"
        + "{\"digest\":\"sha256:../../x\"}}"));
    assertThat(badDigest.getFailure().getReason()).isEqualTo(ExportFailure.EXPORT_ERROR);
    assertThat(badDigest.getReference()).isNull();

    ExportStatus silent = ExportReports.read(finished("{\"v\":1,\"result\":\"Stored\"}"));
    assertThat(silent.getFailure().getMessage()).contains("reported no export", "fcp image");
  }

  @Test
  void aFailedCollectionOrAPodNotAskedToPushHasNoExportReport() {
    assertThat(ExportReports.read(finished("{\"v\":1,\"result\":\"Failed\",\"reason\":\"StoreUnavailable\","
        + "\"message\":\"m\"}"))).isNull();
    Pod notAsked = CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\",\"export\":{\"digest\":\"" + DIGEST
        + "\"}}");
    notAsked.setSpec(CollectorPods.build(CollectorPodsTest.fcp(), CollectorPodsTest.container(),
        CollectorPodsTest.FILE, ALLOWED).getSpec());
    assertThat(ExportReports.read(notAsked)).isNull();
  }

  /** A finished collector pod that was asked to push, with its termination message. */
  static Pod finished(String message) {
    Pod pod = CollectorPodsTest.finished(0, message);
    pod.setSpec(CollectorPods.build(asking("registry.example.com/forensics/web"), CollectorPodsTest.container(),
        CollectorPodsTest.FILE, ALLOWED).getSpec());
    return pod;
  }
}
