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

/**
 * Which alerts (Falco, Falcosidekick, Alertmanager) may create ForensicCheckpoints of which pods in
 * this object's namespace, and under which guards (issue 15). An alert for a namespace without a
 * policy creates nothing.
 */
@Group(ForensicCheckpoint.GROUP)
@Version(ForensicCheckpoint.VERSION)
@Kind("CheckpointPolicy")
@Plural("checkpointpolicies")
@Singular("checkpointpolicy")
@ShortNames("fcpp")
@Categories("forensics")
@AdditionalPrinterColumn(name = "DryRun", jsonPath = ".spec.dryRun", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Matched", jsonPath = ".status.matched", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Created", jsonPath = ".status.created", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "LastAlert", jsonPath = ".status.lastAlertTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class CheckpointPolicy extends CustomResource<CheckpointPolicySpec, CheckpointPolicyStatus>
    implements Namespaced {

  /** Label on every ForensicCheckpoint a policy created: the policy's name. */
  public static final String POLICY_LABEL = ForensicCheckpoint.GROUP + "/policy";
  /** Label: falco or alertmanager. */
  public static final String ALERT_SOURCE_LABEL = ForensicCheckpoint.GROUP + "/alert-source";
  /** Label: the Falco rule or Alertmanager alertname, made into a label value. */
  public static final String ALERT_RULE_LABEL = ForensicCheckpoint.GROUP + "/alert-rule";
  /** Label: the Falco priority or Alertmanager severity, made into a label value. */
  public static final String ALERT_PRIORITY_LABEL = ForensicCheckpoint.GROUP + "/alert-priority";
  /** Annotation: the alert's fields as JSON (rule, priority, time, source, output, fields), bounded. */
  public static final String ALERT_ANNOTATION = ForensicCheckpoint.GROUP + "/alert";

  @Required
  @Override
  public CheckpointPolicySpec getSpec() {
    return super.getSpec();
  }

  @Override
  public void setSpec(CheckpointPolicySpec spec) {
    super.setSpec(spec);
  }
}
