package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;

/**
 * {@link PodRunner} without a cluster: pods handed to it run {@link TestPodMain} as real JVMs, and
 * the statuses it would write are recorded. {@code PodRunnerIT} shows the same against the real API server.
 */
class PodRunnerTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path tmp;

  private final ExecutorService kubelet = Executors.newSingleThreadExecutor();
  private final Map<String, List<PodStatus>> statuses = new ConcurrentHashMap<>();
  private final PodStatusWriter writer = new PodStatusWriter("198.18.0.11");
  private Path nodeDir;
  private PodRunner runner;

  @BeforeEach
  void start() throws Exception {
    nodeDir = tmp.resolve("nodes/worker-1");
    Files.createDirectories(nodeDir.resolve("checkpoints"));
    runner = runner(2);
  }

  private PodRunner runner(int maxProcesses) {
    PodRunner r = new PodRunner("worker-1", nodeDir.resolve("pods"), new VolumeMapping("worker-1", nodeDir, null,
        tmp.resolve("claims"), (ns, name) -> "signing".equals(name)
            ? Map.of("key.pem", "SECRET-KEY".getBytes(StandardCharsets.UTF_8)) : null), maxProcesses, m -> { });
    r.attach(kubelet, (pod, rt) -> statuses.computeIfAbsent(pod.getMetadata().getUid(), k -> new CopyOnWriteArrayList<>())
        .add(writer.status(rt)));
    return r;
  }

  @AfterEach
  void stop() throws Exception {
    runner.close();
    kubelet.shutdown();
    kubelet.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** A collector-like pod running TestPodMain with {@code args}. */
  static PodBuilder testPod(String uid, Path checkpoints, String... args) {
    return new PodBuilder()
        .withNewMetadata().withName("collect-" + uid).withNamespace("ops").withUid(uid).endMetadata()
        .withNewSpec().withNodeName("worker-1").withRestartPolicy("Never").withTerminationGracePeriodSeconds(5L)
        .addNewContainer().withName("collector").withImage("forensic-checkpoint-operator:0.1.0")
        .withCommand("java-main", TestPodMain.class.getName()).withArgs(args)
        .addNewEnv().withName("JAVA_TOOL_OPTIONS").withValue("-Xmx64m").endEnv()
        .addNewVolumeMount().withName("archive").withMountPath("/node-checkpoints").endVolumeMount()
        .addNewVolumeMount().withName("signing-key").withMountPath("/etc/fcp/signing").withReadOnly(true).endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .endContainer()
        .addNewVolume().withName("archive").withNewHostPath().withPath(checkpoints.toString()).withType("Directory")
        .endHostPath().endVolume()
        .addNewVolume().withName("signing-key").withNewSecret().withSecretName("signing").endSecret().endVolume()
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec();
  }

  private void admit(Pod pod) {
    kubelet.execute(() -> runner.admit(pod, new PodRuntime(pod.getMetadata().getUid(), "10.0.0.1",
        java.time.Instant.now())));
  }

  private PodStatus awaitPhase(String uid, String phase) {
    await().atMost(WAIT).until(() -> last(uid) != null && phase.equals(last(uid).getPhase()));
    return last(uid);
  }

  private PodStatus last(String uid) {
    List<PodStatus> list = statuses.get(uid);
    return list == null || list.isEmpty() ? null : list.get(list.size() - 1);
  }

  private static ContainerStateTerminated terminated(PodStatus status) {
    return status.getContainerStatuses().get(0).getState().getTerminated();
  }

  @Test
  void runsTheContainerWithItsVolumesAndReportsItsTerminationMessage() throws Exception {
    Files.writeString(nodeDir.resolve("checkpoints/archive.tar"), "ARCHIVE");
    admit(testPod("u1", nodeDir.resolve("checkpoints"),
        "--read", "/node-checkpoints/archive.tar", "--read", "/etc/fcp/signing/key.pem",
        "--mode", "/etc/fcp/signing/key.pem", "--write", "/tmp/out.txt", "scratch", "--read", "/tmp/out.txt",
        "--message-file", "/dev/termination-log").build());

    PodStatus done = awaitPhase("u1", "Succeeded");

    assertThat(statuses.get("u1")).extracting(PodStatus::getPhase).containsSubsequence("Pending", "Running", "Succeeded");
    PodStatus running = statuses.get("u1").stream().filter(s -> "Running".equals(s.getPhase())).findFirst().orElseThrow();
    assertThat(running.getContainerStatuses().get(0).getState().getRunning().getStartedAt()).isNotBlank();
    assertThat(running.getContainerStatuses().get(0).getContainerID()).matches("containerd://[0-9a-f]{64}");
    ContainerStateTerminated t = terminated(done);
    assertThat(t.getExitCode()).isZero();
    assertThat(t.getReason()).isEqualTo("Completed");
    assertThat(t.getStartedAt()).isNotBlank();
    assertThat(t.getFinishedAt()).isNotBlank();
    Path tmpVolume = runner.podDir("u1").resolve("volumes/tmp");
    assertThat(t.getMessage()).contains(
        "read " + nodeDir.resolve("checkpoints/archive.tar") + "=ARCHIVE",
        "=SECRET-KEY", "=r--------",
        "read " + tmpVolume.resolve("out.txt") + "=scratch");
    assertThat(tmpVolume.resolve("out.txt")).hasContent("scratch");
  }

  @Test
  void aNonZeroExitFailsThePodWithTheMessage() {
    admit(testPod("u2", nodeDir.resolve("checkpoints"), "--mode", "/node-checkpoints", "--message-file",
        "/dev/termination-log", "--exit", "3").build());

    PodStatus done = awaitPhase("u2", "Failed");

    assertThat(terminated(done).getExitCode()).isEqualTo(3);
    assertThat(terminated(done).getReason()).isEqualTo("Error");
    assertThat(terminated(done).getMessage()).startsWith("mode " + nodeDir.resolve("checkpoints") + "=rwx");
  }

  @Test
  void withoutACommandTheImageEntrypointOperatorMainRuns() throws Exception {
    var container = testPod("u12", nodeDir).editSpec().editFirstContainer().withCommand()
        .withArgs("collect", "--archive", "/node-checkpoints/a.tar").endContainer().endSpec().build()
        .getSpec().getContainers().get(0);

    LocalContainerProcess.Plan plan = LocalContainerProcess.plan(container);

    assertThat(plan.mainClass()).isEqualTo("io.ckpt.forensics.operator.OperatorMain");
    assertThat(plan.args()).containsExactly("collect", "--archive", "/node-checkpoints/a.tar");
    assertThat(plan.env()).containsEntry("JAVA_TOOL_OPTIONS", "-Xmx64m");
  }

  @Test
  void theTerminationMessageIsCutAt4096Bytes() throws Exception {
    String big = "x".repeat(5000);
    admit(testPod("u3", nodeDir.resolve("checkpoints"), "--write", "/dev/termination-log", big).build());

    assertThat(terminated(awaitPhase("u3", "Succeeded")).getMessage()).hasSize(4096);
  }

  @Test
  void aHostPathOutsideTheNodeFailsThePodWithoutAProcess() {
    admit(testPod("u4", tmp.resolve("nodes/worker-2")).build());

    PodStatus failed = awaitPhase("u4", "Failed");

    assertThat(failed.getReason()).isEqualTo("HostPathOutsideNode");
    assertThat(failed.getMessage()).contains("outside node worker-1");
    assertThat(failed.getContainerStatuses().get(0).getState().getWaiting().getReason()).isEqualTo("HostPathOutsideNode");
    assertThat(runner.podDir("u4").resolve("collector/container.log")).doesNotExist();
  }

  @Test
  void otherRestartPoliciesAreRefused() {
    admit(testPod("u5", nodeDir.resolve("checkpoints")).editSpec().withRestartPolicy("OnFailure").endSpec().build());

    assertThat(awaitPhase("u5", "Failed").getReason()).isEqualTo("UnsupportedRestartPolicy");
  }

  @Test
  void theActiveDeadlineKillsThePod() {
    admit(testPod("u6", nodeDir.resolve("checkpoints"), "--sleep", "120").editSpec().withActiveDeadlineSeconds(2L)
        .endSpec().build());

    await().atMost(WAIT).until(() -> last("u6") != null && terminated(last("u6")) != null);

    PodStatus done = last("u6");
    assertThat(done.getPhase()).isEqualTo("Failed");
    assertThat(done.getReason()).isEqualTo("DeadlineExceeded");
    assertThat(done.getMessage()).isEqualTo(PodRunner.DEADLINE_MESSAGE);
    assertThat(terminated(done).getExitCode()).isNotZero();
    assertThat(runner.runningProcesses()).isZero();
  }

  @Test
  void stoppingThePodKillsItsProcess() throws Exception {
    Pod pod = testPod("u7", nodeDir.resolve("checkpoints"), "--sleep", "120").build();
    admit(pod);
    awaitPhase("u7", "Running");

    runner.stop(pod).get(30, TimeUnit.SECONDS);

    await().atMost(WAIT).until(() -> terminated(last("u7")) != null);
    assertThat(last("u7").getPhase()).isEqualTo("Failed");
    assertThat(runner.runningProcesses()).isZero();
  }

  @Test
  void podsBeyondTheProcessLimitWaitPending() throws Exception {
    runner.close();
    runner = runner(1);
    Pod sleeper = testPod("u8", nodeDir.resolve("checkpoints"), "--sleep", "120").build();
    admit(sleeper);
    awaitPhase("u8", "Running");
    admit(testPod("u9", nodeDir.resolve("checkpoints")).build());
    // the second pod was admitted (its Pending status written) but not started: the one slot is taken
    await().atMost(WAIT).until(() -> last("u9") != null);
    kubelet.submit(() -> null).get(); // everything queued on the kubelet thread has run
    assertThat(last("u9").getPhase()).isEqualTo("Pending");
    assertThat(runner.runningProcesses()).isEqualTo(1);

    runner.stop(sleeper).get(30, TimeUnit.SECONDS);

    awaitPhase("u9", "Succeeded");
  }

  @Test
  void closeStopsEveryProcess() {
    admit(testPod("u10", nodeDir.resolve("checkpoints"), "--sleep", "120").build());
    awaitPhase("u10", "Running");

    runner.close();

    assertThat(runner.runningProcesses()).isZero();
  }

  @Test
  void onlyPodsOfTheOperatorImageNotMadeByTheLabRunForReal() {
    Pod collector = testPod("u11", nodeDir).build();
    assertThat(PodRunner.runsForReal(collector)).isTrue();
    assertThat(PodRunner.runsForReal(new PodBuilder(collector).editMetadata()
        .addToLabels(PodRunner.LAB_POD_LABEL, "true").endMetadata().build())).isFalse();
    assertThat(PodRunner.runsForReal(new PodBuilder(collector).editSpec().editFirstContainer().withImage("nginx:1.27")
        .endContainer().endSpec().build())).isFalse();
    assertThat(PodRunner.isOperatorImage("registry.example:5000/ckpt/forensic-checkpoint-operator@sha256:ab")).isTrue();
    assertThat(PodRunner.isOperatorImage("forensic-checkpoint-operator")).isTrue();
    assertThat(PodRunner.isOperatorImage("forensic-checkpoint-operator-bundle:1")).isFalse();
  }
}
