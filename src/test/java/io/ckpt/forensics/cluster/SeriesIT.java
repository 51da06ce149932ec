package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerPhase;
import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.SeriesRound;
import io.ckpt.forensics.api.SeriesRoundContainer;
import io.ckpt.forensics.api.SeriesSpec;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.evidence.CustodyPredicate;
import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.Measurement;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A series of checkpoints over time (issue 12 §5) end to end: three rounds of one container, ten
 * seconds apart, each archive stored with a custody record that names the round before it, and the
 * operator killed (SIGKILL) between two rounds: the next operator takes each round once.
 */
class SeriesIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = CollectionIT.withFileCustody(LabOptions.defaults().name("series-it").nodes(1));
  static Lab lab;
  static Path publicKey;

  @BeforeAll
  static void aSigningKey() throws Exception {
    lab = CLUSTER.lab();
    publicKey = CollectionIT.signingKeySecret(lab);
  }

  @Test
  void threeRoundsAreTakenOnceEachAndTheirRecordsVerifyAsOneChainAcrossAnOperatorKill() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("dev", "watched", node, "app");
    Path kubeconfig = CLUSTER.chart().operatorKubeconfig(lab.runDir().resolve("operator-series.kubeconfig"));
    create("timeline", "watched", new SeriesSpec(3, SeriesSpec.MIN_INTERVAL_SECONDS));

    try (OperatorProcess first = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-series-1.log"),
        CollectionIT.env())) {
      ForensicCheckpoint between = awaitFinishedRounds("timeline", 1);
      assertThat(between.getStatus().getPhase()).as("rounds are left").isEqualTo(CheckpointPhase.Running);
      assertThat(between.getStatus().getSeries().getProgress()).isEqualTo("2/3");
      first.kill();
    }

    ForensicCheckpoint done;
    try (OperatorProcess second = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-series-2.log"),
        CollectionIT.env())) {
      done = CLUSTER.fcps().awaitTerminal("dev", "timeline", Duration.ofSeconds(120));
      assertThat(done.getStatus().getPhase()).as(second.log()).isEqualTo(CheckpointPhase.Succeeded);
    }

    var series = done.getStatus().getSeries();
    assertThat(series.getProgress()).isEqualTo("3/3");
    assertThat(series.getRounds()).extracting(SeriesRound::getRound).containsExactly(1, 2, 3);
    assertThat(CheckpointIT.callsFor(node, "watched")).as("each round's kubelet call once, across the kill")
        .hasSize(3);
    assertThat(node.archiveNameCollisions()).isZero();
    Instant start = Instant.parse(done.getStatus().getStartTime());
    List<Path> records = new ArrayList<>();
    for (SeriesRound round : series.getRounds()) {
      System.out.printf("series round %d due %s started %s finished %s%n", round.getRound(), round.getDueAt(),
          round.getContainers().get(0).getStartedAt(), round.getFinishedAt());
      assertThat(round.getDueAt()).as("round %s is due at start + (k-1) x interval", round.getRound())
          .isEqualTo(start.plusSeconds((round.getRound() - 1L) * SeriesSpec.MIN_INTERVAL_SECONDS).toString());
      SeriesRoundContainer app = round.getContainers().get(0);
      assertThat(app.getPhase()).isEqualTo(ContainerPhase.Succeeded);
      assertThat(app.getAttempts()).as("no round retried").isEqualTo(1);
      assertThat(app.getEvidence()).isEqualTo(EvidencePhase.Stored);
      assertThat(Instant.parse(app.getStartedAt())).as("not before its time")
          .isAfterOrEqualTo(Instant.parse(round.getDueAt()));
      Path record = Path.of(URI.create(app.getRecordLocation()));
      assertThat(Measurement.of(Files.readAllBytes(record)).sha256()).isEqualTo(app.getRecordSha256());
      CustodyPredicate predicate = CustodyRecord.parse(Files.readAllBytes(record)).statement().predicate();
      assertThat(predicate.series()).isEqualTo(new CustodyPredicate.SeriesPosition(round.getRound() - 1, 3));
      try (InputStream evidence = Files.newInputStream(Path.of(URI.create(app.getLocation())))) {
        byte[] previous = records.isEmpty() ? null : Files.readAllBytes(records.get(records.size() - 1));
        assertThat(new CustodyVerifier(VerificationKey.load(publicKey), null).verify(Files.readAllBytes(record),
            evidence, previous)).noneMatch(VerificationCheck::failed);
      }
      records.add(record);
    }

    List<byte[]> files = new ArrayList<>();
    for (Path record : records) {
      files.add(Files.readAllBytes(record));
    }
    assertThat(new CustodyVerifier(VerificationKey.load(publicKey), null).verifyChain(files))
        .noneMatch(VerificationCheck::failed);
    assertThat(fcpVerifyChain(records)).as("fcp verify --chain, oldest first").isZero();
    assertThat(fcpVerifyChain(List.of(records.get(0), records.get(2)))).as("thinned").isNotZero();
    assertThat(fcpVerifyChain(List.of(records.get(1), records.get(0), records.get(2)))).as("reordered").isNotZero();
  }

  @Test
  void aRoundWhoseCallAKillInterruptedIsRetriedOnceAndSaysSo() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    lab.createRunningPod("dev", "slow", node, "app");
    Path kubeconfig = CLUSTER.chart().operatorKubeconfig(lab.runDir().resolve("operator-series-kill.kubeconfig"));
    create("interrupted", "slow", new SeriesSpec(2, SeriesSpec.MIN_INTERVAL_SECONDS));

    try (OperatorProcess first = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-series-3.log"),
        CollectionIT.env())) {
      awaitFinishedRounds("interrupted", 1);
      node.setLatency(Duration.ofSeconds(6));
      CLUSTER.fcps().await("dev", "interrupted", Duration.ofSeconds(30), f -> f.getStatus().container("app")
          .map(c -> c.getPhase() == ContainerPhase.Running).orElse(false));
      Awaitility.await("round 2's call reached the kubelet").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50)).until(() -> node.checkpointsInProgress() == 1);
      first.kill();
    }
    Awaitility.await("the interrupted call ends on the kubelet").atMost(Duration.ofSeconds(20))
        .until(() -> CheckpointIT.callsFor(node, "slow").size() == 2);
    node.setLatency(Duration.ofMillis(200));

    try (OperatorProcess second = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-series-4.log"),
        CollectionIT.env())) {
      ForensicCheckpoint done = CLUSTER.fcps().awaitTerminal("dev", "interrupted", Duration.ofSeconds(120));
      assertThat(done.getStatus().getPhase()).as(second.log()).isEqualTo(CheckpointPhase.Succeeded);

      List<SeriesRound> rounds = done.getStatus().getSeries().getRounds();
      assertThat(rounds).hasSize(2);
      assertThat(rounds.get(0).getContainers().get(0).getAttempts()).isEqualTo(1);
      SeriesRoundContainer roundTwo = rounds.get(1).getContainers().get(0);
      assertThat(roundTwo.getAttempts()).as("the interrupted call and one retry, in round 2 only").isEqualTo(2);
      assertThat(roundTwo.getNote()).contains("interrupted by an operator restart");
      assertThat(CheckpointIT.callsFor(node, "slow")).as("round 1 once, round 2 twice as status says").hasSize(3);
      assertThat(fcpVerifyChain(rounds.stream().map(r -> Path.of(URI.create(r.getContainers().get(0)
          .getRecordLocation()))).toList())).isZero();
    }
  }

  static ForensicCheckpoint awaitFinishedRounds(String name, int rounds) {
    return CLUSTER.fcps().await("dev", name, Duration.ofSeconds(90), f -> f.getStatus() != null
        && f.getStatus().getSeries() != null && f.getStatus().getSeries().getRounds().size() == rounds);
  }

  static int fcpVerifyChain(List<Path> records) {
    List<String> args = new ArrayList<>(List.of("verify", "--key", publicKey.toString(), "--chain"));
    records.forEach(r -> args.add(r.toString()));
    StringWriter out = new StringWriter();
    return FcpMain.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter()));
  }

  static void create(String name, String pod, SeriesSpec series) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("dev").build());
    var spec = new io.ckpt.forensics.api.ForensicCheckpointSpec();
    spec.setPodName(pod);
    spec.setContainers(List.of("app"));
    spec.setReason("cluster test: a series");
    spec.setSeries(series);
    fcp.setSpec(spec);
    lab.adminClient().resource(fcp).create();
  }
}
