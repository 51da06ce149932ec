package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The informer's cache as a unit test needs it: every read goes to the (mock) API server, so a
 * deletion is seen at once. Indexes are not supported.
 */
final class ApiServerCache implements IndexerResourceCache<ForensicCheckpoint> {

  private final KubernetesClient client;

  ApiServerCache(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<ForensicCheckpoint> get(ResourceID id) {
    return Optional.ofNullable(client.resources(ForensicCheckpoint.class).inNamespace(id.getNamespace().orElseThrow())
        .withName(id.getName()).get());
  }

  @Override
  public Stream<ResourceID> keys() {
    return list(r -> true).map(ResourceID::fromResource);
  }

  @Override
  public Stream<ForensicCheckpoint> list(Predicate<ForensicCheckpoint> predicate) {
    return client.resources(ForensicCheckpoint.class).inAnyNamespace().list().getItems().stream().filter(predicate);
  }

  @Override
  public Stream<ForensicCheckpoint> list(String namespace, Predicate<ForensicCheckpoint> predicate) {
    return list(predicate).filter(r -> namespace.equals(r.getMetadata().getNamespace()));
  }

  @Override
  public List<ForensicCheckpoint> byIndex(String indexName, String indexKey) {
    throw new UnsupportedOperationException("no indexes");
  }

  @Override
  public void addIndexers(Map<String, Function<ForensicCheckpoint, List<String>>> indexers) {
    throw new UnsupportedOperationException("no indexes");
  }
}
