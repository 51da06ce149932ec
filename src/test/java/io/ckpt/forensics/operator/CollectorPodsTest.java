package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.api.RequestedBy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a collector pod looks like, and what its termination message means. */
class CollectorPodsTest {

  static final CollectionConfig S3 = new CollectionConfig("s3", "fcp-evidence", "registry.example/fcp:1", "signing",
      "recipients", true, Duration.ofMinutes(30), null, new CollectionConfig.S3("http://minio.storage:9000",
      "us-east-1", "evidence", true, "s3-credentials", "COMPLIANCE", Duration.ofDays(90)));
  static final CollectionConfig FILE = new CollectionConfig("file", "fcp-evidence", "registry.example/fcp:1",
      "signing", null, false, Duration.ofMinutes(30), "evidence-pvc", null);

  @Test
  void theCollectorRunsOnTheNodeAsNarrowlyAsReadingARootOwnedFileAllows() {
    Pod pod = CollectorPods.build(fcp(), container(), S3);

    var spec = pod.getSpec();
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("fcp-evidence");
    assertThat(pod.getMetadata().getName()).isEqualTo(CollectorPods.name("0123456789abcdef", "app", 1))
        .matches("fcp-collect-[0-9a-f]{16}");
    assertThat(pod.getMetadata().getAnnotations()).containsEntry(CollectorPods.ANNOTATION_FCP, "dev/inc42")
        .containsEntry(CollectorPods.ANNOTATION_CONTAINER, "app");
    assertThat(CollectorPods.owner(pod)).extracting(r -> r.getNamespace().orElseThrow() + "/" + r.getName())
        .containsExactly("dev/inc42");
    assertThat(spec.getNodeName()).isEqualTo("worker-1");
    assertThat(spec.getTolerations()).singleElement().satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    assertThat(spec.getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(1800);
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getEnableServiceLinks()).isFalse();
    assertThat(spec.getSecurityContext().getRunAsUser()).isZero();
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = spec.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example/fcp:1");
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getPrivileged()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getResources().getLimits()).containsKeys("memory", "ephemeral-storage");
    assertThat(c.getTerminationMessagePolicy()).isEqualTo("File");

    Map<String, Volume> volumes = spec.getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertThat(volumes.get("archive").getHostPath().getPath()).isEqualTo("/var/lib/kubelet/checkpoints");
    assertThat(volumes.get("archive").getHostPath().getType()).isEqualTo("Directory");
    assertThat(volumes.get("s3-credentials").getSecret().getSecretName()).isEqualTo("s3-credentials");
    assertThat(volumes.get("signing-key").getSecret().getSecretName()).isEqualTo("signing");
    assertThat(volumes.get("recipients").getSecret().getSecretName()).isEqualTo("recipients");
    assertThat(volumes).doesNotContainKey("store");
    Map<String, VolumeMount> mounts = c.getVolumeMounts().stream()
        .collect(Collectors.toMap(VolumeMount::getName, m -> m));
    assertThat(mounts.get("archive").getReadOnly()).as("removing the node's copy needs the directory writable")
        .isFalse();
    assertThat(mounts.get("signing-key").getReadOnly()).isTrue();

    assertThat(c.getArgs()).containsSubsequence("collect", "--archive",
            "/node-checkpoints/checkpoint-web_dev-app-2026-11-23T10:00:00Z.tar")
        .containsSubsequence("--name", "dev/inc42-01234567/app-1.tar.gpg")
        .containsSubsequence("--store", "s3", "--s3-region", "us-east-1", "--s3-bucket", "evidence")
        .containsSubsequence("--s3-endpoint", "http://minio.storage:9000")
        .contains("--s3-path-style", "--delete-after-store")
        .containsSubsequence("--s3-lock-mode", "COMPLIANCE", "--s3-retain", "PT2160H")
        .containsSubsequence("--recipients", "/etc/fcp/recipients")
        .containsSubsequence("--signing-key", "/etc/fcp/signing/signing-key.pem");
  }

  @Test
  void aFileStoreKeepsTheNodesCopyReadOnlyAndWritesToTheClaim() {
    Pod pod = CollectorPods.build(fcp(), container(), FILE);

    Container c = pod.getSpec().getContainers().get(0);
    assertThat(c.getVolumeMounts()).filteredOn(m -> m.getName().equals("archive")).singleElement()
        .satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(pod.getSpec().getVolumes()).filteredOn(v -> v.getName().equals("store")).singleElement()
        .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("evidence-pvc"));
    assertThat(c.getArgs()).containsSubsequence("--store", "file", "--store-root", "/evidence-store")
        .contains("dev/inc42-01234567/app-1.tar").doesNotContain("--delete-after-store", "--recipients");
  }

  @Test
  void theFactsNameTheRequestThePodAndTheCheckpointAndNothingSecret() throws Exception {
    Pod pod = CollectorPods.build(fcp(), container(), S3);

    String facts = pod.getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(CollectorPods.FACTS)).findFirst().orElseThrow().getValue();
    JsonNode json = new ObjectMapper().readTree(facts);
    assertThat(json.at("/requestedBy/username").asText()).isEqualTo("alice");
    assertThat(json.at("/forensicCheckpoint/uid").asText()).isEqualTo("0123456789abcdef");
    assertThat(json.get("podUID").asText()).isEqualTo("pod-uid");
    assertThat(json.get("containerID").asText()).isEqualTo("containerd://abc");
    assertThat(json.get("kubeletArchivePath").asText())
        .isEqualTo("/var/lib/kubelet/checkpoints/checkpoint-web_dev-app-2026-11-23T10:00:00Z.tar");
    assertThat(json.get("caseId").asText()).isEqualTo("INC-1");
    assertThat(facts).doesNotContain("secret-access-key", "PRIVATE KEY");
  }

  @Test
  void aStoredReportBecomesTheEvidence() {
    EvidenceStatus e = CollectorPods.report(finished(0, "{\"v\":1,\"result\":\"Stored\",\"location\":\"s3://b/k\","
        + "\"sha256\":\"" + "a".repeat(64) + "\",\"sizeBytes\":10,\"storedSha256\":\"" + "b".repeat(64) + "\","
        + "\"storedBytes\":12,\"encrypted\":true,\"recipients\":[\"F1\"],\"recordLocation\":\"s3://b/k.dsse.json\","
        + "\"signingKeyId\":\"kid\",\"collectedAt\":\"2026-11-23T10:01:00Z\",\"removedFromNode\":true,"
        + "\"summary\":{\"processes\":3,\"listeningSockets\":1,\"architecture\":\"x86_64\",\"signs\":[\"nc listens\"],"
        + "\"filesWritten\":3,\"filesDeleted\":1,\"filesInTmpfs\":2,\"topFiles\":[\"tmpfs /dev/shm/.x\\u001b\"]}}"))
        .orElseThrow();

    assertThat(e.getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(e.getLocation()).isEqualTo("s3://b/k");
    assertThat(e.getSizeBytes()).isEqualTo(10);
    assertThat(e.getStoredBytes()).isEqualTo(12);
    assertThat(e.getEncrypted()).isTrue();
    assertThat(e.getRecipients()).containsExactly("F1");
    assertThat(e.getRecordLocation()).isEqualTo("s3://b/k.dsse.json");
    assertThat(e.getRemovedFromNode()).isTrue();
    assertThat(e.getCaptured().getProcesses()).isEqualTo(3);
    assertThat(e.getCaptured().getSigns()).containsExactly("nc listens");
    assertThat(e.getCaptured().getFilesWritten()).isEqualTo(3);
    assertThat(e.getCaptured().getFilesDeleted()).isEqualTo(1);
    assertThat(e.getCaptured().getFilesInTmpfs()).isEqualTo(2);
    assertThat(e.getCaptured().getTopFiles()).containsExactly("tmpfs /dev/shm/.x\\x1b");
  }

  @Test
  void aForgedReportReachesStatusEscaped() {
    EvidenceStatus e = CollectorPods.report(finished(0, "{\"v\":1,\"result\":\"Stored\",\"location\":"
        + "\"s3://b/k\\u001b[2J\",\"summary\":{\"architecture\":\"x86\\u202e46\",\"signs\":[\"a\\nb\"]}}"))
        .orElseThrow();

    assertThat(e.getLocation()).isEqualTo("s3://b/k\\x1b[2J");
    assertThat(e.getCaptured().getArchitecture()).isEqualTo("x86\\u202e46");
    assertThat(e.getCaptured().getSigns()).containsExactly("a\\x0ab");
  }

  @Test
  void failuresSayWhatHappenedEvenWithoutAReport() {
    assertThat(CollectorPods.report(finished(1, "{\"v\":1,\"result\":\"Failed\",\"reason\":\"StoreRefused\","
        + "\"message\":\"exists\"}")).orElseThrow().getFailure().getReason()).isEqualTo("StoreRefused");
    assertThat(CollectorPods.report(finished(1, "panic: no")).orElseThrow().getFailure().getMessage())
        .contains("not its report").contains("kubectl logs -n fcp-evidence fcp-collect-1");
    assertThat(CollectorPods.report(finished(137, null)).orElseThrow().getFailure().getMessage())
        .contains("exited 137").contains("without a report");
    assertThat(CollectorPods.report(finished(1, "{\"result\":\"Failed\",\"reason\":\"\\u001b[31mX\"}"))
        .orElseThrow().getFailure().getReason()).as("a reason from the pod is a word or CollectorError")
        .isEqualTo("CollectorError");

    Pod deadline = pod();
    deadline.setStatus(new PodStatusBuilder().withPhase("Failed").withReason("DeadlineExceeded")
        .withMessage("Pod was active on the node longer than the specified deadline").build());
    assertThat(CollectorPods.report(deadline).orElseThrow().getFailure().getReason()).isEqualTo("DeadlineExceeded");

    Pod running = pod();
    running.setStatus(new PodStatusBuilder().withPhase("Running").build());
    assertThat(CollectorPods.report(running)).isEqualTo(Optional.empty());
  }

  static Pod finished(int exitCode, String message) {
    Pod pod = pod();
    pod.setStatus(new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
        .withContainerStatuses(new ContainerStatusBuilder().withName(CollectorPods.CONTAINER)
            .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
                .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(message).endTerminated().build())
            .build()).build());
    return pod;
  }

  static Pod pod() {
    Pod pod = new Pod();
    pod.setMetadata(new ObjectMetaBuilder().withName("fcp-collect-1").withNamespace("fcp-evidence").build());
    return pod;
  }

  static ForensicCheckpoint fcp() {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("inc42").withNamespace("dev").withUid("0123456789abcdef")
        .withCreationTimestamp("2026-11-23T09:59:00Z").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    spec.setCaseId("INC-1");
    spec.setReason("alert");
    spec.setRequestedBy(new RequestedBy("alice", "u1", List.of("ir-team")));
    fcp.setSpec(spec);
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setNodeName("worker-1");
    status.setPodUID("pod-uid");
    status.getContainers().add(container());
    fcp.setStatus(status);
    return fcp;
  }

  static ContainerCheckpointStatus container() {
    ContainerCheckpointStatus c = new ContainerCheckpointStatus("app");
    c.setPhase(ContainerPhase.Succeeded);
    c.setAttempts(1);
    c.setContainerID("containerd://abc");
    c.setArchivePath("/var/lib/kubelet/checkpoints/checkpoint-web_dev-app-2026-11-23T10:00:00Z.tar");
    c.setCheckpointedAt("2026-11-23T10:00:01Z");
    return c;
  }
}
