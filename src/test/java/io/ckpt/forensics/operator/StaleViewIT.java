package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.cluster.ChartRelease;
import io.ckpt.forensics.cluster.Checkpoints;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RequiresLab;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the mock server cannot show: the real API server refuses a status write computed from an
 * outdated object (409), and that is what keeps a lagging informer cache from starting a second
 * kubelet call.
 */
@RequiresLab
class StaleViewIT {

  static Lab lab;
  static KubernetesClient client;

  @BeforeAll
  static void startLab() {
    lab = Lab.start(LabOptions.defaults().name("stale-it").nodes(1));
    ChartRelease.install(lab, Map.of());
    client = lab.adminClient();
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aWriteFromAnOutdatedObjectIsRefused() {
    lab.createRunningPod("dev", "web", lab.nodes().get(0), "app");
    ForensicCheckpoint original = new Checkpoints(client).create("dev", "versions", "web", "app");
    StatusRecorder recorder = new StatusRecorder(client, Clock.systemUTC());

    recorder.update(original, status -> status.setNodeName("first-writer"));

    assertThatThrownBy(() -> recorder.update(original, status -> status.setNodeName("second-writer")))
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(new Checkpoints(client).get("dev", "versions").getStatus().getNodeName()).isEqualTo("first-writer");
  }

  @Test
  void anOutdatedViewCannotStartASecondCall() {
    lab.createRunningPod("dev", "api", lab.nodes().get(0), "app");
    Checkpoints fcps = new Checkpoints(client);
    fcps.create("dev", "stale", "api", "app");
    ScriptedTransport kubelet = new ScriptedTransport().answering(ScriptedTransport::archiveFor);
    ForensicCheckpointReconciler first = Reconcilers.of(client, kubelet, OperatorConfig.defaults(),
        Clock.systemUTC(), new ManualTicker());
    first.reconcile(fcps.get("dev", "stale"), null);
    ForensicCheckpoint outdated = fcps.get("dev", "stale"); // Running, its answer not yet recorded
    for (int i = 0; i < 5 && !fcps.get("dev", "stale").getStatus().getPhase().isTerminal(); i++) {
      first.reconcile(fcps.get("dev", "stale"), null);
    }
    assertThat(fcps.get("dev", "stale").getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);

    ForensicCheckpointReconciler lagging = Reconcilers.of(client, kubelet, OperatorConfig.defaults(),
        Clock.systemUTC(), new ManualTicker());
    // Its write before the call is refused (409); it then decides again from the API server's
    // current object, which is terminal: nothing more to do.
    for (int i = 0; i < 3; i++) {
      lagging.reconcile(outdated, null);
    }

    assertThat(kubelet.callCount()).as("the lagging reconciler never called the kubelet").isEqualTo(1);
    assertThat(fcps.get("dev", "stale").getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
  }
}
