package io.ckpt.forensics.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A request to restore one checkpointed container, from its exported checkpoint image, into a locked-down
 * sandbox pod on a chosen node, where an analyst can watch it (issue 16 section 2). One-shot like a
 * ForensicCheckpoint: to restore again, create another object.
 */
@Group(ForensicCheckpoint.GROUP)
@Version(ForensicCheckpoint.VERSION)
@Kind("CheckpointRestore")
@Plural("checkpointrestores")
@Singular("checkpointrestore")
@ShortNames("fcr")
@Categories("forensics")
// the sandbox pod carries this object's name as a label value, which allows at most 63 characters
@ValidationRule(value = "self.metadata.name.size() <= " + CheckpointRestore.MAX_NAME_LENGTH,
    message = "metadata.name of a CheckpointRestore must have at most 63 characters: it becomes the value of the"
        + " sandbox pod's label forensics.ckpt.io/restore")
@AdditionalPrinterColumn(name = "Checkpoint", jsonPath = ".spec.checkpointName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Container", jsonPath = ".spec.container", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".status.podName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class CheckpointRestore extends CustomResource<CheckpointRestoreSpec, CheckpointRestoreStatus>
    implements Namespaced {

  public static final int MAX_NAME_LENGTH = 63;
  /**
   * Label on the sandbox pod and its NetworkPolicy: the CheckpointRestore's name. It marks the pod as
   * evidence and is the only label the pod carries, so no Service of the original workload selects it.
   */
  public static final String RESTORE_LABEL = ForensicCheckpoint.GROUP + "/restore";

  // Redeclared only to mark spec required in the schema: an object without spec is refused.
  @Required
  @Override
  public CheckpointRestoreSpec getSpec() {
    return super.getSpec();
  }

  @Override
  public void setSpec(CheckpointRestoreSpec spec) {
    super.setSpec(spec);
  }
}
