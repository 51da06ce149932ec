package io.ckpt.forensics.lab;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Stands in for the controller-manager's serviceaccount and root-ca-cert-publisher controllers (the
 * lab has no controller-manager): every namespace gets its {@code default} ServiceAccount and the
 * {@code kube-root-ca.crt} ConfigMap.
 */
final class NamespaceBasics implements AutoCloseable {

  private final KubernetesClient admin;
  private final String clusterCaPem;
  private final Consumer<String> log;
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "lab-namespace-controller");
    t.setDaemon(true);
    return t;
  });
  private SharedIndexInformer<Namespace> informer;

  NamespaceBasics(KubernetesClient admin, String clusterCaPem, Consumer<String> log) {
    this.admin = admin;
    this.clusterCaPem = clusterCaPem;
    this.log = log;
  }

  /** Watches namespaces and fills in each new one. */
  void start() {
    informer = admin.namespaces().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        submit(() -> ensure(ns.getMetadata().getName()));
      }

      @Override
      public void onUpdate(Namespace oldNs, Namespace newNs) {
        // nothing
      }

      @Override
      public void onDelete(Namespace ns, boolean deletedFinalStateUnknown) {
        // nothing
      }
    }, 0);
  }

  /** Creates what is missing in {@code namespace} now (a test need not wait for the watch). */
  void ensure(String namespace) {
    try {
      Namespace ns = admin.namespaces().withName(namespace).get();
      if (ns == null || ns.getMetadata().getDeletionTimestamp() != null) {
        return;
      }
      Lab.ignoreConflict(() -> admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder()
          .withNewMetadata().withName("default").endMetadata().build()).create());
      Lab.ignoreConflict(() -> admin.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
          .withNewMetadata().withName("kube-root-ca.crt").endMetadata()
          .addToData("ca.crt", clusterCaPem).build()).create());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403 && e.getCode() != 404) {
        throw e;
      }
    }
  }

  private void submit(Runnable task) {
    try {
      worker.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.accept("namespace controller: " + e);
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    worker.shutdownNow();
  }
}
