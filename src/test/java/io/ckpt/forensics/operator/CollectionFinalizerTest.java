package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.EvidencePhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The finalizer held while a collector runs: added and removed without touching others, never held for ever. */
@EnableKubernetesMockClient(crud = true)
class CollectionFinalizerTest {

  static final Instant DELETED = Instant.parse("2026-11-23T10:00:00Z");
  static final Duration DEADLINE = Duration.ofMinutes(30);

  KubernetesClient client;

  @Test
  void heldWhileCollectingAndRemovedAfterKeepingOtherFinalizers() {
    ForensicCheckpoint fcp = create(List.of("example.com/keep"));
    CollectionFinalizer finalizer = new CollectionFinalizer(client);

    ForensicCheckpoint held = finalizer.hold(fcp);
    assertThat(held.getMetadata().getFinalizers()).containsExactly("example.com/keep", CollectionFinalizer.NAME);
    assertThat(CollectionFinalizer.holds(held)).isTrue();
    assertThat(finalizer.hold(held)).as("held already: no request").isSameAs(held);

    ForensicCheckpoint released = finalizer.release(held);
    assertThat(released.getMetadata().getFinalizers()).containsExactly("example.com/keep");
    assertThat(finalizer.release(released)).as("not held: no request").isSameAs(released);
  }

  @Test
  void anObjectGoneMeanwhileIsNull() {
    ForensicCheckpoint fcp = create(null);
    client.resources(ForensicCheckpoint.class).inNamespace("dev").withName("inc").delete();

    assertThat(new CollectionFinalizer(client).hold(fcp)).isNull();
  }

  @Test
  void aDeletedObjectLetsGoOnceEveryCollectorReportedOrItsDeadlineHasPassed() {
    ForensicCheckpoint deleted = new ForensicCheckpoint();
    deleted.setMetadata(new ObjectMetaBuilder().withName("inc").withDeletionTimestamp(DELETED.toString()).build());
    Pod running = CollectorPodsTest.pod();
    Pod finished = CollectorPodsTest.finished(0, "{\"v\":1,\"result\":\"Stored\"}");

    assertThat(CollectionFinalizer.mayRelease(deleted, List.of(), DEADLINE, DELETED)).isTrue();
    assertThat(CollectionFinalizer.mayRelease(deleted, List.of(finished), DEADLINE, DELETED)).isTrue();
    assertThat(CollectionFinalizer.mayRelease(deleted, List.of(finished, running), DEADLINE, DELETED.plusSeconds(5)))
        .as("a collector still runs").isFalse();
    assertThat(CollectionFinalizer.mayRelease(deleted, List.of(running), DEADLINE,
        DELETED.plus(DEADLINE).plus(CollectionFinalizer.GRACE))).as("never for ever").isTrue();
  }

  @Test
  void onlyACollectingContainerNeedsIt() {
    var status = SeriesRoundsTest.roundDone(1, 2, EvidencePhase.Collecting);
    assertThat(CollectionFinalizer.collecting(status)).isTrue();
    status.getContainers().get(0).getEvidence().setPhase(EvidencePhase.Stored);
    assertThat(CollectionFinalizer.collecting(status)).isFalse();
  }

  ForensicCheckpoint create(List<String> finalizers) {
    ForensicCheckpoint fcp = new ForensicCheckpoint();
    fcp.setMetadata(new ObjectMetaBuilder().withName("inc").withNamespace("dev").withFinalizers(finalizers).build());
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("web");
    fcp.setSpec(spec);
    return client.resources(ForensicCheckpoint.class).inNamespace("dev").resource(fcp).create();
  }
}
