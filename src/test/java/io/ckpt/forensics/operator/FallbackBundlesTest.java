package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.kubelet.CheckpointOutcome;
import io.ckpt.forensics.operator.CheckpointPlanner.Call;
import io.ckpt.forensics.operator.CheckpointPlanner.Input;
import io.ckpt.forensics.operator.CheckpointPlanner.Notice;
import io.ckpt.forensics.operator.CheckpointPlanner.Plan;
import io.ckpt.forensics.operator.CheckpointPlanner.PodRead;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Which failed checkpoints get a fallback bundle, and the Secret and pod that store it (issue 12 §4). */
class FallbackBundlesTest {

  static final CollectionConfig FILE = new CollectionConfig("file", "fcp-evidence", "registry.example/fcp:1",
      "signing", null, false, Duration.ofMinutes(30), "evidence-pvc", null, true);
  static final CollectionConfig S3_ENCRYPTED = new CollectionConfig("s3", "fcp-evidence", "registry.example/fcp:1",
      "signing", "recipients", true, Duration.ofMinutes(30), null, CollectorPodsTest.S3.s3(), true);

  final CheckpointPlanner planner = new CheckpointPlanner(CheckpointPlannerTest.CLOCK, CheckpointPlannerTest.JSON::clone,
      () -> "attempt-1", new CustodyPlanner(FILE));

  @Test
  void aCriuFailureIsMarkedForAFallbackBundleInTheWriteThatRecordsIt() {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, CheckpointPlannerTest.running("app", 1));
    fcp.getMetadata().setUid("fcp-uid");
    Call failed = Call.finished(new CheckpointOutcome.Failure(new CheckpointFailure(FailureReason.CRIUFailed,
        "criu failed: type NOTIFY errno 0", 500)), Duration.ZERO, "attempt-1");

    Plan plan = planner.plan(new Input(fcp, PodRead.of(CheckpointPlannerTest.POD), null, Map.of("app", failed)));

    ContainerCheckpointStatus app = plan.status().container("app").orElseThrow();
    assertThat(app.getPhase()).as("the checkpoint stays failed").isEqualTo(ContainerPhase.Failed);
    assertThat(app.getFailure().getReason()).isEqualTo(FailureReason.CRIUFailed);
    assertThat(app.getEvidence().getPhase()).isEqualTo(EvidencePhase.Collecting);
    assertThat(app.getEvidence().getFallbackBundle()).isTrue();
    assertThat(app.getEvidence().getCollectorPod()).isEqualTo("fcp-evidence/" + FallbackBundles.name("fcp-uid",
        "app", "1"));
    assertThat(plan.collectorsToStart()).containsExactly("app");
    assertThat(plan.done()).as("the bundle is still to come").isFalse();
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(plan.notices()).contains(new Notice.EvidenceCollecting("app"));
  }

  @ParameterizedTest
  @EnumSource(value = FailureReason.class, names = {"PodNotFound", "PodReplaced", "ContainerNotRunning",
      "ContainerNotFound", "Forbidden", "Interrupted", "PodNotRunning"})
  void noBundleWhenThePodIsGoneOrTheFailureIsNotTheWorkloads(FailureReason reason) {
    ContainerCheckpointStatus c = failed(reason);
    assertThat(FallbackBundles.eligible(c, FILE)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(value = FailureReason.class, names = {"CRIUFailed", "RuntimeUnsupported", "CheckpointingDisabled",
      "Timeout", "KubeletError", "NodeUnreachable"})
  void aBundleWhenTheCheckpointFailedWhileThePodStays(FailureReason reason) {
    assertThat(FallbackBundles.eligible(failed(reason), FILE)).isTrue();
    assertThat(FallbackBundles.eligible(failed(reason), CollectorPodsTest.FILE)).as("fallback bundles off").isFalse();
    assertThat(FallbackBundles.eligible(failed(reason), CollectionConfig.OFF)).as("custody off").isFalse();
    ContainerCheckpointStatus neverCalled = failed(reason);
    neverCalled.setAttempts(0);
    assertThat(FallbackBundles.eligible(neverCalled, FILE)).as("no kubelet call was made").isFalse();
  }

  @Test
  void theStoredBundleKeepsTheOperatorsMarkAndStatusSaysTheCheckpointFailedButTheBundleIsStored() {
    ForensicCheckpoint fcp = CheckpointPlannerTest.fcp(null, CheckpointPlannerTest.running("app", 1));
    fcp.getMetadata().setUid("fcp-uid");
    ContainerCheckpointStatus app = fcp.getStatus().getContainers().get(0);
    app.setPhase(ContainerPhase.Failed);
    app.setFailure(new CheckpointFailure(FailureReason.CRIUFailed, "criu failed", 500));
    String pod = FallbackBundles.name("fcp-uid", "app", "1");
    app.setEvidence(FallbackBundles.collecting("fcp-evidence/" + pod));
    fcp.getStatus().setPhase(CheckpointPhase.Failed);
    // the report says nothing of bundles: whether it is one is the operator's own mark
    var report = CollectorPods.report(CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\","
        + "\"location\":\"file:///evidence/app-1.fallback-bundle.json\",\"sha256\":\"" + "a".repeat(64)
        + "\",\"sizeBytes\":5,\"fallbackBundle\":false}")).orElseThrow();

    Plan plan = planner.plan(new Input(fcp, PodRead.NOT_READ, null, Map.of(), Map.of("app",
        new CustodyPlanner.Collector(pod, report))));

    var evidence = plan.status().container("app").orElseThrow().getEvidence();
    assertThat(evidence.getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(evidence.getFallbackBundle()).isTrue();
    assertThat(plan.collectorsToDelete()).containsExactly(pod);
    assertThat(plan.done()).isTrue();
    assertThat(plan.status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    var condition = Conditions.find(plan.status().getConditions(), Conditions.EVIDENCE_STORED);
    assertThat(condition.getStatus()).isEqualTo("True");
    assertThat(condition.getReason()).isEqualTo(Conditions.REASON_FALLBACK_STORED);
    assertThat(plan.status().getMessage()).isEqualTo("0/1 containers checkpointed, 1 failed (app: CRIUFailed);"
        + " 1/1 fallback bundles stored (checkpoint failed: app: CRIUFailed)");
    var ready = Conditions.find(plan.status().getConditions(), Conditions.READY);
    assertThat(ready.getReason()).isEqualTo(Conditions.REASON_FAILED);
  }

  @Test
  void theBundlesPodIsTheCollectorsWithoutTheNodeItsCheckpointFailedOn() throws Exception {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp();
    ContainerCheckpointStatus app = failed(FailureReason.CRIUFailed);
    app.setArchivePath(null);
    fcp.getStatus().getContainers().set(0, app);

    Pod pod = FallbackBundles.build(fcp, app, S3_ENCRYPTED);

    var spec = pod.getSpec();
    assertThat(pod.getMetadata().getName()).isEqualTo(FallbackBundles.name("0123456789abcdef", "app", "1"))
        .startsWith("fcp-bundle-");
    assertThat(spec.getNodeName()).as("needs nothing from the node").isNull();
    var avoid = spec.getAffinity().getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution().get(0)
        .getPreference().getMatchFields().get(0);
    assertThat(avoid.getOperator()).isEqualTo("NotIn");
    assertThat(avoid.getValues()).containsExactly("worker-1");
    assertThat(spec.getVolumes()).noneMatch(v -> v.getHostPath() != null);
    assertThat(spec.getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo(FallbackBundles.BUNDLE_VOLUME);
      assertThat(v.getSecret().getSecretName()).isEqualTo(pod.getMetadata().getName());
    });
    var container = spec.getContainers().get(0);
    assertThat(container.getVolumeMounts()).filteredOn(m -> m.getName().equals(FallbackBundles.BUNDLE_VOLUME))
        .singleElement().satisfies(m -> assertThat(m.getReadOnly()).isTrue());
    assertThat(container.getArgs()).containsSequence("--fallback-bundle", "/etc/fcp/fallback-bundle/bundle.json")
        .containsSequence("--name", "dev/inc42-01234567/app-1.fallback-bundle.json.gpg")
        .contains("--recipients").doesNotContain("--archive", "--delete-after-store");
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    JsonNode facts = new ObjectMapper().readTree(container.getEnv().stream()
        .filter(e -> e.getName().equals(CollectorPods.FACTS)).findFirst().orElseThrow().getValue());
    assertThat(facts.path("checkpointFailure").path("reason").asText()).isEqualTo("CRIUFailed");
    assertThat(facts.path("kubeletArchivePath").isNull()).isTrue();
    assertThat(facts.path("forensicCheckpoint").path("uid").asText()).isEqualTo("0123456789abcdef");
  }

  @Test
  void theSecretIsImmutableAndNamedAsItsPod() {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp();
    ContainerCheckpointStatus app = failed(FailureReason.CRIUFailed);

    var secret = FallbackBundles.secret(fcp, app, FILE, "{\"kind\":1}".getBytes());

    assertThat(secret.getMetadata().getName()).isEqualTo(FallbackBundles.name("0123456789abcdef", "app", "1"));
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("fcp-evidence");
    assertThat(secret.getImmutable()).isTrue();
    assertThat(Base64.getDecoder().decode(secret.getData().get(FallbackBundles.BUNDLE_FILE))).asString()
        .isEqualTo("{\"kind\":1}");
    assertThat(FallbackBundles.objectName(fcp, app, FILE)).isEqualTo("dev/inc42-01234567/app-1.fallback-bundle.json");
  }

  static ContainerCheckpointStatus failed(FailureReason reason) {
    ContainerCheckpointStatus c = new ContainerCheckpointStatus("app");
    c.setPhase(ContainerPhase.Failed);
    c.setAttempts(1);
    c.setContainerID("containerd://abc");
    c.setFailure(new CheckpointFailure(reason, "it failed", 500));
    return c;
  }
}
