package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.cluster.PluginKubectl.Run;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.Conditions;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.KubeletFault;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import io.ckpt.forensics.lab.LabAvailability;
import io.ckpt.forensics.lab.S3TestServer;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.ForensicCheckpointStatus;
import io.ckpt.forensics.operator.OperatorConfig;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl fcp} as a responder runs it: the launcher and jar that {@code ./mvnw package}
 * builds, copied side by side into a directory on PATH, run by the lab's real kubectl (which finds
 * the plugin there), against the real API server, as ServiceAccounts whose only rights are RBAC
 * bindings: a responder bound to the chart's responder role, and an intern bound to nothing. The
 * chart keeps evidence in a file store, so {@code take --wait} follows the custody too.
 */
class KubectlFcpIT {

  static final String NS = "dev";
  /** A namespace the test's operator does not watch: statuses there are written by the tests. */
  static final String CASES = "cases";
  static final String RESPONDER_ROLE = "forensic-checkpoint-operator-responder";

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("kubectl-fcp-it").nodes(1),
      Map.of("evidence.store", "file", "evidence.pvc", CollectionIT.CLAIM, "evidence.signingKeySecret",
          CollectionIT.SIGNING_SECRET, "responderRole.enabled", true));
  static Lab lab;
  static PluginKubectl plugin;
  static Path responder;
  static Path intern;
  static OperatorMain.Running operator;
  /** The custody record signer's public key, as a responder has it from a trusted source. */
  static Path publicKey;

  @BeforeAll
  static void installThePluginAndTheUsers() throws Exception {
    lab = CLUSTER.lab();
    publicKey = CollectionIT.signingKeySecret(lab);
    plugin = PluginKubectl.install(lab);
    lab.createRunningPod(NS, "suspect", lab.nodes().get(0), "app", "sidecar");
    lab.createServiceAccount(NS, "responder");
    lab.createServiceAccount(NS, "intern");
    lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName("responders").withNamespace(NS)
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", RESPONDER_ROLE)
        .addNewSubject().withKind("ServiceAccount").withNamespace(NS).withName("responder").endSubject().build())
        .create();
    lab.createNamespace(CASES);
    lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName("responders").withNamespace(CASES)
        .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", RESPONDER_ROLE)
        .addNewSubject().withKind("ServiceAccount").withNamespace(NS).withName("responder").endSubject().build())
        .create();
    responder = kubeconfig("responder");
    intern = kubeconfig("intern");
    // dev only: the S3 test writes a status by hand in another namespace, which no operator may touch
    Map<String, String> env = new java.util.HashMap<>(CollectionIT.env());
    env.put(OperatorConfig.WATCH_NAMESPACES, NS);
    operator = CLUSTER.chart().startOperator(OperatorConfig.fromEnvironment(env));
  }

  @AfterAll
  static void stopTheOperator() {
    if (operator != null) {
      operator.close();
    }
  }

  /** A token kubeconfig for a ServiceAccount of dev whose context's namespace is dev. */
  static Path kubeconfig(String account) throws IOException {
    return plugin.kubeconfig(NS, account);
  }

  @Test
  void takeWaitFollowsTheCheckpointAndItsCustodyToTheEnd() throws Exception {
    Run take = kubectl(responder, "fcp", "take", "suspect", "-c", "app", "--reason", "Falco: Terminal shell in container",
        "--case", "INC-2026-0042", "--name", "suspect-inc42", "--wait", "--timeout", "2m");

    assertThat(take.exit()).as(take.all()).isZero();
    ForensicCheckpoint done = CLUSTER.fcps().get(NS, "suspect-inc42");
    EvidenceStatus evidence = Checkpoints.container(done, "app").getEvidence();
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(evidence.getPhase()).isEqualTo(EvidencePhase.Stored);
    assertThat(done.getSpec().getCaseId()).isEqualTo("INC-2026-0042");
    assertThat(done.getSpec().getContainers()).containsExactly("app");
    List<String> lines = take.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo("forensiccheckpoint.forensics.ckpt.io/suspect-inc42 created in namespace dev");
    assertThat(lines).contains("  app: evidence stored at " + evidence.getLocation() + " (sha256 "
        + evidence.getSha256() + ", " + evidence.getSizeBytes() + " bytes)");
    assertThat(lines).anyMatch(l -> l.startsWith("  app: checkpointed in ") && l.endsWith(": "
        + Checkpoints.container(done, "app").getArchivePath()));
    assertThat(lines.get(lines.size() - 1)).isEqualTo("Succeeded, evidence stored: " + done.getStatus().getMessage());
    assertThat(take.err()).isEmpty();

    Run get = kubectl(responder, "fcp", "get");
    assertThat(get.exit()).as(get.all()).isZero();
    assertThat(get.out().lines().toList().get(0)).matches("NAME +POD +NODE +PHASE +CONTAINERS +EVIDENCE +AGE");
    assertThat(get.out()).containsPattern("(?m)^suspect-inc42 +suspect +" + done.getStatus().getNodeName()
        + " +Succeeded +app=Succeeded +Stored +\\d+s$");

    Run describe = kubectl(responder, "fcp", "describe", "suspect-inc42", "--context", "lab", "-n", NS);
    assertThat(describe.exit()).as(describe.all()).isZero();
    assertThat(describe.out()).contains("Reason:                  Falco: Terminal shell in container",
        "Case:                    INC-2026-0042", "Phase:                   Succeeded",
        "      Location:          " + evidence.getLocation(),
        "      SHA-256:           " + evidence.getSha256(),
        "      Custody record:    " + evidence.getRecordLocation(),
        "      Signing key:       " + evidence.getSigningKeyId(),
        "    Captured:", "      Processes:         " + evidence.getCaptured().getProcesses());
    System.out.println("KubectlFcpIT: $ kubectl fcp take ...\n" + take.out() + "$ kubectl fcp get\n" + get.out()
        + "$ kubectl fcp describe suspect-inc42\n" + describe.out());
  }

  @Test
  void aFailedCheckpointEndsWithItsReasonAndExitCodeOne() throws Exception {
    lab.nodes().get(0).inject(KubeletFault.CRIU_FAILURE, "sidecar", 1);

    Run take = kubectl(responder, "fcp", "take", "suspect", "-c", "sidecar", "--reason", "test", "--name",
        "suspect-criu", "--wait", "--timeout", "2m");

    assertThat(take.exit()).as(take.all()).isEqualTo(1);
    assertThat(take.out()).contains("  sidecar: failed: CRIUFailed (HTTP 500): ");
    ForensicCheckpoint done = CLUSTER.fcps().get(NS, "suspect-criu");
    assertThat(take.out().strip().lines().reduce((a, b) -> b).orElseThrow()).startsWith("Failed")
        .endsWith(": " + done.getStatus().getMessage());
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect -c sidecar ... --wait\n" + take.out());
  }

  @Test
  void aUserWithoutRightsIsToldWhichRightToAskFor() throws Exception {
    Run take = kubectl(intern, "fcp", "take", "suspect", "--reason", "curious");

    assertThat(take.exit()).as(take.all()).isEqualTo(3);
    assertThat(take.out()).isEmpty();
    assertThat(take.err()).startsWith("error: cannot create forensiccheckpoints.forensics.ckpt.io in namespace dev: ask"
        + " for the right to create forensiccheckpoints (API group forensics.ckpt.io) in namespace dev, with the chart:"
        + " a RoleBinding in that namespace to the ClusterRole " + RESPONDER_ROLE)
        .contains("User \"system:serviceaccount:dev:intern\" cannot create resource \"forensiccheckpoints\"");

    Run get = kubectl(intern, "fcp", "get");
    assertThat(get.exit()).as(get.all()).isEqualTo(3);
    assertThat(get.err()).startsWith("error: cannot list forensiccheckpoints.forensics.ckpt.io in namespace dev: ask for"
        + " the right to list forensiccheckpoints (API group forensics.ckpt.io) in namespace dev");
    assertThat(CLUSTER.fcps().list(NS)).noneMatch(f -> "curious".equals(f.getSpec().getReason()));
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect --reason curious  (as dev:intern)\n" + take.err());
  }

  @Test
  void aMissingCheckpointIsNotFoundAndTheCheckpointGoesOnAfterATimeout() throws Exception {
    Run missing = kubectl(responder, "fcp", "describe", "nothing-here");
    assertThat(missing.exit()).as(missing.all()).isEqualTo(4);
    assertThat(missing.err()).isEqualTo("error: forensiccheckpoints.forensics.ckpt.io \"nothing-here\" not found in"
        + " namespace dev\n");

    lab.nodes().get(0).setLatency(java.time.Duration.ofSeconds(8));
    Run slow = kubectl(responder, "fcp", "take", "suspect", "-c", "app", "--reason", "slow", "--name", "suspect-slow",
        "--wait", "--timeout", "2s");
    assertThat(slow.exit()).as(slow.all()).isEqualTo(5);
    assertThat(slow.out()).contains("after 2s; the checkpoint goes on: follow it with kubectl fcp describe suspect-slow"
        + " -n dev");
    System.out.println("KubectlFcpIT: $ kubectl fcp take suspect -c app ... --wait --timeout 2s\n" + slow.out());
  }

  @Test
  void fetchKeepsOnlyVerifiedEvidenceAndInspectRunsFcpOnIt() throws Exception {
    Run take = kubectl(responder, "fcp", "take", "suspect", "-c", "app", "--reason", "fetch", "--name", "suspect-fetch",
        "--wait", "--timeout", "2m");
    assertThat(take.exit()).as(take.all()).isZero();
    EvidenceStatus evidence = Checkpoints.container(CLUSTER.fcps().get(NS, "suspect-fetch"), "app").getEvidence();
    Path stored = Path.of(URI.create(evidence.getLocation()));
    Path dir = Files.createDirectories(lab.runDir().resolve("analyst"));

    Run fetch = kubectl(responder, "fcp", "fetch", "suspect-fetch", "--key", publicKey.toString(), "-o",
        dir.resolve("suspect-fetch.tar").toString());

    assertThat(fetch.exit()).as(fetch.all()).isZero();
    assertThat(fetch.out()).contains("ok    signature ", "ok    stored sha256     " + evidence.getStoredSha256())
        .endsWith("verified and kept: " + dir.resolve("suspect-fetch.tar") + " (" + evidence.getStoredBytes()
            + " bytes) and " + dir.resolve("suspect-fetch.tar.dsse.json") + "\n");
    assertThat(Files.readAllBytes(dir.resolve("suspect-fetch.tar"))).isEqualTo(Files.readAllBytes(stored));
    assertThat(Files.readAllBytes(dir.resolve("suspect-fetch.tar.dsse.json")))
        .isEqualTo(Files.readAllBytes(Path.of(URI.create(evidence.getRecordLocation()))));

    Run again = kubectl(responder, "fcp", "fetch", "suspect-fetch", "--key", publicKey.toString(), "-o",
        dir.resolve("suspect-fetch.tar").toString());
    assertThat(again.exit()).as(again.all()).isEqualTo(2);
    assertThat(again.err()).contains("suspect-fetch.tar exists: fetch never replaces a file");

    // a key that did not sign the record: the download is deleted, nothing under the evidence's name
    Path otherKey = EvidenceFixtures.publicKeyOf(EvidenceFixtures.newSigningKey(dir, "EC"));
    Run untrusted = kubectl(responder, "fcp", "fetch", "suspect-fetch", "--key", otherKey.toString(), "-o",
        dir.resolve("untrusted.tar").toString());
    assertThat(untrusted.exit()).as(untrusted.all()).isEqualTo(1);
    assertThat(untrusted.out()).contains("FAIL  signature");
    assertThat(untrusted.err()).startsWith("error: NOT verified (signature failed): the download was deleted");
    try (var files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith("untrusted")
          || n.startsWith(".untrusted"));
    }

    Run inspect = kubectl(responder, "fcp", "inspect", "suspect-fetch", "--key", publicKey.toString(), "--", "--all");
    assertThat(inspect.exit()).as(inspect.all()).isZero();
    String marker = "verified; fcp inspect of container app:\n";
    assertThat(inspect.out()).contains(marker);
    String fcpOutput = inspect.out().substring(inspect.out().indexOf(marker) + marker.length());
    assertThat(fcpOutput.replaceAll("/tmp/kubectl-fcp-inspect\\d+/", "")).as("fcp inspect --all of the stored copy")
        .isEqualTo(fcp("inspect", "--all", stored.toString()).replace(stored.getParent() + "/", ""));
    assertThat(fetch.out()).contains("ok    checkpoint        record of dev/suspect-fetch (uid "
        + CLUSTER.fcps().get(NS, "suspect-fetch").getMetadata().getUid() + "), container app");
    System.out.println("KubectlFcpIT: $ kubectl fcp fetch suspect-fetch --key custody.pub.pem -o suspect-fetch.tar\n"
        + fetch.out() + "$ kubectl fcp fetch suspect-fetch --key other.pub.pem -o untrusted.tar\n" + untrusted.out()
        + untrusted.err() + "$ kubectl fcp inspect suspect-fetch --key custody.pub.pem -- --all\n" + inspect.out());
  }

  /**
   * An S3 store read with the user's own credentials and endpoint flags (the S3 test server, moto,
   * inside the lab's network namespace): evidence encrypted to an analyst's key, so fetch checks the
   * plaintext too and inspect decrypts it. The object and its status are written by the test, in a
   * namespace no operator watches.
   */
  @Test
  void fetchAndInspectEncryptedEvidenceFromS3() throws Exception {
    // one method, not a class marked @RequiresS3Server: that would be a second class, and a second lab
    Optional<String> noServer = S3TestServer.unavailableReason();
    if (noServer.isPresent()) {
      LabAvailability.requireOrReport("KubectlFcpIT S3 fetch", noServer.get());
      Assumptions.abort("S3 test server unavailable: " + noServer.get());
    }
    String cases = CASES;
    Path keys = Files.createDirectories(lab.runDir().resolve("s3-keys"));
    Path signingKey = EvidenceFixtures.newSigningKey(keys, "EC");
    Path archive = FixtureArchives.write(FixtureArchives.Flavour.CRIO_OPERATOR);
    String key = "cases/web-inc7-0badc0de/app-1.tar.gpg";
    ForensicCheckpoint object = checkpointObject(cases, "web-inc7");
    EvidenceFixtures.Stored custody = custodyOf(Files.readAllBytes(archive), signingKey, object, "app", key);
    try (S3TestServer server = S3TestServer.start(lab.runDir().resolve("s3")); S3Client admin = server.adminClient()) {
      admin.createBucket(b -> b.bucket("evidence"));
      admin.putObject(b -> b.bucket("evidence").key(key), RequestBody.fromBytes(custody.stored()));
      admin.putObject(b -> b.bucket("evidence").key(key + ".dsse.json"), RequestBody.fromBytes(custody.recordFile()));
      storedInS3(object, "s3://evidence/" + key, custody);

      Map<String, String> s3 = Map.of("AWS_ACCESS_KEY_ID", "analyst", "AWS_SECRET_ACCESS_KEY", "analyst-secret");
      List<String> store = List.of("--s3-endpoint", server.endpoint().toString(), "--s3-path-style", "-n", cases);
      Path out = lab.runDir().resolve("analyst-s3").resolve("web-inc7.tar.gpg");
      List<String> fetch = new ArrayList<>(List.of("fcp", "fetch", "web-inc7", "--key",
          EvidenceFixtures.publicKeyOf(signingKey).toString(), "--decryption-key",
          EvidenceFixtures.keyFile("test-only-recipient-a.secret.asc").toString(), "-o", out.toString()));
      fetch.addAll(store);
      Run fetched = kubectl(responder, s3, fetch.toArray(String[]::new));

      assertThat(fetched.exit()).as(fetched.all()).isZero();
      assertThat(fetched.out()).contains("ok    plaintext sha256  ").contains("verified and kept: " + out)
          .contains("ok    checkpoint        record of cases/web-inc7 (uid " + object.getMetadata().getUid()
              + "), container app");
      assertThat(Files.readAllBytes(out)).as("kept as stored: still encrypted").isEqualTo(custody.stored());

      List<String> inspect = new ArrayList<>(List.of("fcp", "inspect", "web-inc7", "--key",
          EvidenceFixtures.publicKeyOf(signingKey).toString(), "--decryption-key",
          EvidenceFixtures.keyFile("test-only-recipient-a.secret.asc").toString()));
      inspect.addAll(store);
      Run inspected = kubectl(responder, s3, inspect.toArray(String[]::new));
      assertThat(inspected.exit()).as(inspected.all()).isZero();
      assertThat(inspected.out()).contains("verified; fcp inspect of container app:", "nginx");

      List<String> noKey = new ArrayList<>(List.of("fcp", "inspect", "web-inc7", "--key",
          EvidenceFixtures.publicKeyOf(signingKey).toString()));
      noKey.addAll(store);
      Run refused = kubectl(responder, s3, noKey.toArray(String[]::new));
      assertThat(refused.exit()).as(refused.all()).isEqualTo(2);
      assertThat(refused.err()).contains("is encrypted to " + EvidenceFixtures.RECIPIENT_A + ": give --decryption-key");
      System.out.println("KubectlFcpIT: $ kubectl fcp fetch web-inc7 -n cases --key ... --decryption-key ..."
          + " --s3-endpoint " + server.endpoint() + " --s3-path-style -o web-inc7.tar.gpg\n" + fetched.out());
    }
  }

  @Test
  void restoreNeedsItsOwnRightAndFollowsTheSandboxPod() throws Exception {
    Run refused = kubectl(responder, "fcp", "restore", "suspect-inc42", "--node", "worker-1");
    assertThat(refused.exit()).as(refused.all()).isEqualTo(3);
    assertThat(refused.err()).startsWith("error: cannot create checkpointrestores.forensics.ckpt.io in namespace dev: ask"
        + " for the right to create checkpointrestores (API group forensics.ckpt.io) in namespace dev");

    for (String ns : List.of(NS, CASES)) {
      lab.adminClient().resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder().withNewMetadata()
          .withName("restorers").withNamespace(ns).endMetadata().addNewRule().withApiGroups("forensics.ckpt.io")
          .withResources("checkpointrestores").withVerbs("create", "get").endRule().build()).create();
      lab.adminClient().resource(new RoleBindingBuilder().withNewMetadata().withName("restorers").withNamespace(ns)
          .endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "restorers").addNewSubject()
          .withKind("ServiceAccount").withNamespace(NS).withName("responder").endSubject().build()).create();
    }
    Run created = kubectl(responder, "fcp", "restore", "suspect-inc42", "--node", "worker-1", "-c", "app",
        "--runtime-class", "gvisor", "--name", "suspect-restore");
    assertThat(created.exit()).as(created.all()).isZero();
    assertThat(created.out()).isEqualTo("checkpointrestore.forensics.ckpt.io/suspect-restore created in namespace dev\n"
        + "follow it: kubectl get fcr suspect-restore -n dev\n");
    var restores = lab.adminClient().resources(io.ckpt.forensics.api.CheckpointRestore.class);
    var spec = restores.inNamespace(NS).withName("suspect-restore").get().getSpec();
    assertThat(List.of(spec.getCheckpointName(), spec.getContainer(), spec.getNodeName(), spec.getRuntimeClassName()))
        .containsExactly("suspect-inc42", "app", "worker-1", "gvisor");

    // --wait, in the namespace no operator watches: the status is written here as a restore controller would
    var waiting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return kubectl(responder, "fcp", "restore", "web-inc7", "-n", CASES, "--node", "worker-1", "--name",
            "web-restore", "--wait", "--timeout", "60s");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
        .until(() -> restores.inNamespace(CASES).withName("web-restore").get() != null);
    for (var phase : List.of(io.ckpt.forensics.api.RestorePhase.Creating, io.ckpt.forensics.api.RestorePhase.Running)) {
      var restore = restores.inNamespace(CASES).withName("web-restore").get();
      var status = new io.ckpt.forensics.api.CheckpointRestoreStatus();
      status.setPhase(phase);
      status.setPodName("fcr-web-restore");
      status.setNodeName("worker-1");
      status.setMessage(phase == io.ckpt.forensics.api.RestorePhase.Creating ? "sandbox pod created" : null);
      restore.setStatus(status);
      restores.inNamespace(CASES).resource(restore).updateStatus();
      Thread.sleep(2500); // longer than the plugin's poll interval: it sees each phase
    }
    Run followed = waiting.get(120, TimeUnit.SECONDS);
    assertThat(followed.exit()).as(followed.all()).isZero();
    assertThat(followed.out()).isEqualTo("checkpointrestore.forensics.ckpt.io/web-restore created in namespace cases\n"
        + "phase Creating pod fcr-web-restore on node worker-1: sandbox pod created\n"
        + "phase Running pod fcr-web-restore on node worker-1\n"
        + "Running: sandbox pod fcr-web-restore on node worker-1; watch it with kubectl get pod fcr-web-restore -n cases\n");
    System.out.println("KubectlFcpIT: $ kubectl fcp restore suspect-inc42 --node worker-1  (no right)\n" + refused.err()
        + "$ kubectl fcp restore web-inc7 -n cases --node worker-1 --name web-restore --wait\n" + followed.out());
  }

  /** kubectl (1.26+) completes `kubectl fcp ...` by asking kubectl_complete-fcp on PATH. */
  @Test
  void kubectlCompletesThePluginThroughKubectlCompleteFcp() throws Exception {
    CLUSTER.fcps().create(NS, "completion-target", "suspect", "app");

    Run commands = kubectl(responder, "__complete", "fcp", "");
    Run names = kubectl(responder, "__complete", "fcp", "describe", "completion-t");
    Run options = kubectl(responder, "__complete", "fcp", "take", "suspect", "--re");

    assertThat(commands.exit()).as(commands.all()).isZero();
    assertThat(commands.out().lines().toList()).contains("take", "get", "describe", "fetch", "inspect", "restore",
        "completion").last().isEqualTo(":4");
    assertThat(names.out().lines().toList()).as(names.all()).containsExactly("completion-target", ":4");
    assertThat(options.out().lines().toList()).as(options.all()).containsExactly("--reason", ":4");

    Run script = kubectl(responder, "fcp", "completion", "bash");
    assertThat(script.exit()).as(script.all()).isZero();
    assertThat(script.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_kubectl-fcp");
  }

  /** A ForensicCheckpoint made by the admin in a namespace no operator watches. */
  private static ForensicCheckpoint checkpointObject(String namespace, String name) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    spec.setReason("S3 fetch test");
    fcp.setSpec(spec);
    return lab.adminClient().resource(fcp).create();
  }

  /** The archive taken into custody as a collector would for that object's container, encrypted to recipient A. */
  private static EvidenceFixtures.Stored custodyOf(byte[] archive, Path signingKey, ForensicCheckpoint of,
      String container, String storedName) throws IOException {
    var store = new java.io.ByteArrayOutputStream();
    var copy = io.ckpt.forensics.evidence.CustodyCopy.copy(new java.io.ByteArrayInputStream(archive), store,
        io.ckpt.forensics.evidence.OpenPgpRecipient.loadAll(List.of(EvidenceFixtures.keyFile(
            "test-only-recipient-a.pub.asc"))));
    var p = EvidenceFixtures.predicate(copy, null, null);
    var predicate = new io.ckpt.forensics.evidence.CustodyPredicate(p.requestedBy(), p.reason(), p.caseId(),
        new io.ckpt.forensics.evidence.CustodyPredicate.ObjectReference(of.getMetadata().getNamespace(),
            of.getMetadata().getName(), of.getMetadata().getUid()), p.pod(), p.podUid(), container, p.containerId(),
        p.image(), p.imageId(), p.node(), p.kubeletArchivePath(), p.times(), p.plaintext(), p.stored(), p.tool(),
        null, null);
    var record = io.ckpt.forensics.evidence.CustodyRecord.sign(io.ckpt.forensics.evidence.InTotoStatement.custody(
        storedName, predicate), io.ckpt.forensics.evidence.SigningKey.load(signingKey));
    return new EvidenceFixtures.Stored(archive, store.toByteArray(), record);
  }

  /** What the operator writes once a collector stored the archive in S3, written here as the admin. */
  private static void storedInS3(ForensicCheckpoint created, String location, EvidenceFixtures.Stored custody) {
    ContainerCheckpointStatus app = new ContainerCheckpointStatus();
    app.setName("app");
    app.setPhase(ContainerPhase.Succeeded);
    EvidenceStatus evidence = new EvidenceStatus();
    evidence.setPhase(EvidencePhase.Stored);
    evidence.setLocation(location);
    evidence.setRecordLocation(location + ".dsse.json");
    evidence.setEncrypted(true);
    evidence.setRecipients(List.of(EvidenceFixtures.RECIPIENT_A));
    evidence.setStoredBytes((long) custody.stored().length);
    app.setEvidence(evidence);
    ForensicCheckpointStatus status = new ForensicCheckpointStatus();
    status.setPhase(CheckpointPhase.Succeeded);
    status.getContainers().add(app);
    created.setStatus(status);
    lab.adminClient().resource(created).updateStatus();
  }

  /** fcp run in this JVM, as the plugin runs it. */
  static String fcp(String... args) {
    StringWriter out = new StringWriter();
    int code = FcpMain.run(args, new PrintWriter(out), new PrintWriter(new StringWriter()));
    assertThat(code).as("fcp " + String.join(" ", args)).isZero();
    return out.toString();
  }

  static Run kubectl(Path kubeconfig, String... args) throws Exception {
    return plugin.run(kubeconfig, args);
  }

  static Run kubectl(Path kubeconfig, Map<String, String> extraEnv, String... args) throws Exception {
    return plugin.run(kubeconfig, extraEnv, args);
  }
}
