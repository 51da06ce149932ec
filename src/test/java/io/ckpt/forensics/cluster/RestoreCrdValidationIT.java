package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RequiresLab;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CheckpointRestore CRD (crd/) in a real API server: bad names and images are refused
 * with a message naming the field and the fix, the spec cannot be changed, and kubectl get reads well.
 */
@RequiresLab
class RestoreCrdValidationIT {

  static final String CRD = "checkpointrestores.forensics.ckpt.io";
  static final String DIGEST = "sha256:" + "ab".repeat(32);

  static Lab lab;

  @BeforeAll
  static void installCrd() {
    lab = Lab.start(LabOptions.defaults().name("fcr-crd-it").nodes(1));
    ExecResult apply = lab.kubectl("apply", "-f",
        ChartRelease.projectRoot().resolve("crd/" + CRD + "-v1.yml").toString());
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    ExecResult established = lab.kubectl("wait", "--for=condition=Established", "crd/" + CRD, "--timeout=60s");
    assertThat(established.exitCode()).as(established.toString()).isZero();
    lab.createNamespace("dev");
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  static String manifest(String name, String specLines) {
    return "apiVersion: forensics.ckpt.io/v1alpha1\nkind: CheckpointRestore\nmetadata:\n  name: " + name
        + "\n  namespace: dev\n" + specLines;
  }

  static Stream<Arguments> invalid() {
    String ok = "  checkpointName: nettools-inc42\n  nodeName: worker-1\n";
    return Stream.of(
        Arguments.of("no spec", "bad", "", "spec: Required value"),
        Arguments.of("no checkpointName", "bad", "spec:\n  nodeName: worker-1\n",
            "spec.checkpointName: Required value"),
        Arguments.of("no nodeName", "bad", "spec:\n  checkpointName: nettools-inc42\n",
            "spec.nodeName: Required value"),
        Arguments.of("bad checkpointName", "bad", "spec:\n  checkpointName: Nettools_42\n  nodeName: worker-1\n",
            "spec.checkpointName: Invalid value: \"Nettools_42\": checkpointName must name a ForensicCheckpoint in this"
                + " namespace: lowercase letters, digits, '-' and '.'"),
        Arguments.of("bad nodeName", "bad", "spec:\n  checkpointName: c\n  nodeName: Worker_1\n",
            "spec.nodeName: Invalid value: \"Worker_1\": nodeName must be a Node's name"),
        Arguments.of("bad container", "bad", "spec:\n" + ok + "  container: App.1\n",
            "spec.container: Invalid value: \"App.1\": container must be a container name"),
        Arguments.of("long container", "bad", "spec:\n" + ok + "  container: " + "c".repeat(64) + "\n",
            "spec.container: Too long"),
        Arguments.of("bad runtimeClassName", "bad", "spec:\n" + ok + "  runtimeClassName: gVisor\n",
            "spec.runtimeClassName: Invalid value: \"gVisor\": runtimeClassName must be a RuntimeClass's name"),
        Arguments.of("image by tag", "bad", "spec:\n" + ok + "  image: registry.lab:5000/ckpt/nettools:latest\n",
            "spec.image: Invalid value: \"registry.lab:5000/ckpt/nettools:latest\": image must be a checkpoint image by digest,"
                + " repository@sha256:<64 hex digits>"),
        Arguments.of("short digest", "bad", "spec:\n" + ok + "  image: registry.lab/ckpt@sha256:abc\n",
            "image must be a checkpoint image by digest"),
        Arguments.of("name of 64", "r".repeat(64), "spec:\n" + ok,
            "metadata.name of a CheckpointRestore must have at most 63 characters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refusesBadInputNamingTheField(String situation, String name, String spec, String message) {
    ExecResult result = lab.kubectlWithInput(manifest(name, spec), "apply", "-f", "-");

    assertThat(result.exitCode()).as(situation + ": " + result).isNotZero();
    assertThat(result.stderr()).as(situation).contains("The CheckpointRestore \"" + name + "\" is invalid")
        .contains(message);
  }

  @Test
  void specIsImmutable() {
    String spec = "spec:\n  checkpointName: nettools-inc42\n  nodeName: worker-1\n";
    ExecResult create = lab.kubectlWithInput(manifest("frozen", spec), "apply", "-f", "-");
    assertThat(create.exitCode()).as(create.toString()).isZero();

    ExecResult otherNode = lab.kubectlWithInput(manifest("frozen", spec.replace("worker-1", "worker-2")),
        "apply", "-f", "-");
    ExecResult addedRuntimeClass = lab.kubectlWithInput(manifest("frozen", spec + "  runtimeClassName: gvisor\n"),
        "apply", "-f", "-");

    assertThat(otherNode.exitCode()).as(otherNode.toString()).isNotZero();
    assertThat(otherNode.stderr()).contains("spec is immutable: create a new CheckpointRestore to restore again");
    assertThat(addedRuntimeClass.exitCode()).as(addedRuntimeClass.toString()).isNotZero();
    assertThat(addedRuntimeClass.stderr()).contains("spec is immutable");
  }

  @Test
  void acceptsAFullSpecAndListsItByShortName() {
    ExecResult create = lab.kubectlWithInput(manifest("nettools-sandbox", "spec:\n"
        + "  checkpointName: nettools-inc42\n  container: nettools\n  nodeName: worker-1.lab\n"
        + "  runtimeClassName: gvisor\n  image: registry.lab:5000/ckpt/nettools:inc42@" + DIGEST + "\n"),
        "apply", "-f", "-");
    assertThat(create.exitCode()).as(create.toString()).isZero();

    ExecResult get = lab.kubectl("get", "fcr", "nettools-sandbox", "-n", "dev");

    assertThat(get.exitCode()).as(get.toString()).isZero();
    assertThat(get.stdout().lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "AGE", "CHECKPOINT", "CONTAINER", "NODE", "PHASE", "POD");
    assertThat(get.stdout()).contains("nettools-inc42", "nettools", "worker-1.lab");
    ExecResult category = lab.kubectl("get", "forensics", "-n", "dev", "-o", "name");
    assertThat(category.stdout()).contains("checkpointrestore.forensics.ckpt.io/nettools-sandbox");
  }
}
