package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The controller as OperatorMain registers it, watching two namespaces, against the mock API server. */
@EnableKubernetesMockClient(crud = true)
class StorePerInformerTest {

  KubernetesClient client;

  @Test
  void eachWatchedNamespaceKeepsItsObjectsInTheCache() {
    create("team-a", "one");
    create("team-b", "two");
    CacheHolder holder = new CacheHolder();
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false));
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.WATCH_NAMESPACES, "team-a,team-b"));
    operator.register(holder, OperatorMain.controllerConfiguration(operator, holder, config));
    operator.start();
    try {
      // With one store shared by both informers, the second to list removed the first one's object
      // (a real API server would not send it again; the mock's watch does), and the cache listed
      // every object once per informer.
      Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
          .until(() -> holder.cache.list().map(f -> f.getMetadata().getNamespace() + "/" + f.getMetadata().getName())
              .sorted().toList(), names -> names.equals(List.of("team-a/one", "team-b/two")));
      assertThat(holder.cache.list()).allSatisfy(f -> assertThat(f.getMetadata().getAnnotations())
          .as("each store keeps only the metadata the operator reads").isEmpty());
    } finally {
      operator.stop();
    }
  }

  private void create(String namespace, String name) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .withAnnotations(Map.of("example.com/notes", "kept by the API server only")).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    spec.setReason("test");
    fcp.setSpec(spec);
    client.resource(fcp).create();
  }

  /** Reconciles nothing; keeps the primary cache to look at. */
  @ControllerConfiguration(name = "cache-holder")
  static final class CacheHolder implements Reconciler<ForensicCheckpoint> {
    volatile IndexerResourceCache<ForensicCheckpoint> cache;

    @Override
    public List<EventSource<?, ForensicCheckpoint>> prepareEventSources(EventSourceContext<ForensicCheckpoint> context) {
      cache = context.getPrimaryCache();
      return List.of();
    }

    @Override
    public UpdateControl<ForensicCheckpoint> reconcile(ForensicCheckpoint resource, Context<ForensicCheckpoint> context) {
      return UpdateControl.noUpdate();
    }
  }
}
