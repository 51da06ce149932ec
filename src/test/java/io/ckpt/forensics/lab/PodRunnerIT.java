package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Simulated nodes run the pods someone else binds to them (as the operator binds its collector pods)
 * as local JVMs, against the real API server: volumes mapped, status written by the node from the
 * real exit, deadline and deletion kill the process, hostPaths outside the node refused.
 */
@RequiresLab
class PodRunnerIT {

  private static final String NS = "fcp-system";
  private static final Duration WAIT = Duration.ofSeconds(90);

  private static Lab lab;
  private static KubernetesClient admin;
  private static SimulatedNode node;

  @BeforeAll
  static void startLab() throws Exception {
    lab = Lab.start(LabOptions.defaults().name("PodRunnerIT").nodes(2));
    admin = lab.adminClient();
    node = lab.node(1);
    lab.createNamespace(NS);
    admin.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("signing").endMetadata()
        .addToStringData("key.pem", "SECRET-KEY").build()).create();
    Files.writeString(node.checkpointDir().resolve("archive.tar"), "ARCHIVE");
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  /** A collector-like pod as the operator would create it (not through the lab, so not labelled as the lab's). */
  private static Pod create(String name, PodBuilder adjust) {
    Pod pod = adjust.editMetadata().withName(name).withNamespace(NS).endMetadata().build();
    return admin.pods().inNamespace(NS).resource(pod).create();
  }

  private static PodBuilder collector(Path checkpoints, String... args) {
    return PodRunnerTest.testPod("ignored", checkpoints, args)
        .editMetadata().withUid(null).endMetadata()
        .editSpec().withNodeName(node.name()).withAutomountServiceAccountToken(false).endSpec();
  }

  private static Pod awaitPod(String name, Predicate<Pod> condition) {
    return lab.awaitPod(NS, name, condition, WAIT);
  }

  private static Predicate<Pod> phase(String phase) {
    return p -> p.getStatus() != null && phase.equals(p.getStatus().getPhase());
  }

  private static ContainerStateTerminated terminated(Pod pod) {
    return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
  }

  @Test
  void runsTheCollectorPodAndReportsItsTerminationMessage() {
    Pod created = create("collect-ok", collector(node.checkpointDir(),
        "--read", "/node-checkpoints/archive.tar", "--read", "/etc/fcp/signing/key.pem", "--mode",
        "/etc/fcp/signing/key.pem", "--write", "/tmp/out.txt", "scratch", "--message-file", "/dev/termination-log"));

    Pod running = awaitPod("collect-ok", phase("Running").or(phase("Succeeded")));
    Pod done = awaitPod("collect-ok", phase("Succeeded"));

    assertThat(running.getStatus().getContainerStatuses().get(0).getContainerID()).matches("containerd://[0-9a-f]{64}");
    ContainerStateTerminated t = terminated(done);
    assertThat(t.getExitCode()).isZero();
    assertThat(t.getReason()).isEqualTo("Completed");
    assertThat(t.getStartedAt()).isNotBlank();
    assertThat(t.getFinishedAt()).isNotBlank();
    assertThat(t.getMessage()).contains("=ARCHIVE", "=SECRET-KEY", "=r--------", "wrote ");
    assertThat(node.podDir(created.getMetadata().getUid()).resolve("volumes/tmp/out.txt")).hasContent("scratch");
  }

  @Test
  void aNonZeroExitFailsThePodWithItsMessage() {
    create("collect-fails", collector(node.checkpointDir(),
        "--message-file", "/dev/termination-log", "--read", "/node-checkpoints/missing.tar"));

    Pod done = awaitPod("collect-fails", phase("Failed"));

    assertThat(terminated(done).getExitCode()).isEqualTo(2);
    assertThat(terminated(done).getReason()).isEqualTo("Error");
    assertThat(terminated(done).getMessage()).startsWith("error java.nio.file.NoSuchFileException");
  }

  @Test
  void aHostPathOfAnotherNodeIsRefused() {
    create("collect-elsewhere", collector(lab.node(2).checkpointDir()));

    Pod done = awaitPod("collect-elsewhere", phase("Failed"));

    assertThat(done.getStatus().getReason()).isEqualTo("HostPathOutsideNode");
    assertThat(done.getStatus().getMessage()).contains("outside node " + node.name());
  }

  @Test
  void theActiveDeadlineKillsThePod() {
    create("collect-slow", collector(node.checkpointDir(), "--sleep", "300").editSpec()
        .withActiveDeadlineSeconds(3L).endSpec());

    Pod done = awaitPod("collect-slow", phase("Failed"));

    assertThat(done.getStatus().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(terminated(done).getExitCode()).isNotZero();
  }

  @Test
  void deletingThePodKillsItsProcess() {
    create("collect-deleted", collector(node.checkpointDir(), "--sleep", "300"));
    awaitPod("collect-deleted", phase("Running"));
    assertThat(node.runningPodProcesses()).isPositive();

    admin.pods().inNamespace(NS).withName("collect-deleted").delete();

    await().atMost(WAIT).until(() -> admin.pods().inNamespace(NS).withName("collect-deleted").get() == null);
    await().atMost(WAIT).until(() -> node.runningPodProcesses() == 0);
  }

  @Test
  void forceDeletingThePodKillsItsProcess() {
    create("collect-forced", collector(node.checkpointDir(), "--sleep", "300"));
    awaitPod("collect-forced", phase("Running"));

    admin.pods().inNamespace(NS).withName("collect-forced").withGracePeriod(0).delete();

    await().atMost(WAIT).until(() -> admin.pods().inNamespace(NS).withName("collect-forced").get() == null);
    await().atMost(WAIT).until(() -> node.runningPodProcesses() == 0);
  }

  @Test
  void theLabsOwnPodsStaySimulatedWhateverTheirImage() {
    Pod own = lab.createPod(lab.podSpec("dev", "looks-like-operator", node, "app").editSpec().editFirstContainer()
        .withImage("forensic-checkpoint-operator:0.1.0").endContainer().endSpec().build());

    Pod running = lab.awaitPod("dev", own.getMetadata().getName(), Lab::isRunningAndReady, WAIT);

    assertThat(running.getMetadata().getLabels()).containsEntry(PodRunner.LAB_POD_LABEL, "true");
    assertThat(node.podDir(running.getMetadata().getUid())).doesNotExist();
  }
}
