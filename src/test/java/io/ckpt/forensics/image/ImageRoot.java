package io.ckpt.forensics.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs an unpacked image's entrypoint as a container runtime would, without one: in a mount
 * namespace of its own with /proc and /dev mounted, the image's filesystem as its root
 * ({@code unshare --root}), in the image's working directory, as the image's user, with the image's
 * environment and nothing of this JVM's. The network is this process's (in the lab, the lab's
 * namespace), so the program reaches the lab's API server as an operator pod would reach its own.
 *
 * <p>Needs root (mounts, changing user); {@link #unavailableReason()} says why it cannot run here.
 */
public final class ImageRoot {

  /**
   * Mounts /proc and /dev into the root, then starts the command there as the image's user. The
   * mounts live in the new mount namespace only and go with it; no fork, so the process that runs
   * the entrypoint is the one started (a SIGTERM reaches the JVM, as a kubelet's does).
   */
  private static final String ENTER = "set -e; root=$1; wd=$2; uid=$3; gid=$4; shift 4;"
      + " mkdir -p \"$root/proc\" \"$root/dev\"; mount -t proc proc \"$root/proc\"; mount --rbind /dev \"$root/dev\";"
      + " exec unshare --root=\"$root\" --wd=\"$wd\" --setgid=\"$gid\" --setuid=\"$uid\" -- \"$@\"";

  private final ImageTarball image;
  private final Path root;

  public ImageRoot(ImageTarball image, Path root) {
    this.image = image;
    this.root = root;
  }

  /** Why the image cannot be run from its filesystem here, if it cannot: mounting and setuid need root. */
  public static Optional<String> unavailableReason() {
    try {
      String uidMap = Files.readString(Path.of("/proc/self/uid_map")).strip();
      String uid = new ProcessBuilder("id", "-u").start().inputReader().readLine();
      if (!"0".equals(uid)) {
        return Optional.of("running the image's filesystem needs root (mount, setuid); this JVM runs as uid " + uid);
      }
      if (!uidMap.matches("0\\s+0\\s+4294967295")) {
        return Optional.of("running the image's filesystem needs real root: in a user namespace (uid_map " + uidMap
            + ") uid 65532 has no mapping; run the cluster tests as root (CI does)");
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("cannot tell whether this JVM is root: " + e.getMessage());
    }
  }

  /** Where the image's filesystem is: files placed under it appear in the container. */
  public Path root() {
    return root;
  }

  /**
   * The process for the image's entrypoint with {@code args} appended (as Kubernetes' {@code args}
   * replace the image's Cmd), and the image's environment plus {@code env}.
   */
  public ProcessBuilder process(List<String> args, Map<String, String> env) {
    return process(image.entrypoint(), args, env);
  }

  /** The same with a pod's {@code command} in place of the image's entrypoint. */
  public ProcessBuilder process(List<String> entrypoint, List<String> args, Map<String, String> env) {
    String[] user = image.user().isEmpty() ? new String[] {"0", "0"} : image.user().split(":", 2);
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--", "sh", "-c", ENTER, "sh",
        root.toString(), image.workingDir(), user[0], user.length > 1 ? user[1] : user[0]));
    command.addAll(entrypoint);
    command.addAll(args.isEmpty() ? image.cmd() : args);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> environment = builder.environment();
    environment.clear();
    Map<String, String> containerEnv = new LinkedHashMap<>();
    for (String line : image.env()) {
      int eq = line.indexOf('=');
      containerEnv.put(line.substring(0, eq), line.substring(eq + 1));
    }
    containerEnv.putAll(env);
    environment.putAll(containerEnv);
    return builder;
  }
}
