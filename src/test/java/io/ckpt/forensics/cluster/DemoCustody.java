package io.ckpt.forensics.cluster;

import static io.ckpt.forensics.cluster.LabDemo.say;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.operator.CollectionConfig;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The demo's evidence custody (issue 12 §7): the chart values and Secrets that turn collection on,
 * the wait until every sample is stored, and then what a responder does with one stored checkpoint:
 * {@code fcp verify} of the stored object against its signed record, {@code fcp summary} of the
 * archive decrypted from it, and a look at the node, whose copy is gone.
 */
final class DemoCustody {

  static final String NAMESPACE = "forensic-evidence";
  static final String CLAIM = "evidence";
  static final String SIGNING_SECRET = "fcp-signing";
  static final String RECIPIENTS_SECRET = "fcp-recipients";
  /** The sample the README shows; another stored one is shown if it is missing. */
  static final String SHOWN = "dev/nettools-inc42";
  private static final String EVIDENCE_COLUMN = "EVIDENCE:.status.conditions[?(@.type==\"" + Conditions.EVIDENCE_STORED
      + "\")].reason";
  private static final String TABLE = "custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,"
      + "POD:.spec.podName,NODE:.status.nodeName,PHASE:.status.phase," + EVIDENCE_COLUMN;

  private final Lab lab;
  private final DemoKeys keys;

  DemoCustody(Lab lab, DemoKeys keys) {
    this.lab = lab;
    this.keys = keys;
  }

  /** Chart values (--set) for a file store on a claim, signed records, archives encrypted to the analyst. */
  static Map<String, Object> chartValues() {
    return Map.of("evidence.store", "file", "evidence.pvc", CLAIM, "evidence.signingKeySecret", SIGNING_SECRET,
        "evidence.recipientsSecret", RECIPIENTS_SECRET);
  }

  /** The Secrets the chart's values name, in the collector namespace the chart created, made with kubectl. */
  void createSecrets() {
    say("the Secrets those values name, from the keys (in " + keys.signingKey().getParent() + "):");
    kubectl(List.of("create", "secret", "generic", SIGNING_SECRET, "-n", NAMESPACE),
        "--from-file=" + CollectionConfig.SIGNING_KEY_FILE + "=", keys.signingKey());
    kubectl(List.of("create", "secret", "generic", RECIPIENTS_SECRET, "-n", NAMESPACE),
        "--from-file=", keys.recipientKey());
  }

  /** Runs kubectl with a file argument, printing the file by its name alone. */
  private void kubectl(List<String> args, String option, Path file) {
    List<String> all = new ArrayList<>(args);
    all.add(option + file);
    System.out.println("$ kubectl " + String.join(" ", args) + " " + option + file.getFileName());
    ExecResult result = lab.kubectl(all.toArray(String[]::new));
    System.out.print(result.stdout());
    if (result.exitCode() != 0) {
      throw new DemoFailure("kubectl " + String.join(" ", args) + " failed: " + result.stderr().strip());
    }
  }

  /** The operator's collection settings, as the chart's Deployment carries them (FCP_EVIDENCE_*, FCP_COLLECTOR_*). */
  static Map<String, String> collectionSettings(ChartRelease chart) {
    Map<String, String> settings = new TreeMap<>();
    chart.operatorEnvironment().forEach((name, value) -> {
      if (name.startsWith("FCP_EVIDENCE_") || name.startsWith("FCP_COLLECTOR_")) {
        settings.put(name, value);
      }
    });
    if (!CLAIM.equals(settings.get(CollectionConfig.CLAIM))) {
      throw new DemoFailure("the chart's Deployment does not set " + CollectionConfig.CLAIM + "=" + CLAIM + ": "
          + settings);
    }
    return settings;
  }

  /**
   * Waits until every ForensicCheckpoint is terminal and every succeeded one's evidence is no longer
   * being collected, showing the table when it changes; true if all succeeded and all are stored.
   */
  boolean awaitCustody(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      String table = lab.kubectl("get", "fcp", "-A", "-o", TABLE).stdout();
      if (!table.equals(last)) {
        System.out.print(table);
        last = table;
      }
      List<ForensicCheckpoint> all = list();
      if (!all.isEmpty() && all.stream().allMatch(DemoCustody::settled)) {
        return all.stream().allMatch(f -> f.getStatus().getPhase() == CheckpointPhase.Succeeded
            && "True".equals(evidenceCondition(f).map(c -> c.getStatus()).orElse("")));
      }
      Thread.sleep(500);
    }
    say("gave up waiting after " + timeout.toSeconds() + " s (operator log: " + lab.runDir().resolve("operator.log")
        + ")");
    return false;
  }

  private static boolean settled(ForensicCheckpoint fcp) {
    if (fcp.getStatus() == null || fcp.getStatus().getPhase() == null || !fcp.getStatus().getPhase().isTerminal()) {
      return false;
    }
    return fcp.getStatus().getPhase() != CheckpointPhase.Succeeded || evidenceCondition(fcp)
        .filter(c -> !Conditions.REASON_COLLECTING.equals(c.getReason())).isPresent();
  }

  private static Optional<Condition> evidenceCondition(ForensicCheckpoint fcp) {
    return Optional.ofNullable(Conditions.find(fcp.getStatus().getConditions(), Conditions.EVIDENCE_STORED));
  }

  /** Says why each container that is not stored is not. */
  void explainFailures() {
    for (ForensicCheckpoint fcp : list()) {
      for (ContainerCheckpointStatus c : fcp.getStatus() == null ? List.<ContainerCheckpointStatus>of()
          : fcp.getStatus().getContainers()) {
        EvidenceStatus e = c.getEvidence();
        if (e == null || e.getPhase() != EvidencePhase.Stored) {
          say("not stored: " + name(fcp) + " container " + c.getName() + ": " + (e == null || e.getFailure() == null
              ? "phase " + fcp.getStatus().getPhase() + (c.getFailure() == null ? "" : ", " + c.getFailure().getMessage())
              : e.getFailure().getReason() + ": " + e.getFailure().getMessage()));
        }
      }
    }
  }

  /**
   * What a responder does with stored evidence, for one sample: verify it against its record,
   * decrypt and summarize it, and check that the node no longer holds it.
   */
  void showOneStored() throws IOException {
    ForensicCheckpoint fcp = list().stream().filter(f -> name(f).equals(SHOWN)).findFirst()
        .orElseGet(() -> list().get(0));
    ContainerCheckpointStatus container = fcp.getStatus().getContainers().get(0);
    EvidenceStatus evidence = container.getEvidence();
    Path stored = Path.of(URI.create(evidence.getLocation()));
    Path record = Path.of(URI.create(evidence.getRecordLocation()));
    Path run = lab.runDir();
    System.out.println();
    say(name(fcp) + ", container " + container.getName() + ": in custody at " + evidence.getLocation());
    say("  " + (Boolean.TRUE.equals(evidence.getEncrypted()) ? "encrypted to " + String.join(", ",
        evidence.getRecipients()) + " (the analyst's key): the store never held the archive in the clear;"
        : "stored in the clear;") + " signed record beside it: " + record.getFileName());
    say("  (paths below are relative to the lab's run directory " + run + ")");

    System.out.println("$ operator/fcp verify --key " + run.relativize(keys.publicKey()) + " --decryption-key "
        + run.relativize(keys.decryptionKey()) + " \\\n    --record " + run.relativize(record) + " \\\n    "
        + run.relativize(stored));
    fcp("verify", "--key", keys.publicKey().toString(), "--decryption-key", keys.decryptionKey().toString(),
        "--record", record.toString(), stored.toString());

    Path plaintext = stored;
    if (Boolean.TRUE.equals(evidence.getEncrypted())) {
      plaintext = run.resolve("analyst").resolve(stored.getFileName().toString().replaceFirst("\\.gpg$", ""));
      Files.createDirectories(plaintext.getParent());
      OpenPgpDecryption decryption = OpenPgpDecryption.withSecretKeys(List.of(keys.decryptionKey()), new char[0]);
      try (InputStream in = decryption.decrypt(Files.newInputStream(stored))) {
        Files.copy(in, plaintext);
      }
      say("decrypted the stored copy with the analyst's key (as gpg --decrypt would) into " + run.relativize(plaintext));
    }
    say("a simulated kubelet writes the same archive for every container: the test fixtures' real CRIU dump of one"
        + " aarch64 process, with the CRI-O metadata of an nginx pod");
    System.out.println("$ operator/fcp summary " + run.relativize(plaintext));
    fcp("summary", plaintext.toString());

    String node = fcp.getStatus().getNodeName();
    Path nodeCopy = lab.node(node).archiveFile(container.getArchivePath());
    if (Files.exists(nodeCopy) || !Boolean.TRUE.equals(evidence.getRemovedFromNode())) {
      throw new DemoFailure("the node's copy " + node + ":" + container.getArchivePath() + " is still there ("
          + nodeCopy + "; removedFromNode " + evidence.getRemovedFromNode() + ")");
    }
    say("the node's copy " + node + ":" + container.getArchivePath() + " is gone: the collector removed it after"
        + " reading the stored copy back (status: removedFromNode true)");
  }

  private static void fcp(String... args) {
    int code = FcpMain.run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (code != 0) {
      throw new DemoFailure("fcp " + args[0] + " exited with " + code + " (see above)");
    }
  }

  private List<ForensicCheckpoint> list() {
    return lab.adminClient().resources(ForensicCheckpoint.class).inAnyNamespace().list().getItems();
  }

  private static String name(ForensicCheckpoint fcp) {
    return fcp.getMetadata().getNamespace() + "/" + fcp.getMetadata().getName();
  }

  /** A step of the demo that did not work: its message says which and why. */
  static final class DemoFailure extends RuntimeException {
    DemoFailure(String message) {
      super(message);
    }
  }
}
