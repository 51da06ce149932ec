package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;

/** Volumes of a lab-run pod on this machine, and a container's paths rewritten to them. */
class VolumeMappingTest {

  @TempDir
  Path tmp;

  private VolumeMapping mapping(String reportedRoot, Map<String, Map<String, byte[]>> secrets) {
    return new VolumeMapping("worker-1", tmp.resolve("nodes/worker-1"), reportedRoot, tmp.resolve("claims"),
        (ns, name) -> secrets.get(ns + "/" + name));
  }

  private static Pod pod(VolumeBuilder... volumes) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ops").withUid("u1").endMetadata()
        .withNewSpec().endSpec();
    for (VolumeBuilder v : volumes) {
      b.editSpec().addToVolumes(v.build()).endSpec();
    }
    return b.build();
  }

  @Test
  void everySupportedVolumeGetsALocalDirectory() throws Exception {
    Path checkpoints = Files.createDirectories(tmp.resolve("nodes/worker-1/checkpoints"));
    Map<String, Map<String, byte[]>> secrets = Map.of("ops/signing", Map.of("key.pem", "KEY".getBytes(StandardCharsets.UTF_8)));
    Pod pod = pod(
        new VolumeBuilder().withName("archive").withNewHostPath().withPath(checkpoints.toString()).withType("Directory").endHostPath(),
        new VolumeBuilder().withName("signing-key").withNewSecret().withSecretName("signing").endSecret(),
        new VolumeBuilder().withName("store").withNewPersistentVolumeClaim().withClaimName("evidence").endPersistentVolumeClaim(),
        new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir());

    Map<String, Path> local = mapping(null, secrets).prepare(pod, tmp.resolve("pod"));

    assertThat(local.get("archive")).isEqualTo(checkpoints);
    Path key = local.get("signing-key").resolve("key.pem");
    assertThat(key).hasContent("KEY");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("r--------");
    assertThat(local.get("store")).isEqualTo(tmp.resolve("claims/ops/evidence")).isDirectory();
    assertThat(local.get("tmp")).isEqualTo(tmp.resolve("pod/volumes/tmp")).isDirectory();
  }

  @Test
  void hostPathOutsideTheNodeIsRefusedEvenThroughDotDot() {
    for (String path : new String[] {"/etc", tmp.resolve("nodes/worker-2").toString(),
        tmp.resolve("nodes/worker-1/../worker-2/checkpoints").toString()}) {
      Pod pod = pod(new VolumeBuilder().withName("archive").withNewHostPath().withPath(path).endHostPath());
      PodRefusal refusal = catchThrowableOfType(PodRefusal.class,
          () -> mapping(null, Map.of()).prepare(pod, tmp.resolve("pod")));
      assertThat(refusal.reason()).as(path).isEqualTo("HostPathOutsideNode");
      assertThat(refusal.getMessage()).contains("volume 'archive'", path, "worker-1");
    }
  }

  @Test
  void theReportedKubeletRootMapsToTheNodeDirectory() throws Exception {
    Path checkpoints = Files.createDirectories(tmp.resolve("nodes/worker-1/checkpoints"));
    Pod pod = pod(new VolumeBuilder().withName("archive").withNewHostPath().withPath("/var/lib/kubelet/checkpoints")
        .withType("Directory").endHostPath());

    assertThat(mapping("/var/lib/kubelet", Map.of()).prepare(pod, tmp.resolve("pod")).get("archive")).isEqualTo(checkpoints);
  }

  @Test
  void missingSecretsAndOtherVolumeTypesAreRefused() throws Exception {
    Pod missing = pod(new VolumeBuilder().withName("s3").withNewSecret().withSecretName("nope").endSecret());
    assertThat(catchThrowableOfType(PodRefusal.class, () -> mapping(null, Map.of()).prepare(missing, tmp.resolve("a")))
        .reason()).isEqualTo("SecretNotFound");

    Pod optional = pod(new VolumeBuilder().withName("r").withNewSecret().withSecretName("nope").withOptional(true).endSecret());
    assertThat(mapping(null, Map.of()).prepare(optional, tmp.resolve("b")).get("r")).isEmptyDirectory();

    Pod configMap = pod(new VolumeBuilder().withName("c").withNewConfigMap().withName("x").endConfigMap());
    assertThat(catchThrowableOfType(PodRefusal.class, () -> mapping(null, Map.of()).prepare(configMap, tmp.resolve("c")))
        .reason()).isEqualTo("UnsupportedVolume");
  }

  @Test
  void secretItemsChooseKeysAndNames() throws Exception {
    Map<String, Map<String, byte[]>> secrets = Map.of("ops/s3", Map.of("a", new byte[] {1}, "b", new byte[] {2}));
    Pod pod = pod(new VolumeBuilder().withName("s3").withNewSecret().withSecretName("s3")
        .addNewItem().withKey("b").withPath("sub/credentials").endItem().endSecret());

    Path dir = mapping(null, secrets).prepare(pod, tmp.resolve("pod")).get("s3");

    assertThat(dir.resolve("sub/credentials")).hasBinaryContent(new byte[] {2});
    assertThat(dir.resolve("a")).doesNotExist();
  }

  @Test
  void mountPathsAreRewrittenInArgumentsLongestFirst() throws Exception {
    var container = new ContainerBuilder().withName("collector")
        .addNewVolumeMount().withName("archive").withMountPath("/node-checkpoints").endVolumeMount()
        .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
        .addNewVolumeMount().withName("nested").withMountPath("/tmp/inner/").endVolumeMount()
        .build();
    MountedPaths paths = MountedPaths.of(container,
        Map.of("archive", Path.of("/lab/cp"), "tmp", Path.of("/lab/tmp"), "nested", Path.of("/lab/n")),
        Path.of("/lab/c/termination-log"));

    assertThat(paths.rewrite("/node-checkpoints/a.tar")).isEqualTo("/lab/cp/a.tar");
    assertThat(paths.rewrite("--archive=/node-checkpoints/a.tar")).isEqualTo("--archive=/lab/cp/a.tar");
    assertThat(paths.rewrite("/tmp/inner/x")).isEqualTo("/lab/n/x");
    assertThat(paths.rewrite("/tmp")).isEqualTo("/lab/tmp");
    assertThat(paths.rewrite("/tmpfoo")).isEqualTo("/tmpfoo");
    assertThat(paths.rewrite("/dev/termination-log")).isEqualTo("/lab/c/termination-log");
    assertThat(paths.rewrite("collect")).isEqualTo("collect");
    assertThat(paths.rewrite("{\"reason\":\"x=/tmp/y\"}")).isEqualTo("{\"reason\":\"x=/tmp/y\"}");
    assertThat(paths.local("/tmp")).isEqualTo(Path.of("/lab/tmp"));

    var unknown = new ContainerBuilder().withName("c").addNewVolumeMount().withName("gone").withMountPath("/x")
        .endVolumeMount().build();
    assertThat(catchThrowableOfType(PodRefusal.class, () -> MountedPaths.of(unknown, Map.of(), Path.of("/t")))
        .getMessage()).contains("'gone'");
  }
}
