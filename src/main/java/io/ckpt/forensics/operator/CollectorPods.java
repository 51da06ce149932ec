package io.ckpt.forensics.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.ckpt.forensics.api.CapturedSummary;
import io.ckpt.forensics.api.CollectionFailure;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The collector pod of one container's archive, and what its report means. The pod runs the
 * operator's own image in its {@code collect} mode on the node that holds the archive: it mounts
 * the node's checkpoint directory (read-only unless the node's copy is to be removed afterwards),
 * the store's credentials and the signing key, and reports through its termination message, so it
 * needs no API rights and gets no service-account token. It runs as root because the kubelet writes
 * archives 0600 root in a 0700 directory, with every capability dropped and no privilege escalation.
 */
public final class CollectorPods {

  static final String CONTAINER = "collector";
  static final String COMPONENT = "evidence-collector";
  static final String LABEL_COMPONENT = "app.kubernetes.io/component";
  static final String LABEL_FCP_UID = "forensics.ckpt.io/fcp-uid";
  static final String ANNOTATION_FCP = "forensics.ckpt.io/fcp";
  static final String ANNOTATION_CONTAINER = "forensics.ckpt.io/container";
  static final String ARCHIVE_DIR = "/node-checkpoints";
  static final String STORE_DIR = "/evidence-store";
  static final String S3_DIR = "/etc/fcp/s3";
  static final String SIGNING_DIR = "/etc/fcp/signing";
  static final String RECIPIENTS_DIR = "/etc/fcp/recipients";
  /** The push Secret (kubernetes.io/dockerconfigjson), mounted only when the pod pushes an image. */
  static final String PUSH_DIR = "/etc/fcp/push";
  static final String PUSH_CONFIG_FILE = ".dockerconfigjson";
  static final String EXPORT_REPOSITORY = "--export-repository";
  static final String EXPORT_TAG = "--export-tag";
  /** What a registry takes as a tag (the distribution spec's rule). */
  static final String TAG_PATTERN = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
  static final String FACTS = "FCP_COLLECT_FACTS";
  /** Named in the arguments too: the report goes where the pod spec says the kubelet reads it. */
  static final String TERMINATION_LOG = "/dev/termination-log";
  /**
   * The JVM's bounds inside the pod's memory limit, which keep a collection under 128 MiB of RSS
   * whatever the archive's size, encrypted or not, into a file store or S3 (operator/bench-collect;
   * docs/benchmarks.md has the runs behind each flag):
   * <ul>
   *   <li>40 MiB of heap with an 8 MiB young generation. What stays live is small (an S3 part, the
   *       pipe's chunks, class-path and crypto tables: 15-17 MiB after a full collection), and the
   *       rest dies young; a young generation larger than the old one's free space would make every
   *       collection a full one (the serial collector's promotion guarantee).</li>
   *   <li>C2 alone, one compiler thread ({@code -TieredCompilation}, {@code CICompilerCount=1}):
   *       hashing and encryption need C2's SHA-256 and AES intrinsics, C1 has none (4-6 times
   *       slower); without tiers C1's code and arena are gone and only hot methods are compiled,
   *       for 0.2-0.4 s more start-up. One thread whatever the node's CPU count: each compiler
   *       thread's arena adds to RSS, and the pod sets no CPU limit.</li>
   *   <li>C2 graphs of at most 10,000 nodes (default 80,000): the compiler's arena grows with the
   *       largest method it compiles (Bouncy Castle's and the JDK's curve arithmetic took it to
   *       30-40 MB); capped, it peaks near 10 MB. The methods over the cap are stream wrappers
   *       whose inlined callees make the graph large (Bouncy Castle's packet writers,
   *       {@code FilterInputStream.read}): they stay interpreted and call their compiled callees,
   *       once per buffer, not per byte; SHA-256 and AES keep C2 and its intrinsics.</li>
   * </ul>
   */
  public static final String JVM_OPTIONS = "-Xmx40m -Xmn8m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=24m -Xss512k"
      + " -XX:MaxDirectMemorySize=32m -XX:+ExitOnOutOfMemoryError -XX:-TieredCompilation -XX:CICompilerCount=1"
      + " -XX:MaxNodeLimit=10000 -XX:NodeLimitFudgeFactor=500";

  /**
   * The image's Java and class path (Jib's layout) with none of the operator's JVM flags: those run
   * C1 only, which has no SHA-256 or AES intrinsics and would make the collector hash and encrypt
   * 4-6 times slower. The collector's own flags come from {@link #JVM_OPTIONS}. OperatorImageIT
   * runs this command in the built image.
   */
  public static final List<String> COMMAND = List.of("java", "-cp", "@/app/jib-classpath-file",
      OperatorMain.class.getName());

  private static final ObjectMapper JSON = new ObjectMapper();

  private CollectorPods() {
  }

  /** One pod per object, container and attempt: a name the operator finds again after a restart. */
  static String name(String fcpUid, String container, int attempt) {
    return name(fcpUid, container, String.valueOf(attempt));
  }

  /** The same, for an attempt as {@link #attemptKey} names it. */
  static String name(String fcpUid, String container, String attemptKey) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((fcpUid + "/" + container + "/" + attemptKey).getBytes(StandardCharsets.UTF_8));
      return "fcp-collect-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /**
   * The attempt as names show it: its number, and in a series the round before it ({@code r2-1}),
   * so that the rounds of one container never share a pod or a stored object.
   */
  static String attemptKey(io.ckpt.forensics.api.ForensicCheckpointStatus status, ContainerCheckpointStatus c) {
    int attempt = c.getAttempts() == null ? 0 : c.getAttempts();
    Integer round = SeriesRounds.round(status);
    return round == null ? String.valueOf(attempt) : "r" + round + "-" + attempt;
  }

  /**
   * Where the archive is stored: namespace/object-uidprefix/container-attempt.tar (.gpg when
   * encrypted), so objects of the same name in different namespaces, or recreated, never collide.
   */
  static String objectName(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config) {
    var meta = fcp.getMetadata();
    return meta.getNamespace() + "/" + meta.getName() + "-" + meta.getUid().substring(0, 8) + "/" + c.getName()
        + "-" + attemptKey(fcp.getStatus(), c) + ".tar" + (config.recipientsSecret() != null ? ".gpg" : "");
  }

  /**
   * The tag of a container's checkpoint image: namespace, object, uid prefix, container and attempt
   * (with the round in a series), so that no two checkpoints move each other's tag; past 128
   * characters the end is cut and a digest of the whole keeps it unique.
   */
  static String exportTag(ForensicCheckpoint fcp, ContainerCheckpointStatus c) {
    var meta = fcp.getMetadata();
    String tag = meta.getNamespace() + "-" + meta.getName() + "-" + meta.getUid().substring(0, 8) + "-" + c.getName()
        + "-" + attemptKey(fcp.getStatus(), c);
    if (tag.length() <= 128) {
      return tag;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(tag.getBytes(StandardCharsets.UTF_8));
      return tag.substring(0, 128 - 17) + "-" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** Without export. */
  static Pod build(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config) {
    return build(fcp, c, config, ExportConfig.OFF);
  }

  /**
   * The collector pod; when {@code export} allows {@code fcp}'s spec.export, it also pushes the
   * checkpoint image, with the admin's push Secret mounted read-only (never one of the user's).
   */
  static Pod build(ForensicCheckpoint fcp, ContainerCheckpointStatus c, CollectionConfig config, ExportConfig export) {
    String archive = c.getArchivePath();
    int slash = archive.lastIndexOf('/');
    String directory = slash == 0 ? "/" : archive.substring(0, slash);
    String file = archive.substring(slash + 1);
    List<String> args = new ArrayList<>(List.of("collect", "--archive", ARCHIVE_DIR + "/" + file,
        "--name", objectName(fcp, c, config), "--signing-key", SIGNING_DIR + "/" + CollectionConfig.SIGNING_KEY_FILE,
        "--termination-log", TERMINATION_LOG));
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    volumes.add(new VolumeBuilder().withName("archive").withNewHostPath().withPath(directory).withType("Directory")
        .endHostPath().build());
    mounts.add(mount("archive", ARCHIVE_DIR, !config.deleteFromNode()));
    secretVolume(volumes, mounts, "signing-key", config.signingKeySecret(), SIGNING_DIR);
    if (config.recipientsSecret() != null) {
      secretVolume(volumes, mounts, "recipients", config.recipientsSecret(), RECIPIENTS_DIR);
      args.addAll(List.of("--recipients", RECIPIENTS_DIR));
    }
    if (config.s3() != null) {
      var s3 = config.s3();
      args.addAll(List.of("--store", "s3", "--s3-region", s3.region(), "--s3-bucket", s3.bucket(),
          "--s3-credentials", S3_DIR));
      if (!s3.endpoint().isEmpty()) {
        args.addAll(List.of("--s3-endpoint", s3.endpoint()));
      }
      if (s3.pathStyle()) {
        args.add("--s3-path-style");
      }
      if (!s3.retentionMode().equals("NONE")) {
        args.addAll(List.of("--s3-lock-mode", s3.retentionMode(), "--s3-retain", s3.retention().toString()));
      }
      secretVolume(volumes, mounts, "s3-credentials", s3.credentialsSecret(), S3_DIR);
    } else {
      args.addAll(List.of("--store", "file", "--store-root", STORE_DIR));
      volumes.add(new VolumeBuilder().withName("store").withNewPersistentVolumeClaim().withClaimName(config.claim())
          .endPersistentVolumeClaim().build());
      mounts.add(mount("store", STORE_DIR, false));
    }
    if (config.deleteFromNode()) {
      args.add("--delete-after-store");
    }
    var series = fcp.getStatus().getSeries();
    if (series != null) {
      // the record's place in its series, and the digest of the record before it, from status
      args.addAll(List.of("--series-index", String.valueOf(series.getRound() - 1), "--series-count",
          String.valueOf(series.getCount())));
      String previous = SeriesRounds.previousRecord(fcp.getStatus(), c.getName());
      if (previous != null) {
        args.addAll(List.of("--previous-record-sha256", previous));
      }
    }
    if (export.exports(fcp)) {
      args.addAll(List.of(EXPORT_REPOSITORY, fcp.getSpec().getExport().getRepository(), EXPORT_TAG,
          exportTag(fcp, c)));
      if (export.pushSecret() != null) {
        // optional: a missing push Secret must not keep the pod from taking the archive into custody;
        // the collector then reports the export as failed (--registry-auth ... is not a file)
        volumes.add(new VolumeBuilder().withName("push-secret").withNewSecret().withSecretName(export.pushSecret())
            .withDefaultMode(0400).withOptional(true).endSecret().build());
        mounts.add(mount("push-secret", PUSH_DIR, true));
        args.addAll(List.of("--registry-auth", PUSH_DIR + "/" + PUSH_CONFIG_FILE));
      }
      if (export.plainHttp()) {
        args.add("--export-plain-http");
      }
    }
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("16Mi"))
        .endEmptyDir().build());
    mounts.add(mount("tmp", "/tmp", false));
    var meta = fcp.getMetadata();
    return new PodBuilder()
        .withNewMetadata().withName(name(meta.getUid(), c.getName(), attemptKey(fcp.getStatus(), c)))
            .withNamespace(config.namespace())
            .withLabels(Map.of(LABEL_COMPONENT, COMPONENT, LABEL_FCP_UID, meta.getUid(),
                "app.kubernetes.io/managed-by", "forensic-checkpoint-operator"))
            .withAnnotations(Map.of(ANNOTATION_FCP, meta.getNamespace() + "/" + meta.getName(),
                ANNOTATION_CONTAINER, c.getName()))
        .endMetadata()
        .withNewSpec()
            .withNodeName(fcp.getStatus().getNodeName())
            .addNewToleration().withOperator("Exists").endToleration()
            .withRestartPolicy("Never")
            .withActiveDeadlineSeconds(config.deadline().toSeconds())
            .withAutomountServiceAccountToken(false)
            .withEnableServiceLinks(false)
            .withNewSecurityContext().withRunAsUser(0L).withRunAsNonRoot(false)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
            .addNewContainer()
                .withName(CONTAINER)
                .withImage(config.image())
                .withCommand(COMMAND)
                .withArgs(args)
                .withEnv(new EnvVar(FACTS, facts(fcp, c), null), new EnvVar("JAVA_TOOL_OPTIONS", JVM_OPTIONS, null))
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                    .withPrivileged(false).withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .withNewResources()
                    .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("128Mi"),
                        "ephemeral-storage", new Quantity("16Mi")))
                    .withLimits(Map.of("memory", new Quantity("192Mi"), "ephemeral-storage", new Quantity("32Mi")))
                .endResources()
                .withVolumeMounts(mounts)
                .withTerminationMessagePath(TERMINATION_LOG)
                .withTerminationMessagePolicy("File")
            .endContainer()
            .withVolumes(volumes)
        .endSpec()
        .build();
  }

  /** What the custody record says about the request, the pod and the checkpoint (no secrets). */
  static String facts(ForensicCheckpoint fcp, ContainerCheckpointStatus c) {
    var spec = fcp.getSpec();
    var meta = fcp.getMetadata();
    ObjectNode facts = JSON.createObjectNode();
    if (spec.getRequestedBy() != null) {
      facts.set("requestedBy", JSON.valueToTree(spec.getRequestedBy()));
    } else {
      facts.putNull("requestedBy");
    }
    facts.put("reason", spec.getReason());
    facts.put("caseId", spec.getCaseId());
    facts.putObject("forensicCheckpoint").put("namespace", meta.getNamespace()).put("name", meta.getName())
        .put("uid", meta.getUid());
    facts.put("pod", spec.getPodName());
    facts.put("podUID", fcp.getStatus().getPodUID());
    facts.put("container", c.getName());
    facts.put("containerID", c.getContainerID());
    facts.put("image", c.getImage());
    facts.put("imageID", c.getImageID());
    facts.put("node", fcp.getStatus().getNodeName());
    facts.put("kubeletArchivePath", c.getArchivePath());
    facts.put("requestedAt", meta.getCreationTimestamp());
    facts.put("checkpointedAt", c.getCheckpointedAt());
    return facts.toString();
  }

  /**
   * What a finished collector pod reports, or empty while it has not finished. A report that cannot
   * be read, or a pod that ended without one, is a failure that says so.
   */
  static Optional<EvidenceStatus> report(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    ContainerStateTerminated terminated = Optional.ofNullable(pod.getStatus())
        .map(s -> s.getContainerStatuses()).orElse(List.of()).stream()
        .filter(s -> CONTAINER.equals(s.getName())).map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null).map(s -> s.getTerminated()).findFirst().orElse(null);
    String ref = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    if (terminated == null) {
      if ("Failed".equals(phase)) {
        String reason = pod.getStatus().getReason();
        return Optional.of(failed(ref, "DeadlineExceeded".equals(reason) ? "DeadlineExceeded" : "CollectorNotStarted",
            "collector pod " + ref + " failed before its collector ran to the end (" + reason + ": "
                + pod.getStatus().getMessage() + "); the archive stays on the node"));
      }
      return Optional.empty();
    }
    String message = terminated.getMessage();
    if (message != null && !message.isBlank()) {
      try {
        return Optional.of(fromReport(ref, JSON.readTree(message)));
      } catch (java.io.IOException | RuntimeException e) {
        return Optional.of(failed(ref, "CollectorError", "collector pod " + ref + " exited " + terminated.getExitCode()
            + " with a termination message that is not its report; see kubectl logs -n "
            + pod.getMetadata().getNamespace() + " " + pod.getMetadata().getName()));
      }
    }
    return Optional.of(failed(ref, "CollectorError", "collector pod " + ref + " exited " + terminated.getExitCode()
        + " (" + terminated.getReason() + ") without a report; see kubectl logs -n " + pod.getMetadata().getNamespace()
        + " " + pod.getMetadata().getName()));
  }

  /**
   * The report as status keeps it. The collector runs on the node that may be compromised, so every
   * string in its report is escaped here as well, as fcp escapes archive text (control characters
   * and bidirectional overrides shown as escapes), whatever the collector did: kubectl describe
   * prints status as is.
   */
  private static EvidenceStatus fromReport(String ref, JsonNode report) {
    if (!"Stored".equals(report.path("result").asText())) {
      String reason = report.path("reason").asText("CollectorError");
      return failed(ref, reason.matches("[A-Za-z]{1,40}") ? reason : "CollectorError",
          UnsafeCharacters.escape(report.path("message").asText("the collector gave no message")));
    }
    EvidenceStatus e = new EvidenceStatus();
    e.setPhase(EvidencePhase.Stored);
    e.setCollectorPod(ref);
    e.setLocation(text(report, "location"));
    e.setSha256(text(report, "sha256"));
    e.setSizeBytes(number(report, "sizeBytes"));
    e.setStoredSha256(text(report, "storedSha256"));
    e.setStoredBytes(number(report, "storedBytes"));
    e.setEncrypted(report.path("encrypted").asBoolean(false));
    List<String> recipients = new ArrayList<>();
    report.path("recipients").forEach(r -> recipients.add(UnsafeCharacters.escape(r.asText())));
    e.setRecipients(recipients.isEmpty() ? null : recipients);
    e.setRecordLocation(text(report, "recordLocation"));
    String recordSha256 = report.path("recordSha256").asText("");
    // only a digest: anything else would be passed to the next round's collector as its argument
    e.setRecordSha256(recordSha256.matches("[0-9a-f]{64}") ? recordSha256 : null);
    e.setSigningKeyId(text(report, "signingKeyId"));
    e.setCollectedAt(text(report, "collectedAt"));
    e.setRemovedFromNode(report.path("removedFromNode").asBoolean(false));
    JsonNode summary = report.path("summary");
    if (summary.isObject()) {
      CapturedSummary captured = new CapturedSummary();
      captured.setProcesses(summary.has("processes") ? summary.get("processes").asInt() : null);
      captured.setListeningSockets(summary.has("listeningSockets") ? summary.get("listeningSockets").asInt() : null);
      captured.setArchitecture(text(summary, "architecture"));
      List<String> signs = new ArrayList<>();
      summary.path("signs").forEach(s -> signs.add(UnsafeCharacters.escape(s.asText())));
      captured.setSigns(signs.isEmpty() ? null : signs);
      captured.setFilesWritten(summary.has("filesWritten") ? summary.get("filesWritten").asLong() : null);
      captured.setFilesDeleted(summary.has("filesDeleted") ? summary.get("filesDeleted").asLong() : null);
      captured.setFilesInTmpfs(summary.has("filesInTmpfs") ? summary.get("filesInTmpfs").asLong() : null);
      List<String> topFiles = new ArrayList<>();
      summary.path("topFiles").forEach(f -> topFiles.add(UnsafeCharacters.escape(f.asText())));
      captured.setTopFiles(topFiles.isEmpty() ? null : topFiles);
      e.setCaptured(captured);
    }
    return e;
  }

  /** The ForensicCheckpoint a collector pod works for, from its annotation. */
  static Set<ResourceID> owner(Pod pod) {
    String ref = pod.getMetadata().getAnnotations() == null ? null
        : pod.getMetadata().getAnnotations().get(ANNOTATION_FCP);
    if (ref == null || !ref.contains("/")) {
      return Set.of();
    }
    String[] parts = ref.split("/", 2);
    return Set.of(new ResourceID(parts[1], parts[0]));
  }

  static EvidenceStatus collecting(String podRef) {
    EvidenceStatus e = new EvidenceStatus();
    e.setPhase(EvidencePhase.Collecting);
    e.setCollectorPod(podRef);
    return e;
  }

  static EvidenceStatus failed(String podRef, String reason, String message) {
    EvidenceStatus e = new EvidenceStatus();
    e.setPhase(EvidencePhase.Failed);
    e.setCollectorPod(podRef);
    e.setFailure(new CollectionFailure(reason, message));
    return e;
  }

  private static VolumeMount mount(String name, String path, boolean readOnly) {
    VolumeMount m = new VolumeMount();
    m.setName(name);
    m.setMountPath(path);
    m.setReadOnly(readOnly);
    return m;
  }

  private static void secretVolume(List<Volume> volumes, List<VolumeMount> mounts, String name, String secret,
      String path) {
    volumes.add(new VolumeBuilder().withName(name).withNewSecret().withSecretName(secret).withDefaultMode(0400)
        .endSecret().build());
    mounts.add(mount(name, path, true));
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : UnsafeCharacters.escape(v.asText());
  }

  private static Long number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.canConvertToLong() ? null : v.asLong();
  }
}
