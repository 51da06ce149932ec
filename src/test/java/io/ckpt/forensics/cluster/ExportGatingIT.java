package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.export.RegistryServer;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.ExportConfig;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
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
import org.awaitility.Awaitility;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * spec.export on the lab's real API server with the chart's RBAC and file custody: the admin's
 * settings decide, each outcome lands in the container's export status, and the checkpoint and its
 * evidence are the same as without export. The collector pods (local JVMs in the lab's network
 * namespace, as this test is) push to distribution registries this test starts on loopback there:
 * one with htpasswd credentials that the admin's push Secret holds, one read-only.
 */
class ExportGatingIT {

  private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  @RegisterExtension
  static final ChartedLab CLUSTER = CollectionIT.withFileCustody(LabOptions.defaults().name("export-it").nodes(1));
  static Lab lab;

  @BeforeAll
  static void aSigningKey() throws Exception {
    lab = CLUSTER.lab();
    CollectionIT.signingKeySecret(lab);
    // a pod per object: two checkpoints of one container in the same second would share a file name
    for (String pod : List.of("allowed", "elsewhere", "off", "refused")) {
      lab.createRunningPod("dev", pod, lab.nodes().get(0), "app");
    }
  }

  @Test
  void anAllowedExportIsPushedARefusedPushIsReportedAndTheCheckpointAndItsEvidenceAreUnaffected() throws Exception {
    Path dir = lab.runDir().resolve("registries");
    Path htpasswd = Files.writeString(Files.createDirectories(dir.resolve("open")).resolve("htpasswd"), "pusher:"
        + OpenBSDBCrypt.generate("2y", "push-password".toCharArray(), new byte[16], 10) + "\n");
    try (RegistryServer open = RegistryServer.start(dir.resolve("open"), "",
            "auth:\n  htpasswd:\n    realm: fcp-lab\n    path: " + htpasswd + "\n");
        RegistryServer readOnly = RegistryServer.start(dir.resolve("ro"),
            "  maintenance:\n    readonly:\n      enabled: true\n", "")) {
      String basic = Base64.getEncoder().encodeToString("pusher:push-password".getBytes(StandardCharsets.UTF_8));
      lab.adminClient().secrets().inNamespace(CollectionIT.EVIDENCE_NS).resource(new SecretBuilder().withNewMetadata()
          .withName("fcp-push").endMetadata().withType("kubernetes.io/dockerconfigjson")
          .addToStringData(".dockerconfigjson", "{\"auths\":{\"" + open.host() + "\":{\"auth\":\"" + basic
              + "\"}}}").build()).create();
      Map<String, String> env = new HashMap<>(CollectionIT.env());
      env.put(ExportConfig.ENABLED, "true");
      env.put(ExportConfig.ALLOWED_REPOSITORIES, open.host() + "/forensics," + readOnly.host() + "/forensics");
      env.put(ExportConfig.PUSH_SECRET, "fcp-push");
      env.put(ExportConfig.PLAIN_HTTP, "true");
      try (OperatorMain.Running operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env))) {
        create("allowed", open.host() + "/forensics/app");
        create("elsewhere", open.host() + "/forensicsx/app");
        create("refused", readOnly.host() + "/forensics/app");

        ContainerCheckpointStatus allowed = awaitCustody("allowed");
        ContainerCheckpointStatus elsewhere = awaitCustody("elsewhere");
        ContainerCheckpointStatus refused = awaitCustody("refused");

        assertThat(elsewhere.getExport().getFailure().getReason()).isEqualTo(ExportFailure.REPOSITORY_NOT_ALLOWED);
        assertThat(elsewhere.getExport().getFailure().getMessage())
            .startsWith("spec.export.repository " + open.host() + "/forensicsx/app is under none of")
            .contains(open.host() + "/forensics");
        assertThat(refused.getExport().getFailure().getReason()).as("%s", refused.getExport().getFailure().getMessage())
            .isEqualTo(ExportFailure.PUSH_REFUSED);
        assertThat(refused.getExport().getFailure().getMessage()).startsWith("the registry refused the push (HTTP 405");
        assertThat(refused.getExport().getDigest()).isNull();
        for (ContainerCheckpointStatus c : List.of(allowed, elsewhere, refused)) {
          assertThat(c.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
        }

        var export = allowed.getExport();
        assertThat(export.getFailure()).as("%s", export.getFailure() == null ? "" : export.getFailure().getMessage())
            .isNull();
        String uid = CLUSTER.fcps().get("dev", "allowed").getMetadata().getUid();
        String tag = "dev-allowed-" + uid.substring(0, 8) + "-app-1";
        assertThat(export.getImage()).isEqualTo(open.host() + "/forensics/app:" + tag);
        assertThat(export.getDigest()).matches("sha256:[0-9a-f]{64}");
        assertThat(export.getReference()).isEqualTo(open.host() + "/forensics/app@" + export.getDigest());
        assertThat(export.getExportedAt()).isNotNull();
        assertThat(export.getDroppedAnnotations()).isNotNull();
        // the signed export record beside the evidence
        assertThat(export.getRecordLocation()).isEqualTo(allowed.getEvidence().getLocation() + ".export.dsse.json");
        HttpResponse<byte[]> manifest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            open.url("/v2/forensics/app/manifests/" + tag)).header("Accept", OCI_MANIFEST)
            .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(manifest.statusCode()).isEqualTo(200);
        assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(export.getDigest());
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          var events = lab.adminClient().v1().events().inNamespace("dev").list().getItems();
          assertThat(events).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("ExportPushed");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("allowed");
            assertThat(e.getMessage()).contains(export.getReference());
          });
          assertThat(events).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("ExportFailed");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("refused");
            assertThat(e.getMessage()).startsWith("container app: PushRefused: the registry refused the push");
          });
        });
        System.out.println("ExportGatingIT: status.containers[app].export of dev/allowed:\n"
            + Serialization.asYaml(export) + "of dev/refused:\n" + Serialization.asYaml(refused.getExport()));
      }
    }
  }

  @Test
  void withExportOffTheRequestIsRefusedAndTheEvidenceStored() {
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(CollectionIT.config())) {
      create("off", "registry.example.com/forensics/app");

      ContainerCheckpointStatus off = awaitCustody("off");

      assertThat(off.getExport().getFailure().getReason()).isEqualTo(ExportFailure.EXPORT_DISABLED);
      assertThat(off.getExport().getFailure().getMessage()).contains("export.enabled");
      assertThat(off.getEvidence().getPhase()).isEqualTo(EvidencePhase.Stored);
    }
  }

  private static void create(String name, String repository) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("dev").build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(name);
    spec.setContainers(List.of("app"));
    spec.setReason("export test");
    spec.setExport(new ExportSpec(repository));
    fcp.setSpec(spec);
    lab.adminClient().resource(fcp).create();
  }

  private static ContainerCheckpointStatus awaitCustody(String name) {
    ForensicCheckpoint done = CLUSTER.fcps().await("dev", name, Duration.ofSeconds(120), fcp -> {
      var condition = fcp.getStatus() == null ? null
          : Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED);
      return condition != null && !Conditions.REASON_COLLECTING.equals(condition.getReason());
    });
    assertThat(done.getStatus().getPhase()).as("the checkpoint itself").isEqualTo(CheckpointPhase.Succeeded);
    assertThat(Conditions.find(done.getStatus().getConditions(), Conditions.READY).getStatus()).isEqualTo("True");
    return Checkpoints.container(done, "app");
  }
}
