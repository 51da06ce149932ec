package io.ckpt.forensics.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ResolvedControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import java.util.function.Supplier;

/**
 * A controller's configuration that gives each of its informers an item store of its own. JOSDK 5.2
 * starts one informer per watched namespace and hands every one the configuration's single item
 * store; shared, they break each other: an informer's list, at start and whenever its watch starts
 * over, removes from its store every object it did not list (every other namespace's objects) and
 * reports them deleted, so their checkpoints would stop being reconciled.
 */
final class StorePerInformer {

  private StorePerInformer() {
  }

  /** {@code configured} as it is, except that each informer gets a new store from {@code stores}. */
  static <P extends HasMetadata> ControllerConfiguration<P> of(ControllerConfiguration<P> configured,
      Supplier<ItemStore<P>> stores) {
    InformerConfiguration<P> informer = configured.getInformerConfig();
    InformerConfiguration<P> storePerCall = new InformerConfiguration<P>(informer.getResourceClass(),
        informer.getName(), informer.getNamespaces(), informer.getFollowControllerNamespaceChanges(),
        informer.getLabelSelector(), informer.getOnAddFilter(), informer.getOnUpdateFilter(),
        informer.getOnDeleteFilter(), informer.getGenericFilter(), null, informer.getInformerListLimit(),
        informer.getFieldSelector()) {
      @Override
      public ItemStore<P> getItemStore() {
        // JOSDK asks once per informer it creates
        return stores.get();
      }
    };
    return new ResolvedControllerConfiguration<P>(configured) {
      @Override
      public InformerConfiguration<P> getInformerConfig() {
        return storePerCall;
      }
    };
  }
}
