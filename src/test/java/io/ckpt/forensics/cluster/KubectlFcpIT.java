package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl fcp} as a responder runs it: the launcher and jar that {@code ./mvnw package}
 * builds, copied side by side into a directory on PATH, run by the lab's real kubectl (which finds
 * the plugin there), against the real API server, as ServiceAccounts whose only rights are RBAC
 * bindings: a responder bound to the chart's responder role, and an intern bound to nothing. The
 * chart keeps evidence in a file store, so {@code take --wait} follows the custody too.
 */
class KubectlFcpIT {

  static final String NS = "dev";
  static final String RESPONDER_ROLE = "forensic-checkpoint-operator-responder";
  static final Path BUILD = Path.of(System.getProperty("operator.build.dir", "target")).toAbsolutePath();

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("kubectl-fcp-it").nodes(1),
      Map.of("evidence.store", "file", "evidence.pvc", CollectionIT.CLAIM, "evidence.signingKeySecret",
          CollectionIT.SIGNING_SECRET, "responderRole.enabled", true));
  static Lab lab;
  static Path bin;
  static Path responder;
  static Path intern;
  static OperatorMain.Running operator;

  @BeforeAll
  static void installThePluginAndTheUsers() throws Exception {
    lab = CLUSTER.lab();
    CollectionIT.signingKeySecret(lab);
    bin = Files.createDirectories(lab.runDir().resolve("plugin-bin"));
    Path jar = BUILD.resolve("kubectl-fcp-" + PomVersion.read() + ".jar");
    assertThat(jar).as("built by ./mvnw package").isRegularFile();
    // installed as docs/kubectl-plugin.md says: the launcher and the jar side by side on PATH
    Files.copy(ChartRelease.projectRoot().resolve("src/dist/bin/kubectl-fcp"), bin.resolve("kubectl-fcp"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(jar, bin.resolve("kubectl-fcp.jar"), StandardCopyOption.REPLACE_EXISTING);
    assertThat(bin.resolve("kubectl-fcp").toFile().canExecute()).as("the launcher keeps its mode").isTrue();

    lab.createRunningPod(NS, "suspect", lab.nodes().get(0), "app", "sidecar");
    lab.createServiceAccount(NS, "responder");
    lab.createServiceAccount(NS, "intern");
    lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName("responders").withNamespace(NS)
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", RESPONDER_ROLE)
        .addNewSubject().withKind("ServiceAccount").withNamespace(NS).withName("responder").endSubject().build())
        .create();
    responder = kubeconfig("responder");
    intern = kubeconfig("intern");
    operator = CLUSTER.chart().startOperator(CollectionIT.config());
  }

  @AfterAll
  static void stopTheOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  /** A token kubeconfig for a ServiceAccount of dev whose context's namespace is dev, as kubectl config set-context writes it. */
  static Path kubeconfig(String account) throws IOException {
    Path file = lab.writeKubeconfig(lab.runDir().resolve(account + ".kubeconfig"), lab.mintToken(NS, account));
    return Files.writeString(file, Files.readString(file).replace("namespace: default", "namespace: " + NS));
  }

  @Test
  void takeWaitFollowsTheCheckpointAndItsCustodyToTheEnd() throws Exception {
    Run take = kubectl(responder, "fcp", "take", "suspect", "-c", "app", "--reason", "Falco: Terminal shell in container",
        "--case", "INC-2026-0042", "--name", "suspect-inc42", "--wait", "--timeout", "2m");

    assertThat(take.exit).as(take.all()).isZero();
    ForensicCheckpoint done = CLUSTER.fcps().get(NS, "suspect-inc42");
    EvidenceStatus evidence = Checkpoints.container(done, "app").getEvidence();
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(evidence.getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(done.getSpec().getCaseId()).isEqualTo("INC-2026-0042");
    assertThat(done.getSpec().getContainers()).containsExactly("app");
    List<String> lines = take.out.lines().toList();
    assertThat(lines.get(0)).isEqualTo("forensiccheckpoint.forensics.ckpt.io/suspect-inc42 created in namespace dev");
    assertThat(lines).contains("  app: evidence stored at " + evidence.getLocation() + " (sha256 "
        + evidence.getSha256() + ", " + evidence.getSizeBytes() + " bytes)");
    assertThat(lines).anyMatch(l -> l.startsWith("  app: checkpointed in ") && l.endsWith(": "
        + Checkpoints.container(done, "app").getArchivePath()));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("Succeeded, evidence stored: " + done.getStatus().getMessage());
    assertThat(take.err).isEmpty();

    Run get = kubectl(responder, "fcp", "get");
    assertThat(get.exit).as(get.all()).isZero();
    assertThat(get.out.lines().toList().get(0)).matches("NAME +POD +NODE +PHASE +CONTAINERS +EVIDENCE +AGE");
    assertThat(get.out).containsPattern("(?m)^suspect-inc42 +suspect +" + done.getStatus().getNodeName()
        + " +Succeeded +app=Succeeded +Stored +\\d+s$");

    Run describe = kubectl(responder, "fcp", "describe", "suspect-inc42", "--context", "lab", "-n", NS);
    assertThat(describe.exit).as(describe.all()).isZero();
    assertThat(describe.out).contains("Reason:                  Falco: Terminal shell in container",
        "Case:                    INC-2026-0042", "Phase:                   Succeeded",
        "      Location:          " + evidence.getLocation(),
        "      SHA-256:           " + evidence.getSha256(),
        "      Custody record:    " + evidence.getRecordLocation(),
        "      Signing key:       " + evidence.getSigningKeyId(),
        "    Captured:", "      Processes:         " + evidence.getCaptured().getProcesses());
    System.out.println("KubectlFcpIT: $ kubectl fcp take ...\n" + take.out + "$ kubectl fcp get\n" + get.out
        + "$ kubectl fcp describe suspect-inc42\n" + describe.out);
  }

  @Test
  void aFailedCheckpointEndsWithItsReasonAndExitCodeOne() throws Exception {
    lab.nodes().get(0).inject(KubeletFault.CRIU_FAILURE, "sidecar", 1);

    Run take = kubectl(responder, "fcp", "take", "suspect", "-c", "sidecar", "--reason", "test", "--name",
        "suspect-criu", "--wait", "--timeout", "2m");

    assertThat(take.exit).as(take.all()).isEqualTo(1);
    assertThat(take.out).contains("  sidecar: failed: CRIUFailed (HTTP 500): ");
    ForensicCheckpoint done = CLUSTER.fcps().get(NS, "suspect-criu");
    assertThat(take.out.strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith("Failed")
        .endsWith(": " + done.getStatus().getMessage());
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect -c sidecar ... --wait\n" + take.out);
  }

  @Test
  void aUserWithoutRightsIsToldWhichRightToAskFor() throws Exception {
    Run take = kubectl(intern, "fcp", "take", "suspect", "--reason", "curious");

    assertThat(take.exit).as(take.all()).isEqualTo(3);
    assertThat(take.out).isEmpty();
    assertThat(take.err).startsWith("error: cannot create forensiccheckpoints.forensics.ckpt.io in namespace dev: ask"
        + " for the right to create forensiccheckpoints (API group forensics.ckpt.io) in namespace dev, with the chart:"
        + " a RoleBinding in that namespace to the ClusterRole " + RESPONDER_ROLE)
        .contains("User \"system:serviceaccount:dev:intern\" cannot create resource \"forensiccheckpoints\"");

    Run get = kubectl(intern, "fcp", "get");
    assertThat(get.exit).as(get.all()).isEqualTo(3);
    assertThat(get.err).startsWith("error: cannot list forensiccheckpoints.forensics.ckpt.io in namespace dev: ask for"
        + " the right to list forensiccheckpoints (API group forensics.ckpt.io) in namespace dev");
    assertThat(CLUSTER.fcps().list(NS)).noneMatch(f -> "curious".equals(f.getSpec().getReason()));
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect --reason curious  (as dev:intern)\n" + take.err);
  }

  @Test
  void aMissingCheckpointIsNotFoundAndTheCheckpointGoesOnAfterATimeout() throws Exception {
    Run missing = kubectl(responder, "fcp", "describe", "nothing-here");
    assertThat(missing.exit).as(missing.all()).isEqualTo(4);
    assertThat(missing.err).isEqualTo("error: forensiccheckpoints.forensics.ckpt.io \"nothing-here\" not found in"
        + " namespace dev\n");

    lab.nodes().get(0).setLatency(java.time.Duration.ofSeconds(8));
    Run slow = kubectl(responder, "fcp", "take", "suspect", "-c", "app", "--reason", "slow", "--name", "suspect-slow",
        "--wait", "--timeout", "2s");
    assertThat(slow.exit).as(slow.all()).isEqualTo(5);
    assertThat(slow.out).contains("after 2s; the checkpoint goes on: follow it with kubectl fcp describe suspect-slow"
        + " -n dev");
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect -c app ... --wait --timeout 2s\n" + slow.out);
  }

  record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "stderr:\n" + err;
    }
  }

  /** The lab's kubectl with {@code KUBECONFIG} and a PATH holding only the plugin's directory and the system's. */
  static Run kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(lab.binaries().kubectl().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(lab.runDir().toFile());
    builder.environment().clear();
    builder.environment().putAll(Map.of("PATH", bin + ":/usr/bin:/bin", "KUBECONFIG", kubeconfig.toString(),
        "HOME", lab.runDir().toString(), "JAVA_HOME", Path.of(System.getProperty("java.home")).toString()));
    Path out = Files.createTempFile(lab.runDir(), "kubectl-fcp", ".out");
    Path err = Files.createTempFile(lab.runDir(), "kubectl-fcp", ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in 180 s");
    }
    return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
