package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * What to restore, and where. Immutable once created: the operator acts on it once, so restoring again
 * (another node, another runtime class) means creating another object.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self == oldSelf",
    message = "spec is immutable: create a new CheckpointRestore to restore again (another node, image or runtime"
        + " class)")
public class CheckpointRestoreSpec {

  /**
   * A reference by digest, optionally with a tag before it: repository@sha256:(64 hex). A tag alone is
   * refused, since whoever can push to the repository could move it to other content.
   */
  public static final String DIGEST_REFERENCE_PATTERN = "^[a-zA-Z0-9][a-zA-Z0-9._:/-]*@sha256:[0-9a-f]{64}$";
  static final String SUBDOMAIN = ForensicCheckpointSpec.POD_NAME_PATTERN;
  static final String LABEL = ForensicCheckpointSpec.CONTAINER_NAME_PATTERN;

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(value = "self.matches(r'" + SUBDOMAIN + "')",
      message = "checkpointName must name a ForensicCheckpoint in this namespace: lowercase letters, digits, '-'"
          + " and '.', starting and ending with a letter or digit")
  @JsonPropertyDescription("Name of the ForensicCheckpoint, in this object's namespace, whose container to restore."
      + " It must have succeeded for that container.")
  private String checkpointName;

  @Size(min = 1, max = 63)
  @ValidationRule(value = "self.matches(r'" + LABEL + "')",
      message = "container must be a container name: lowercase letters, digits and '-', at most 63 characters")
  @JsonPropertyDescription("The checkpointed container to restore. Optional when the ForensicCheckpoint holds one"
      + " container.")
  private String container;

  @Required
  @Size(min = 1, max = 253)
  @ValidationRule(value = "self.matches(r'" + SUBDOMAIN + "')",
      message = "nodeName must be a Node's name: lowercase letters, digits, '-' and '.'; choose a node whose"
          + " container runtime has restore enabled (docs/restore.md#nodes)")
  @JsonPropertyDescription("Node to restore on; its container runtime must be able to restore checkpoints"
      + " (docs/restore.md#nodes). The sandbox pod is pinned to it.")
  private String nodeName;

  @Size(min = 1, max = 253)
  @ValidationRule(value = "self.matches(r'" + SUBDOMAIN + "')",
      message = "runtimeClassName must be a RuntimeClass's name: lowercase letters, digits, '-' and '.'")
  @JsonPropertyDescription("RuntimeClass for the sandbox pod, for example a gVisor or Kata class, for isolation"
      + " beyond the pod's security context. Omit for the node's default runtime.")
  private String runtimeClassName;

  @Size(min = 1, max = 512)
  @ValidationRule(value = "self.matches(r'" + DIGEST_REFERENCE_PATTERN + "')",
      message = "image must be a checkpoint image by digest, repository@sha256:<64 hex digits>: a tag alone can be"
          + " moved to other content after the fact")
  @JsonPropertyDescription("Checkpoint image to restore from, by digest (repository@sha256:...). Default: the"
      + " container's status.containers[].export.reference in the ForensicCheckpoint.")
  private String image;

  public String getCheckpointName() {
    return checkpointName;
  }

  public void setCheckpointName(String checkpointName) {
    this.checkpointName = checkpointName;
  }

  public String getContainer() {
    return container;
  }

  public void setContainer(String container) {
    this.container = container;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getRuntimeClassName() {
    return runtimeClassName;
  }

  public void setRuntimeClassName(String runtimeClassName) {
    this.runtimeClassName = runtimeClassName;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CheckpointRestoreSpec other && Objects.equals(checkpointName, other.checkpointName)
        && Objects.equals(container, other.container) && Objects.equals(nodeName, other.nodeName)
        && Objects.equals(runtimeClassName, other.runtimeClassName) && Objects.equals(image, other.image);
  }

  @Override
  public int hashCode() {
    return Objects.hash(checkpointName, container, nodeName, runtimeClassName, image);
  }
}
