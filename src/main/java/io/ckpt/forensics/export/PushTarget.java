package io.ckpt.forensics.export;

import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;

/**
 * Where to push: registry host, repository and tag, from a reference such as
 * {@code registry.example.com/forensics/app:case-42}. The registry host must be written out (no
 * implicit docker.io: memory must go exactly where the person asked) and a digest cannot be pushed to.
 */
public record PushTarget(String registry, String repository, String tag) {

  /** Parses {@code ref}; the message of the exception says what is wrong and how to write it. */
  public static PushTarget parse(String ref) {
    String example = "; write it as REGISTRY/REPOSITORY:TAG, e.g. localhost:5000/forensics/app:case-42";
    if (ref.contains("@")) {
      throw new IllegalArgumentException("reference " + RestoreSanitizer.quoted(ref) + " names a digest: a push needs"
          + " a tag, the digest is what the push reports" + example);
    }
    int slash = ref.indexOf('/');
    String host = slash < 0 ? "" : ref.substring(0, slash);
    if (!(host.contains(".") || host.contains(":") || host.equals("localhost"))) {
      throw new IllegalArgumentException("reference " + RestoreSanitizer.quoted(ref) + " has no registry host"
          + " (docker.io is never assumed)" + example);
    }
    ImageReference parsed;
    try {
      parsed = ImageReference.parse(ref);
    } catch (InvalidImageReferenceException e) {
      throw new IllegalArgumentException("reference " + RestoreSanitizer.quoted(ref) + " is not an image reference"
          + example);
    }
    if (parsed.getTag().isEmpty() || parsed.usesDefaultTag() && !ref.endsWith(":latest")) {
      throw new IllegalArgumentException("reference " + RestoreSanitizer.quoted(ref) + " has no tag (latest is never"
          + " assumed)" + example);
    }
    return new PushTarget(parsed.getRegistry(), parsed.getRepository(), parsed.getTag().get());
  }

  /** registry/repository:tag */
  public String image() {
    return registry + "/" + repository + ":" + tag;
  }

  /** registry/repository@digest: what a pod pulls. */
  public String reference(String digest) {
    return registry + "/" + repository + "@" + digest;
  }
}
