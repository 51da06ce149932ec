package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fallback bundle's Secret and pod across restarts: a second start never makes a second bundle,
 * and what the API server could not give is recorded in the bundle instead of failing it.
 */
@EnableKubernetesMockClient(crud = true)
class FallbackBundleCustodyTest {

  KubernetesClient client;
  FallbackBundleCustody custody;
  ForensicCheckpoint fcp;
  ContainerCheckpointStatus app;
  String name;

  @BeforeEach
  void setUp() {
    custody = new FallbackBundleCustody(client, FallbackBundlesTest.FILE, Clock.systemUTC(),
        new StatusRecorder(client, Clock.systemUTC()), new CheckpointNotifier(new CheckpointEvents(null,
            Clock.systemUTC(), "test", (key, task) -> { }), CheckpointMetrics.unscraped(), Clock.systemUTC(),
            Optional.empty()));
    fcp = CollectorPodsTest.fcp();
    app = FallbackBundlesTest.failed(FailureReason.CRIUFailed);
    fcp.getStatus().getContainers().set(0, app);
    name = FallbackBundles.name(fcp.getMetadata().getUid(), "app", "1");
  }

  @Test
  void theFirstStartGathersHandsOverAndStartsTheCollectorAndWhatWasMissingIsSaid() throws Exception {
    custody.start(fcp, app);

    var secret = client.secrets().inNamespace("fcp-evidence").withName(name).get();
    var pod = client.pods().inNamespace("fcp-evidence").withName(name).get();
    assertThat(pod).isNotNull();
    var bundle = new ObjectMapper().readTree(Base64.getDecoder().decode(secret.getData().get("bundle.json")));
    assertThat(bundle.path("checkpointFailure").path("reason").asText()).isEqualTo("CRIUFailed");
    assertThat(bundle.path("podUnavailable").asText()).as("the pod is not in this API server")
        .contains("does not exist any more");
    assertThat(bundle.path("nodeUnavailable").asText()).contains("worker-1");
    assertThat(bundle.path("logs").get(0).path("unavailable").asText()).startsWith("logs unavailable");
  }

  @Test
  void aSecretLeftByARestartIsKeptAndOnlyThePodIsCreated() {
    client.secrets().inNamespace("fcp-evidence").resource(FallbackBundles.secret(fcp, app, FallbackBundlesTest.FILE,
        "gathered before the restart".getBytes(StandardCharsets.UTF_8))).create();

    custody.start(fcp, app);

    assertThat(client.pods().inNamespace("fcp-evidence").withName(name).get()).isNotNull();
    assertThat(new String(Base64.getDecoder().decode(client.secrets().inNamespace("fcp-evidence").withName(name).get()
        .getData().get("bundle.json")), StandardCharsets.UTF_8)).isEqualTo("gathered before the restart");
  }

  @Test
  void aPodLeftByARestartIsLeftToFinishAndNothingIsGatheredAgain() {
    client.pods().inNamespace("fcp-evidence").resource(new PodBuilder().withNewMetadata().withName(name)
        .endMetadata().build()).create();

    custody.start(fcp, app);

    assertThat(client.secrets().inNamespace("fcp-evidence").withName(name).get()).isNull();
  }

  @Test
  void deletingTheSecretOfAPodThatHasNoneIsQuiet() {
    custody.deleteSecret(name);
    assertThat(client.secrets().inNamespace("fcp-evidence").list().getItems()).isEmpty();
  }
}
