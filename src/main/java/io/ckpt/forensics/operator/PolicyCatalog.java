package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.CheckpointPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The CheckpointPolicies of the watched namespaces, kept by informers (policies are few and small, and
 * the receiver must decide without an API call per alert).
 */
final class PolicyCatalog implements AutoCloseable {

  private final List<SharedIndexInformer<CheckpointPolicy>> informers = new ArrayList<>();

  /** {@code changed} hears of every added or changed policy (to set its Ready condition). */
  PolicyCatalog(KubernetesClient client, Set<String> namespaces, Consumer<CheckpointPolicy> changed) {
    ResourceEventHandler<CheckpointPolicy> handler = new ResourceEventHandler<>() {
      @Override
      public void onAdd(CheckpointPolicy policy) {
        changed.accept(policy);
      }

      @Override
      public void onUpdate(CheckpointPolicy old, CheckpointPolicy policy) {
        changed.accept(policy);
      }

      @Override
      public void onDelete(CheckpointPolicy policy, boolean unknownFinalState) {
        // nothing to do: the next alert finds no policy
      }
    };
    if (namespaces.isEmpty()) {
      informers.add(client.resources(CheckpointPolicy.class).inAnyNamespace().inform(handler));
    } else {
      for (String ns : namespaces) {
        informers.add(client.resources(CheckpointPolicy.class).inNamespace(ns).inform(handler));
      }
    }
  }

  /**
   * The namespace's policies, by name: the first whose selectors accept an alert takes it. Read from the
   * store's items, not its namespace index: the index is updated by removing an object's entry and adding
   * it again, without a lock readers take, so a lookup during an update (every status write is one) could
   * find no policy at all (AlertPolicyIT's flood saw one such NoPolicy).
   */
  List<CheckpointPolicy> in(String namespace) {
    List<CheckpointPolicy> found = new ArrayList<>();
    for (SharedIndexInformer<CheckpointPolicy> informer : informers) {
      for (CheckpointPolicy p : informer.getStore().list()) {
        if (namespace.equals(p.getMetadata().getNamespace())) {
          found.add(p);
        }
      }
    }
    found.sort(Comparator.comparing(p -> p.getMetadata().getName()));
    return found;
  }

  boolean synced() {
    return informers.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
  }
}
