package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.ckpt.forensics.operator.OperatorMain;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 100 ForensicCheckpoints of one container created at once: the kubelet names archives after the
 * container and the second, so the calls must not only take turns but also fall in different
 * seconds, or one archive would be written into another.
 */
class ManyCheckpointsOfOneContainerIT {

  static final int OBJECTS = 100;

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("many-it").nodes(1), Map.of());

  @Test
  void aHundredAtOnceTakeTurnsAndEachGetsAnArchiveOfItsOwn() throws Exception {
    Lab lab = CLUSTER.lab();
    Checkpoints fcps = CLUSTER.fcps();
    SimulatedNode node = lab.node(1);
    lab.createRunningPod("ir", "suspect", node, "app");
    try (OperatorMain.Running operator = CLUSTER.chart().startOperator(ChartRelease.testConfig())) {
      fcps.createAtOnce("ir", "burst", OBJECTS, "suspect", "app");
      // one call at a time, at least 1.1 s apart: about two minutes for 100
      List<ForensicCheckpoint> done = fcps.awaitAllTerminal("ir", OBJECTS, Duration.ofSeconds(OBJECTS * 2 + 60));

      assertThat(done).allSatisfy(f -> assertThat(f.getStatus().getPhase()).as(f.getStatus().getMessage())
          .isEqualTo(CheckpointPhase.Succeeded));
      List<ContainerCheckpointStatus> apps = done.stream().map(f -> Checkpoints.container(f, "app")).toList();
      assertThat(apps).allSatisfy(c -> assertThat(c.getAttempts()).isEqualTo(1));
      assertThat(apps.stream().map(ContainerCheckpointStatus::getArchivePath).distinct())
          .as("every object names an archive of its own").hasSize(OBJECTS);
      assertThat(node.archiveNameCollisions()).as("no archive path was handed out twice").isZero();
      assertThat(node.sameContainerOverlaps()).as("calls of one container never overlap").isZero();
      assertThat(CheckpointIT.callsFor(node, "suspect")).as("one call per object").hasSize(OBJECTS);

      List<Instant> starts = apps.stream().map(c -> Instant.parse(c.getStartedAt())).sorted(Comparator.naturalOrder())
          .toList();
      for (int i = 1; i < starts.size(); i++) {
        assertThat(Duration.between(starts.get(i - 1), starts.get(i))).as("gap before call " + (i + 1))
            .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      }
    }
  }
}
