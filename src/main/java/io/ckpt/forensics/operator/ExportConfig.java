package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ExportFailure;
import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The platform admin's decision on {@code spec.export} (issue 16 §1): a checkpoint image holds the
 * container's memory in plaintext, outside the custody encryption, so a ForensicCheckpoint can only
 * ask; the operator exports only when the admin enabled it, to a repository under one of the admin's
 * prefixes, with the push credentials of a dockerconfigjson Secret in the collector namespace (never
 * one of the user's namespace).
 *
 * @param enabled {@value #ENABLED}; default false
 * @param allowedRepositories {@value #ALLOWED_REPOSITORIES}: repository prefixes, compared by whole path segments
 * @param pushSecret {@value #PUSH_SECRET}: a kubernetes.io/dockerconfigjson Secret in the collector
 *     namespace; null for a registry that takes anonymous pushes
 * @param plainHttp {@value #PLAIN_HTTP}: the collector may push over HTTP, and over TLS without checking the
 *     certificate (Jib's insecure-registry mode); only for a registry in a test network; default false
 */
public record ExportConfig(boolean enabled, List<String> allowedRepositories, String pushSecret, boolean plainHttp) {

  public static final String ENABLED = "FCP_EXPORT_ENABLED";
  public static final String ALLOWED_REPOSITORIES = "FCP_EXPORT_ALLOWED_REPOSITORIES";
  public static final String PUSH_SECRET = "FCP_EXPORT_PUSH_SECRET";
  public static final String PLAIN_HTTP = "FCP_EXPORT_PLAIN_HTTP";

  static final ExportConfig OFF = new ExportConfig(false, List.of(), null);
  private static final Pattern REPOSITORY = Pattern.compile(ExportSpec.REPOSITORY_PATTERN);

  public ExportConfig {
    allowedRepositories = List.copyOf(allowedRepositories);
  }

  /** Pushing over TLS with certificate checks. */
  public ExportConfig(boolean enabled, List<String> allowedRepositories, String pushSecret) {
    this(enabled, allowedRepositories, pushSecret, false);
  }

  static ExportConfig fromEnvironment(Map<String, String> env, CollectionConfig collection) {
    if (!OperatorConfig.bool(env, ENABLED, false)) {
      return OFF;
    }
    if (!collection.enabled()) {
      throw new IllegalArgumentException(ENABLED + "=true, but " + CollectionConfig.STORE + " is not set: the"
          + " collector builds each image from the archive it takes into custody; configure an evidence store"
          + " (chart values evidence.*) or leave export off");
    }
    List<String> allowed = Arrays.stream(env.getOrDefault(ALLOWED_REPOSITORIES, "").split("[,\\s]+"))
        .map(String::strip).filter(s -> !s.isEmpty()).toList();
    if (allowed.isEmpty()) {
      throw new IllegalArgumentException(ENABLED + "=true, but " + ALLOWED_REPOSITORIES + " is empty: list the"
          + " repository prefixes images may be pushed to (for example registry.example.com/forensics), since each"
          + " image holds a container's memory in plaintext");
    }
    for (String prefix : allowed) {
      // a registry host alone (every repository there) or a repository under it
      if (!REPOSITORY.matcher(prefix + "/x").matches()) {
        throw new IllegalArgumentException(ALLOWED_REPOSITORIES + ": '" + prefix + "' is not a repository prefix"
            + " with its registry host and without tag (for example registry.example.com/forensics, or"
            + " registry.example.com for every repository there)");
      }
    }
    String secret = env.getOrDefault(PUSH_SECRET, "").strip();
    if (!secret.isEmpty() && (!OperatorConfig.SERVICE_ACCOUNT_NAME.matcher(secret).matches()
        || secret.length() > 253)) {
      throw new IllegalArgumentException(PUSH_SECRET + ": '" + secret + "' is not a Secret name");
    }
    return new ExportConfig(true, allowed, secret.isEmpty() ? null : secret,
        OperatorConfig.bool(env, PLAIN_HTTP, false));
  }

  /** True when the collector of {@code fcp}'s containers pushes their images: asked for, and allowed. */
  boolean exports(ForensicCheckpoint fcp) {
    ExportSpec asked = fcp.getSpec() == null ? null : fcp.getSpec().getExport();
    return asked != null && refusal(asked).isEmpty();
  }

  /** Why {@code spec} must not be exported under this configuration; empty when it may. */
  Optional<ExportFailure> refusal(ExportSpec spec) {
    if (!enabled) {
      return Optional.of(new ExportFailure(ExportFailure.EXPORT_DISABLED, "spec.export asks for a checkpoint image,"
          + " but export is off in this operator (chart value export.enabled, " + ENABLED + "): an image holds the"
          + " container's memory in plaintext, so only the platform admin can turn it on. The checkpoint and its"
          + " evidence are not affected."));
    }
    String repository = spec.getRepository();
    boolean allowed = allowedRepositories.stream().anyMatch(p -> repository.equals(p)
        || repository.startsWith(p + "/"));
    if (!allowed) {
      return Optional.of(new ExportFailure(ExportFailure.REPOSITORY_NOT_ALLOWED, "spec.export.repository "
          + repository + " is under none of the repositories the platform admin allowed (chart value"
          + " export.allowedRepositories: " + String.join(", ", allowedRepositories) + "): use one of them, or ask"
          + " the admin. The checkpoint and its evidence are not affected."));
    }
    return Optional.empty();
  }
}
