package io.ckpt.forensics.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The custody of a fallback bundle (issue 12 §4): which failed containers get one, and the Secret
 * and collector pod that store it. The operator never holds the signing key or the store's
 * credentials, so it hands the bundle it gathered to a collector pod in a short-lived Secret (logs
 * may hold secrets) in the collector namespace; the pod runs the collect mode with
 * {@code --fallback-bundle}, and reports as an archive's collector does. The pod is the archive
 * collector's pod (same image, store, key, limits, report) without the node's checkpoint directory:
 * it needs nothing from the node, so it is not bound to it, and the scheduler is asked to prefer
 * another node than the one whose checkpoint failed, since that node may be the attacker's.
 */
final class FallbackBundles {

  static final String POD_PREFIX = "fcp-bundle-";
  static final String BUNDLE_DIR = "/etc/fcp/fallback-bundle";
  static final String BUNDLE_FILE = "bundle.json";
  static final String BUNDLE_VOLUME = "fallback-bundle";
  /** The bundle's name in the store, beside where the archive would have gone. */
  static final String SUFFIX = ".fallback-bundle.json";

  /**
   * Failures a workload (or a node) can cause on purpose while its pod stays: CRIU or the runtime
   * refusing, a dump that never ends, a kubelet that errs or does not answer. Not: the pod or
   * container gone or replaced (nothing of it is left to record), a missing right (a configuration
   * problem, and the same rights would miss the bundle's reads), an operator restarted twice.
   */
  static final Set<FailureReason> ELIGIBLE = EnumSet.of(FailureReason.CRIUFailed, FailureReason.RuntimeUnsupported,
      FailureReason.CheckpointingDisabled, FailureReason.Timeout, FailureReason.KubeletError,
      FailureReason.NodeUnreachable);

  private static final ObjectMapper JSON = new ObjectMapper();

  private FallbackBundles() {
  }

  /** True if a failed container gets a fallback bundle: its kubelet call was made and failed for a reason above. */
  static boolean eligible(ContainerCheckpointStatus c, CollectionConfig config) {
    return config.enabled() && config.fallbackBundles() && c.getPhase() == ContainerPhase.Failed
        && c.getFailure() != null && ELIGIBLE.contains(c.getFailure().getReason())
        && c.getAttempts() != null && c.getAttempts() > 0;
  }

  /** The bundle pod's name, which its Secret shares: found again after a restart. */
  static String name(String fcpUid, String container, String attemptKey) {
    return POD_PREFIX + CollectorPods.name(fcpUid, container, attemptKey).substring("fcp-collect-".length());
  }

  static boolean isBundlePod(String podName) {
    return podName.startsWith(POD_PREFIX);
  }

  /** The status mark written before the Secret and the pod are created. */
  static EvidenceStatus collecting(String podRef) {
    EvidenceStatus e = CollectorPods.collecting(podRef);
    e.setFallbackBundle(true);
    return e;
  }

  /** Where the bundle is stored: the archive's name with {@value #SUFFIX} in place of .tar. */
  static String objectName(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config) {
    String archive = CollectorPods.objectName(fcp, c, config);
    int tar = archive.lastIndexOf(".tar");
    return archive.substring(0, tar) + SUFFIX + archive.substring(tar + ".tar".length());
  }

  /** The Secret that carries the bundle to its collector pod; deleted with the pod. */
  static Secret secret(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config, byte[] bundle) {
    var meta = fcp.getMetadata();
    return new SecretBuilder()
        .withNewMetadata().withName(name(meta.getUid(), c.getName(), CollectorPods.attemptKey(fcp.getStatus(), c)))
            .withNamespace(config.namespace())
            .withLabels(Map.of(CollectorPods.LABEL_COMPONENT, CollectorPods.COMPONENT, CollectorPods.LABEL_FCP_UID,
                meta.getUid(), "app.kubernetes.io/managed-by", "forensic-checkpoint-operator"))
            .withAnnotations(Map.of(CollectorPods.ANNOTATION_FCP, meta.getNamespace() + "/" + meta.getName(),
                CollectorPods.ANNOTATION_CONTAINER, c.getName()))
        .endMetadata()
        .withType("Opaque")
        .withImmutable(true)
        .withData(Map.of(BUNDLE_FILE, Base64.getEncoder().encodeToString(bundle)))
        .build();
  }

  /**
   * The bundle's collector pod: the archive collector's pod for the same container, with the
   * bundle's Secret mounted in place of the node's checkpoint directory, no node binding, and the
   * reason the checkpoint failed added to the facts its record states.
   */
  static Pod build(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config) {
    ContainerCheckpointStatus asArchive = copyWithArchivePath(c);
    Pod pod = CollectorPods.build(fcp, asArchive, config);
    String name = name(fcp.getMetadata().getUid(), c.getName(), CollectorPods.attemptKey(fcp.getStatus(), c));
    String suspectNode = pod.getSpec().getNodeName();
    Container container = pod.getSpec().getContainers().get(0);
    List<String> args = new ArrayList<>(container.getArgs());
    int archive = args.indexOf("--archive");
    args.set(archive, "--fallback-bundle");
    args.set(archive + 1, BUNDLE_DIR + "/" + BUNDLE_FILE);
    args.set(args.indexOf("--name") + 1, objectName(fcp, c, config));
    args.remove("--delete-after-store");
    List<EnvVar> env = new ArrayList<>();
    for (EnvVar v : container.getEnv()) {
      env.add(v.getName().equals(CollectorPods.FACTS) ? new EnvVar(v.getName(), facts(v.getValue(), c), null) : v);
    }
    List<VolumeMount> mounts = new ArrayList<>(container.getVolumeMounts().stream()
        .filter(m -> !m.getName().equals("archive")).toList());
    VolumeMount bundle = new VolumeMount();
    bundle.setName(BUNDLE_VOLUME);
    bundle.setMountPath(BUNDLE_DIR);
    bundle.setReadOnly(true);
    mounts.add(bundle);
    return new PodBuilder(pod)
        .editMetadata().withName(name).endMetadata()
        .editSpec()
            .withNodeName(null)
            .withNewAffinity().withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100).withNewPreference()
                    .withMatchFields(new NodeSelectorRequirementBuilder().withKey("metadata.name").withOperator("NotIn")
                        .withValues(suspectNode).build())
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
            .endNodeAffinity().endAffinity()
            .withVolumes(new ArrayList<>(pod.getSpec().getVolumes().stream().filter(v -> !v.getName().equals("archive"))
                .toList()))
            .addToVolumes(new VolumeBuilder().withName(BUNDLE_VOLUME).withNewSecret().withSecretName(name)
                .withDefaultMode(0400).endSecret().build())
            .editFirstContainer().withArgs(args).withEnv(env).withVolumeMounts(mounts).endContainer()
        .endSpec()
        .build();
  }

  /** The archive collector's facts, plus why the checkpoint failed: the record says it is a fallback bundle. */
  private static String facts(String archiveFacts, ContainerCheckpointStatus c) {
    try {
      ObjectNode facts = (ObjectNode) JSON.readTree(archiveFacts);
      facts.putNull("kubeletArchivePath"); // no archive was written
      facts.putObject("checkpointFailure").put("reason", c.getFailure().getReason().name())
          .put("message", c.getFailure().getMessage());
      return facts.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The container with a placeholder archive path: the archive collector's pod needs one, the bundle's drops it. */
  private static ContainerCheckpointStatus copyWithArchivePath(ContainerCheckpointStatus c) {
    ContainerCheckpointStatus copy = JSON.convertValue(c, ContainerCheckpointStatus.class);
    copy.setArchivePath("/none/none");
    return copy;
  }
}
