package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointRestore;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ExportStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.RestorePhase;
import io.ckpt.forensics.cluster.PluginKubectl.Run;
import io.ckpt.forensics.export.RegistryServer;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.ExportConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.ckpt.forensics.operator.RestoreConfig;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole path a responder takes (issue 16), through the real kubectl with the built plugin on
 * PATH, as a ServiceAccount bound to the chart's responder and admin roles: take a checkpoint that is
 * also exported as an image, restore it into a sandbox without naming the image, and fetch the
 * evidence. The chart is installed with file custody, export and restore on the lab's node; the
 * collector pods push to a distribution registry on loopback inside the lab's network namespace,
 * whose port is only known once it runs, so that one setting (the allowed repository) is given at
 * run time and the rest of the operator's export and restore settings are the chart's. The lab's
 * node reports the sandbox pod Running without running it (no CRIU): the pod the operator made is
 * what is checked.
 */
class ResponderJourneyIT {

  static final String NS = "dev";
  static final String NODE = "worker-1";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("journey-it").nodes(1), Map.of(
      "evidence.store", "file", "evidence.pvc", CollectionIT.CLAIM, "evidence.signingKeySecret",
      CollectionIT.SIGNING_SECRET, "responderRole.enabled", true, "restore.enabled", "true", "restore.nodes[0]", NODE,
      "export.enabled", "true", "export.allowedRepositories[0]", "registry.invalid/replaced-at-run-time",
      "export.pushSecret", "fcp-push", "export.plainHttp", "true"));

  @Test
  void takeWithExportThenRestoreTheExportedImageThenFetchTheEvidence() throws Exception {
    Lab lab = CLUSTER.lab();
    assertThat(lab.nodes().get(0).name()).isEqualTo(NODE);
    Path publicKey = CollectionIT.signingKeySecret(lab);
    PluginKubectl kubectl = PluginKubectl.install(lab);
    lab.createRunningPod(NS, "suspect", lab.nodes().get(0), "app");
    lab.createServiceAccount(NS, "responder");
    for (String role : List.of(KubectlFcpIT.RESPONDER_ROLE, ChartRelease.SERVICE_ACCOUNT + "-admin")) {
      lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName(role).withNamespace(NS)
          .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role).addNewSubject()
          .withKind("ServiceAccount").withNamespace(NS).withName("responder").endSubject().build()).create();
    }
    Path responder = kubectl.kubeconfig(NS, "responder");

    Path dir = Files.createDirectories(lab.runDir().resolve("registry"));
    Path htpasswd = Files.writeString(dir.resolve("htpasswd"), "pusher:"
        + OpenBSDBCrypt.generate("2y", "push-password".toCharArray(), new byte[16], 10) + "\n");
    try (RegistryServer registry = RegistryServer.start(dir, "",
        "auth:\n  htpasswd:\n    realm: fcp-lab\n    path: " + htpasswd + "\n")) {
      String basic = Base64.getEncoder().encodeToString("pusher:push-password".getBytes(StandardCharsets.UTF_8));
      lab.adminClient().secrets().inNamespace(CollectionIT.EVIDENCE_NS).resource(new SecretBuilder().withNewMetadata()
          .withName("fcp-push").endMetadata().withType("kubernetes.io/dockerconfigjson")
          .addToStringData(".dockerconfigjson", "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic
              + "\"}}}").build()).create();
      Map<String, String> chart = CLUSTER.chart().operatorEnvironment();
      assertThat(chart).containsEntry(ExportConfig.ENABLED, "true").containsEntry(ExportConfig.PUSH_SECRET, "fcp-push")
          .containsEntry(ExportConfig.PLAIN_HTTP, "true");
      RestoreConfig restore = RestoreConfig.fromEnvironment(chart);
      assertThat(restore).isEqualTo(new RestoreConfig(true, Set.of(NODE), false));
      Map<String, String> env = new HashMap<>(CollectionIT.env());
      for (String key : List.of(ExportConfig.ENABLED, ExportConfig.PUSH_SECRET, ExportConfig.PLAIN_HTTP)) {
        env.put(key, chart.get(key));
      }
      env.put(ExportConfig.ALLOWED_REPOSITORIES, registry.host() + "/forensics");
      String repository = registry.host() + "/forensics/suspect";

      try (OperatorMain.Running operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env),
          restore)) {
        // 1. take, with the image exported
        Run take = kubectl.run(responder, "fcp", "take", "suspect", "-c", "app", "--reason",
            "Falco: Terminal shell in container", "--case", "INC-2026-0042", "--name", "suspect-inc42", "--export",
            repository, "--wait", "--timeout", "3m");

        assertThat(take.exit()).as(take.all()).isZero();
        ForensicCheckpoint taken = CLUSTER.fcps().get(NS, "suspect-inc42");
        assertThat(taken.getSpec().getExport().getRepository()).isEqualTo(repository);
        assertThat(taken.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
        assertThat(Checkpoints.container(taken, "app").getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
        ExportStatus export = Awaitility.await("export status").atMost(Duration.ofSeconds(60))
            .until(() -> Checkpoints.container(CLUSTER.fcps().get(NS, "suspect-inc42"), "app").getExport(),
                e -> e != null && (e.getDigest() != null || e.getFailure() != null));
        assertThat(export.getFailure()).as("%s", export.getFailure() == null ? "" : export.getFailure().getMessage())
            .isNull();
        assertThat(export.getDigest()).matches("sha256:[0-9a-f]{64}");
        assertThat(export.getReference()).isEqualTo(repository + "@" + export.getDigest());
        HttpResponse<byte[]> manifest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            registry.url("/v2/forensics/suspect/manifests/" + export.getDigest())).header("Accept", OCI_MANIFEST)
            .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(manifest.statusCode()).as("the registry serves the digest in status").isEqualTo(200);
        assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(export.getDigest());

        // 2. restore without --image: the CheckpointRestore defaults to export.reference
        Run restored = kubectl.run(responder, "fcp", "restore", "suspect-inc42", "--node", NODE, "--name",
            "suspect-restore", "--wait", "--timeout", "2m");

        assertThat(restored.exit()).as(restored.all()).isZero();
        CheckpointRestore fcr = lab.adminClient().resources(CheckpointRestore.class).inNamespace(NS)
            .withName("suspect-restore").get();
        assertThat(fcr.getSpec().getImage()).as("no --image").isNull();
        assertThat(fcr.getStatus().getPhase()).isEqualTo(RestorePhase.Running);
        assertThat(fcr.getStatus().getImage()).isEqualTo(export.getReference());
        String podName = fcr.getStatus().getPodName();
        assertThat(restored.out().lines().toList()).first().isEqualTo(
            "checkpointrestore.forensics.ckpt.io/suspect-restore created in namespace dev");
        assertThat(restored.out().lines().reduce((a, b) -> b).orElseThrow()).isEqualTo("Running: sandbox pod "
            + podName + " on node " + NODE + "; watch it with kubectl get pod " + podName + " -n dev");
        Pod pod = lab.adminClient().pods().inNamespace(NS).withName(podName).get();
        assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
        assertThat(pod.getSpec().getNodeName()).isEqualTo(NODE);
        assertThat(pod.getSpec().getContainers()).singleElement()
            .satisfies(c -> assertThat(c.getImage()).isEqualTo(export.getReference()));
        assertThat(pod.getMetadata().getOwnerReferences()).singleElement()
            .satisfies(o -> assertThat(o.getUid()).isEqualTo(fcr.getMetadata().getUid()));
        NetworkPolicy policy = lab.adminClient().network().v1().networkPolicies().inNamespace(NS).withName(podName)
            .get();
        assertThat(policy.getSpec().getPodSelector().getMatchLabels())
            .isEqualTo(Map.of(CheckpointRestore.RESTORE_LABEL, "suspect-restore"));
        assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(policy.getSpec().getPodSelector()
            .getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress", "Egress");
        assertThat(policy.getSpec().getIngress()).isNullOrEmpty();
        assertThat(policy.getSpec().getEgress()).isNullOrEmpty();

        // 3. the evidence is still there and verifies
        Path analyst = Files.createDirectories(lab.runDir().resolve("analyst"));
        Run fetch = kubectl.run(responder, "fcp", "fetch", "suspect-inc42", "--key", publicKey.toString(), "-o",
            analyst.resolve("suspect-inc42.tar").toString());

        assertThat(fetch.exit()).as(fetch.all()).isZero();
        var evidence = Checkpoints.container(taken, "app").getEvidence();
        assertThat(fetch.out()).contains("ok    signature ", "ok    stored sha256     " + evidence.getStoredSha256(),
            "ok    checkpoint        record of dev/suspect-inc42 (uid " + taken.getMetadata().getUid()
                + "), container app").doesNotContain("FAIL");
        assertThat(Files.readAllBytes(analyst.resolve("suspect-inc42.tar")))
            .isEqualTo(Files.readAllBytes(Path.of(java.net.URI.create(evidence.getLocation()))));
        System.out.println("ResponderJourneyIT: $ kubectl fcp take suspect -c app --reason ... --case INC-2026-0042"
            + " --name suspect-inc42 --export " + repository + " --wait\n" + take.out()
            + "$ kubectl get fcp suspect-inc42 -o jsonpath='{.status.containers[0].export}'\n"
            + io.fabric8.kubernetes.client.utils.Serialization.asYaml(export)
            + "$ kubectl fcp restore suspect-inc42 --node " + NODE + " --name suspect-restore --wait\n" + restored.out()
            + "$ kubectl get pod " + podName + " -o jsonpath='{.spec.nodeName} {.spec.containers[0].image}'\n"
            + pod.getSpec().getNodeName() + " " + pod.getSpec().getContainers().get(0).getImage() + "\n"
            + "$ kubectl fcp fetch suspect-inc42 --key custody.pub.pem -o suspect-inc42.tar\n" + fetch.out());
      }
    }
  }
}
