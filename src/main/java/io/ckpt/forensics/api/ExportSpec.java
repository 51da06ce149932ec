package io.ckpt.forensics.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Asks for each checkpointed container to be exported as a checkpoint image that CRI-O and
 * containerd can restore. Only a request: the platform admin decides whether export is enabled,
 * which repositories are allowed and with which credentials images are pushed (docs/export.md), as
 * an image holds the container's memory in plaintext, outside the custody encryption.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExportSpec {

  /**
   * An OCI distribution repository name with its registry host (a host with a dot or a port, or
   * localhost) and neither tag nor digest: the operator's allowlist compares whole path segments of
   * it, so an implicit docker.io must not be guessed.
   */
  public static final String REPOSITORY_PATTERN = "^(localhost|[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)+"
      + "|[a-zA-Z0-9-]+(\\.[a-zA-Z0-9-]+)*:[0-9]{1,5}|localhost:[0-9]{1,5})"
      + "(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)+$";
  static final String REPOSITORY_MESSAGE = "spec.export.repository must be a repository with its registry host and"
      + " without tag or digest, for example registry.example.com/forensics/nettools or localhost:5000/forensics:"
      + " lower-case path segments separated by /, the host with a dot or a port";
  /** The distribution reference grammar allows 255 characters for a whole name. */
  public static final int MAX_REPOSITORY_LENGTH = 255;

  @Required
  @Size(min = 1, max = MAX_REPOSITORY_LENGTH)
  @ValidationRule(value = "self.matches(r'" + REPOSITORY_PATTERN + "')", message = REPOSITORY_MESSAGE)
  @JsonPropertyDescription("Repository to push each container's checkpoint image to, with its registry host and"
      + " without tag or digest, e.g. registry.example.com/forensics/nettools. It must start with one of the"
      + " prefixes the platform admin allowed (chart value export.allowedRepositories); the operator pushes with"
      + " the admin's credentials, never with a Secret of this namespace. What was pushed, by digest, or why nothing"
      + " was, is in status.containers[].export (docs/export.md).")
  private String repository;

  public ExportSpec() {
  }

  public ExportSpec(String repository) {
    this.repository = repository;
  }

  public String getRepository() {
    return repository;
  }

  public void setRepository(String repository) {
    this.repository = repository;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExportSpec other && Objects.equals(repository, other.repository);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(repository);
  }
}
