package io.ckpt.forensics.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The lab itself: a real kube-apiserver + etcd and two simulated kubelets, checked end to end
 * through the API server's node proxy, the real kubectl, and directly on the kubelet port.
 * One lab for the whole class.
 */
@RequiresLab
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabSmokeIT {

  private static final Pattern ITEMS = Pattern.compile("\\{\"items\":\\[\"([^\"]+)\"]}");

  private static Lab lab;
  private static KubernetesClient admin;

  @BeforeAll
  static void startLab() {
    lab = Lab.start(LabOptions.defaults().name("LabSmokeIT").nodes(2));
    // no automatic retries of 5xx answers: one request, one kubelet call
    admin = lab.client(lab.adminConfig().withRequestRetryBackoffLimit(0).build());
    lab.createRunningPod("dev", "nettools", lab.node(1), "nettools");
  }

  @AfterAll
  static void stopLab() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  @Order(1)
  void nodesRegisterLikeKubelets() {
    Node node = admin.nodes().withName("worker-1").get();
    assertThat(node.getStatus().getAddresses())
        .anySatisfy(a -> {
          assertThat(a.getType()).isEqualTo("InternalIP");
          assertThat(a.getAddress()).isEqualTo("198.18.0.11");
        });
    assertThat(node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(10250);
    assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).isEqualTo("containerd://2.1.0");
    assertThat(node.getStatus().getConditions())
        .anySatisfy(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));

    Pod pod = admin.pods().inNamespace("dev").withName("nettools").get();
    assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
    assertThat(pod.getStatus().getHostIP()).isEqualTo("198.18.0.11");
    var status = pod.getStatus().getContainerStatuses().get(0);
    assertThat(status.getContainerID()).matches("containerd://[0-9a-f]{64}");
    assertThat(status.getImage()).isEqualTo("docker.io/library/nginx:1.27");
    assertThat(status.getImageID()).matches("docker\\.io/library/nginx@sha256:[0-9a-f]{64}");
    assertThat(status.getState().getRunning().getStartedAt()).isNotBlank();
  }

  @Test
  @Order(2)
  void checkpointThroughTheApiServerProxy() throws Exception {
    lab.node(1).clearCalls();
    HttpResult result = lab.proxyCheckpoint(admin, "worker-1", "dev", "nettools", "nettools", 60);

    assertThat(result.status()).as(result.toString()).isEqualTo(200);
    assertThat(result.contentType()).isEqualTo("application/json");
    Matcher m = ITEMS.matcher(result.body());
    assertThat(m.matches()).as(result.body()).isTrue();
    String reported = m.group(1);
    assertThat(reported).startsWith(lab.node(1).rootDir() + "/checkpoints/checkpoint-nettools_dev-nettools-")
        .endsWith(".tar");
    Path archive = lab.node(1).archiveFile(reported);
    assertThat(archive).exists();
    assertThat(CheckpointArchive.list(archive))
        .startsWith("config.dump", "spec.dump", "stats-dump", "checkpoint/")
        .contains("checkpoint/inventory.img", "checkpoint/pages-1.img", "checkpoint/core-2956.img",
            "checkpoint/stats-dump");
    assertThat(Files.size(archive)).isGreaterThan(160 * 1024);

    // the kubelet saw the API server's own kubelet-client identity, exactly once
    assertThat(lab.node(1).calls()).singleElement().satisfies(call -> {
      assertThat(call.user()).isEqualTo(Lab.KUBELET_CLIENT_USER);
      assertThat(call.groups()).contains(LabOptions.KUBEADM_CLUSTER_ADMINS);
      assertThat(call.status()).isEqualTo(200);
    });
  }

  @Test
  @Order(3)
  void realKubectlWorks() {
    ExecResult nodes = lab.kubectl("get", "nodes", "-o", "name");
    assertThat(nodes.exitCode()).as(nodes.toString()).isZero();
    assertThat(nodes.stdout()).contains("node/worker-1", "node/worker-2");

    ExecResult pods = lab.kubectl("get", "pods", "-n", "dev", "-o", "wide");
    assertThat(pods.exitCode()).as(pods.toString()).isZero();
    assertThat(pods.stdout()).contains("nettools", "Running", "worker-1");
  }

  @Test
  @Order(4)
  void kubeletErrorsAreRelayedByTheProxy() {
    HttpResult noPod = lab.proxyCheckpoint(admin, "worker-1", "dev", "nope", "nettools", 60);
    assertThat(noPod.status()).isEqualTo(404);
    assertThat(noPod.body()).isEqualTo("pod does not exist");

    HttpResult noContainer = lab.proxyCheckpoint(admin, "worker-1", "dev", "nettools", "other", 60);
    assertThat(noContainer.status()).isEqualTo(404);
    assertThat(noContainer.body()).isEqualTo("container other does not exist");

    lab.node(1).inject(KubeletFault.CRIU_FAILURE, null, 1);
    HttpResult criu = lab.proxyCheckpoint(admin, "worker-1", "dev", "nettools", "nettools", 60);
    assertThat(criu.status()).isEqualTo(500);
    assertThat(criu.body()).startsWith("checkpointing of dev/nettools/nettools failed (rpc error: code = Unknown desc = "
        + "failed to checkpoint container ").contains("criu failed: type NOTIFY errno 0").endsWith(": exit status 1)");
  }

  @Test
  @Order(5)
  void directKubeletCallsAuthenticateAndAuthorize() {
    lab.createServiceAccount("forensics", "checkpointer");
    String token = lab.mintToken("forensics", "checkpointer");

    HttpResult anonymous = lab.directCheckpoint(lab.node(1), null, "dev", "nettools", "nettools", 60);
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.body()).isEqualTo("Unauthorized");

    HttpResult forbidden = lab.directCheckpoint(lab.node(1), token, "dev", "nettools", "nettools", 60);
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.body()).isEqualTo("Forbidden (user=system:serviceaccount:forensics:checkpointer, verb=create,"
        + " resource=nodes, subresource(s)=[checkpoint])\n");

    admin.rbac().clusterRoles().resource(new ClusterRoleBuilder().withNewMetadata().withName("lab-node-checkpoint")
        .endMetadata().addNewRule().withApiGroups("").withResources("nodes/checkpoint").withVerbs("create").endRule()
        .build()).create();
    admin.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
        .withName("lab-node-checkpoint").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("lab-node-checkpoint")
        .endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withNamespace("forensics").withName("checkpointer").endSubject()
        .build()).create();
    HttpResult allowed = lab.directCheckpoint(lab.node(1), token, "dev", "nettools", "nettools", 60);
    assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
    assertThat(allowed.body()).startsWith("{\"items\":[\"" + lab.node(1).rootDir() + "/checkpoints/checkpoint-nettools_dev-");
  }

  @Test
  @Order(6)
  void featureGateOffGivesPageNotFound() {
    try {
      lab.node(1).setCheckpointGate(false);
      HttpResult result = lab.proxyCheckpoint(admin, "worker-1", "dev", "nettools", "nettools", 60);
      assertThat(result.status()).isEqualTo(404);
      assertThat(result.body()).isEqualTo("404 page not found\n");
      assertThat(result.contentType()).startsWith("text/plain");
    } finally {
      lab.node(1).setCheckpointGate(true);
    }
  }

  @Test
  @Order(7)
  void kubeletClientWithoutTheKubeadmGroupIsForbidden() {
    long t = System.nanoTime();
    lab.setApiServerKubeletClientGroups(List.of());
    lab.log("re-issued the kubelet-client certificate and restarted kube-apiserver in "
        + (System.nanoTime() - t) / 1_000_000 + " ms");

    HttpResult result = lab.proxyCheckpoint(admin, "worker-1", "dev", "nettools", "nettools", 60);
    assertThat(result.status()).isEqualTo(403);
    assertThat(result.contentType()).startsWith("text/plain");
    assertThat(result.body()).isEqualTo("Forbidden (user=kube-apiserver-kubelet-client, verb=create, resource=nodes,"
        + " subresource(s)=[checkpoint])\n");
  }

  @Test
  @Order(8)
  void startupTimingsAreRecorded() {
    Map<String, Long> timings = lab.startupTimings();
    assertThat(timings).containsKeys("pki", "etcd", "apiserver", "nodes", "total");
    lab.log("startup timings (ms): " + timings);
  }
}
