package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.SimulatedNode;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Whoever may create a ForensicCheckpoint may attach up to 256 KiB of annotations to it, and the
 * operator caches every object for as long as it exists. Here an operator with a 48 MiB heap meets
 * three times that in annotations, half of them present when it starts (its first list) and half
 * created while it runs (its watch), and still takes a checkpoint.
 */
class LargeObjectsIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("large-objects-it").nodes(1), Map.of());
  static Lab lab;
  static ChartRelease chart;
  static Checkpoints fcps;

  /** The image's collector and compiler flags, with a heap far smaller than the annotations below. */
  static final List<String> SMALL_HEAP = List.of("-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** 600 objects of 255 KiB: about 150 MiB of annotations, three times the heap. */
  static final int OBJECTS = 600;

  /** Just under the API server's limit of 256 KiB for all of an object's annotations together. */
  static final String NOTES = "n".repeat(255 * 1024);

  static final String BULK = "bulk";

  /** {@link #SMALL_HEAP} with a GC log in the run directory: a heap too small shows as back-to-back full GCs. */
  static List<String> jvmOptions() {
    List<String> options = new ArrayList<>(SMALL_HEAP);
    options.add("-Xlog:gc:file=" + lab.runDir().resolve("operator-large-gc.log"));
    return options;
  }

  @BeforeAll
  static void useCluster() {
    lab = CLUSTER.lab();
    chart = CLUSTER.chart();
    fcps = CLUSTER.fcps();
  }

  @Test
  void aSmallHeapHoldsObjectsWithHugeAnnotationsAndKeepsWorking() throws Exception {
    SimulatedNode node = lab.nodes().get(0);
    lab.createNamespace(BULK);
    lab.createRunningPod("dev", "target", node, "app");
    Path kubeconfig = chart.operatorKubeconfig(lab.runDir().resolve("operator-large.kubeconfig"));
    createLarge(0, OBJECTS / 2);

    try (OperatorProcess operator = OperatorProcess.start(kubeconfig, lab.runDir().resolve("operator-large.log"),
        Map.of(), jvmOptions())) {
      int port = operator.healthPort(Duration.ofSeconds(60));
      createLarge(OBJECTS / 2, OBJECTS);
      // every object reached the operator's cache and was decided (its pod does not exist)
      Awaitility.await("all " + OBJECTS + " objects decided").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> podNotFoundCount(port, operator), n -> n >= OBJECTS);

      ForensicCheckpoint probe = new ForensicCheckpoint();
      probe.setMetadata(new ObjectMetaBuilder().withName("after-the-flood").withNamespace("dev")
          .withLabels(Map.of("team", "blue")).withAnnotations(Map.of("example.com/notes", NOTES)).build());
      probe.setSpec(spec("target"));
      lab.adminClient().resource(probe).create();
      ForensicCheckpoint done = fcps.awaitTerminal("dev", "after-the-flood", Duration.ofSeconds(60));

      assertThat(done.getStatus().getPhase()).as(tail(operator)).isEqualTo(CheckpointPhase.Succeeded);
      assertThat(done.getMetadata().getLabels()).as("the status writes left the user's labels")
          .containsEntry("team", "blue");
      assertThat(done.getMetadata().getAnnotations()).as("and annotations").containsEntry("example.com/notes", NOTES);
      assertThat(operator.isAlive()).isTrue();
      assertThat(operator.log()).doesNotContain("OutOfMemoryError");
      String scrape = OperatorProcess.get(port, "/metrics").getValue();
      System.out.printf("LargeObjectsIT: %d objects with %d KiB of annotations each; operator heap now %s%n",
          OBJECTS, NOTES.length() / 1024, scrape.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
              .toList());
    }
  }

  /** Creates objects bulk-i for i in [from, to), each with 255 KiB of annotations, 4 at a time. */
  private static void createLarge(int from, int to) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> created = new ArrayList<>();
      IntStream.range(from, to).forEach(i -> created.add(pool.submit(() -> {
        ForensicCheckpoint fcp = new ForensicCheckpoint();
        fcp.setMetadata(new ObjectMetaBuilder().withName("bulk-" + i).withNamespace(BULK)
            .withAnnotations(Map.of("example.com/notes", NOTES)).build());
        fcp.setSpec(spec("absent"));
        lab.adminClient().resource(fcp).create();
      })));
      for (Future<?> f : created) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static ForensicCheckpointSpec spec(String pod) {
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName(pod);
    spec.setReason("large objects test");
    return spec;
  }

  /** Objects the operator has failed with PodNotFound, from its metrics (small, unlike listing them). */
  private static double podNotFoundCount(int port, OperatorProcess operator) throws Exception {
    assertThat(operator.isAlive()).as(tail(operator)).isTrue();
    String scrape = OperatorProcess.get(port, "/metrics").getValue();
    return scrape.lines().filter(l -> l.startsWith("fcp_checkpoints_total{") && l.contains("reason=\"PodNotFound\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static String tail(OperatorProcess operator) {
    String log = operator.log();
    return log.substring(Math.max(0, log.length() - 4000));
  }
}
