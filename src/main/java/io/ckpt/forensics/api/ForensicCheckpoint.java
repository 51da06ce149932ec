package io.ckpt.forensics.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A one-shot request to checkpoint the containers of one pod in this object's namespace. */
@Group(ForensicCheckpoint.GROUP)
@Version(ForensicCheckpoint.VERSION)
@Kind("ForensicCheckpoint")
@Plural("forensiccheckpoints")
@Singular("forensiccheckpoint")
@ShortNames("fcp")
@Categories("forensics")
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".spec.podName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Round", jsonPath = ".status.series.progress", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Archive", jsonPath = ".status.containers[0].archivePath",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class ForensicCheckpoint extends CustomResource<ForensicCheckpointSpec, ForensicCheckpointStatus>
    implements Namespaced {

  public static final String GROUP = "forensics.ckpt.io";
  public static final String VERSION = "v1alpha1";

  // Redeclared only to mark spec required in the schema: an object without spec is refused.
  @Required
  @Override
  public ForensicCheckpointSpec getSpec() {
    return super.getSpec();
  }

  @Override
  public void setSpec(ForensicCheckpointSpec spec) {
    super.setSpec(spec);
  }
}
