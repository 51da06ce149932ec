package io.ckpt.forensics.cli;

import io.ckpt.forensics.export.CheckpointImage;
import io.ckpt.forensics.export.OciLayout;
import io.ckpt.forensics.export.PushTarget;
import io.ckpt.forensics.export.RegistryPush;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fcp image}: a checkpoint archive as an OCI image CRI-O and containerd restore from, written as
 * an OCI image layout or pushed to a registry, without a daemon (docs/export.md). The image holds the
 * container's memory in plaintext.
 */
@Command(name = "image", mixinStandardHelpOptions = true,
    description = {"Build a checkpoint image that CRI-O and containerd restore from: one layer with the archive's"
        + " members, restore metadata sanitized (devices, runtime options, OCI hooks and seccomp weakening removed"
        + " and listed), the runtimes' checkpoint annotations. Written as an OCI image layout or pushed to a registry.",
        "The image holds the container's memory in plaintext: anyone who can pull it reads every secret the"
            + " process held."},
    footer = ExitCode.FOOTER)
final class ImageCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ARCHIVE", description = "checkpoint archive (a file; decrypt an encrypted one"
      + " first)")
  Path archive;

  @Option(names = "--name", paramLabel = "CONTAINER", required = true,
      description = "the container's name, for the runtimes' checkpoint annotations (the archive's own is not trusted)")
  String name;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Destination destination;

  static final class Destination {
    @Option(names = "--output", paramLabel = "OCI-LAYOUT-DIR", required = true,
        description = "write an OCI image layout into this new directory")
    Path output;

    @Option(names = "--push", paramLabel = "REF", required = true,
        description = "push to REGISTRY/REPOSITORY:TAG (the registry host and the tag written out)")
    String push;
  }

  @Option(names = "--tag", paramLabel = "TAG", description = "the layout's image name (index.json ref.name);"
      + " default: CONTAINER")
  String tag;

  @Option(names = "--rootfs-image", paramLabel = "IMAGE", description = "the image the container ran (default: the"
      + " archive's config.dump)")
  String rootfsImage;

  @Option(names = "--rootfs-image-id", paramLabel = "ID", description = "that image's ID or repository@sha256 digest"
      + " (default: the archive's config.dump)")
  String rootfsImageId;

  @Option(names = "--architecture", paramLabel = "ARCH", description = "amd64, arm64, ... (default: the archive's"
      + " CRIU core images)")
  String architecture;

  @Option(names = "--registry-config", paramLabel = "FILE", description = "Docker config with the registry's"
      + " credentials (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json, when it exists)")
  Path registryConfig;

  @Option(names = "--plain-http", description = "allow HTTP, credentials included, and TLS without certificate"
      + " checks (Jib's insecure-registry mode): only for a registry on loopback or in a test network")
  boolean plainHttp;

  @Override
  public Integer call() throws Exception {
    CheckpointImage.Facts facts;
    try {
      facts = new CheckpointImage.Facts(name, Optional.ofNullable(rootfsImage), Optional.ofNullable(rootfsImageId),
          Optional.ofNullable(architecture));
    } catch (IllegalArgumentException e) {
      throw new UserError("--name: " + e.getMessage());
    }
    PushTarget target = null;
    Path workDir;
    if (destination.push != null) {
      try {
        target = PushTarget.parse(destination.push);
      } catch (IllegalArgumentException e) {
        throw new UserError("--push: " + e.getMessage());
      }
      workDir = null; // the layer is streamed to the registry, twice read from the archive
    } else {
      Path out = destination.output.toAbsolutePath();
      if (Files.exists(out, LinkOption.NOFOLLOW_LINKS)) {
        throw new UserError("--output " + destination.output + " already exists: name a new directory (fcp never"
            + " writes into an existing one)");
      }
      workDir = out.getParent();
    }
    if (registryConfig != null && !Files.isRegularFile(registryConfig)) {
      throw new UserError("--registry-config " + registryConfig + " is not a file");
    }
    PrintWriter out = spec.commandLine().getOut();
    CheckpointImage image = CheckpointImage.build(archive, facts, workDir);
    try {
      if (target == null) {
        String layoutTag = tag != null ? tag : name;
        OciLayout.write(image, destination.output, layoutTag);
        UntrustedText.printf(out, "Layout   %s (%s)%n", destination.output, layoutTag);
        UntrustedText.printf(out, "Digest   %s%n", image.manifestDigest());
      } else {
        Optional<com.google.cloud.tools.jib.api.Credential> credential = Optional.empty();
        Path config = registryConfig != null ? registryConfig : defaultDockerConfig();
        if (config != null) {
          credential = RegistryPush.credentialFrom(config, target.registry());
        }
        RegistryPush.Pushed pushed = RegistryPush.push(image, target, credential, plainHttp);
        UntrustedText.printf(out, "Image    %s%n", pushed.image());
        UntrustedText.printf(out, "Digest   %s%n", pushed.digest());
        UntrustedText.printf(out, "Pull     %s%n", pushed.reference());
      }
      UntrustedText.printf(out, "Layer    %s (%d bytes, gzip; archive members at /)%n",
          image.manifest().layer().digest(), image.manifest().layer().size());
      out.println("Annotations");
      for (Map.Entry<String, String> a : image.manifest().annotations().entrySet()) {
        UntrustedText.printf(out, "  %s=%s%n", a.getKey(), a.getValue());
      }
      UntrustedText.printf(out, "Dropped by the sanitizer: %s%n", image.dropped().isEmpty() ? "nothing"
          : image.dropped().size());
      for (String d : image.dropped()) {
        UntrustedText.printf(out, "  %s%n", d);
      }
      out.println("The image holds the container's memory in plaintext.");
      out.flush();
      return ExitCode.OK;
    } finally {
      image.deleteLayer();
    }
  }

  private static Path defaultDockerConfig() {
    String dir = System.getenv("DOCKER_CONFIG");
    Path config = dir != null ? Path.of(dir, "config.json")
        : Path.of(System.getProperty("user.home"), ".docker", "config.json");
    return Files.isRegularFile(config) ? config : null;
  }
}
