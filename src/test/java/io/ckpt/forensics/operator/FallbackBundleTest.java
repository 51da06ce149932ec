package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.CheckpointFailure;
import io.ckpt.forensics.api.FailureReason;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fallback bundle's document: bounded, hostile text kept as data, every omission said (issue 12 §4). */
class FallbackBundleTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void holdsThePodItsStatusesEventsLogsAndNodeAndWhyTheCheckpointFailed() throws Exception {
    JsonNode doc = read(FallbackBundle.build(input(pod(), List.of(event("Started", "2026-12-01T10:00:00Z")),
        List.of(log("app", "hello\n")), node())));

    assertThat(doc.path("kind").asText()).isEqualTo(FallbackBundle.KIND);
    assertThat(doc.path("checkpointFailure").path("reason").asText()).isEqualTo("CRIUFailed");
    assertThat(doc.path("forensicCheckpoint").path("uid").asText()).isEqualTo("0123456789abcdef");
    assertThat(doc.path("pod").path("metadata").path("uid").asText()).isEqualTo("pod-uid");
    assertThat(doc.path("pod").path("metadata").has("managedFields")).isFalse();
    assertThat(doc.path("containerStatuses").get(0).path("containerID").asText()).isEqualTo("containerd://abc");
    assertThat(doc.path("events").get(0).path("reason").asText()).isEqualTo("Started");
    assertThat(doc.path("logs").get(0).path("text").asText()).isEqualTo("hello\n");
    assertThat(doc.path("node").path("nodeInfo").path("kubeletVersion").asText()).isEqualTo("v1.37.2");
    assertThat(doc.path("omitted")).isEmpty();
  }

  @Test
  void hostileTextIsEscapedDataAndTheDocumentIsAscii() throws Exception {
    String hostile = "\u001b]0;owned\u0007\u202eevil\"},\"forged\":true,{\"\u0000 ok\n";
    byte[] bytes = FallbackBundle.build(input(pod(), List.of(event(hostile, "2026-12-01T10:00:00Z")),
        List.of(log("app", hostile)), node()));

    for (byte b : bytes) {
      assertThat(b & 0xff).as("ASCII, no control characters").isBetween(0x20, 0x7e);
    }
    JsonNode doc = read(bytes);
    assertThat(doc.has("forged")).isFalse();
    assertThat(doc.path("logs").get(0).path("text").asText()).as("kept exactly").isEqualTo(hostile);
    assertThat(doc.path("events").get(0).path("reason").asText()).isEqualTo(hostile);
  }

  @Test
  void aLogThatIsNotUtf8IsKeptAsBase64() throws Exception {
    byte[] binary = {(byte) 0xff, (byte) 0xfe, 'a', 0, (byte) 0xc3};
    JsonNode doc = read(FallbackBundle.build(input(pod(), List.of(),
        List.of(new FallbackBundle.Log("app", binary, false, null)), node())));

    JsonNode log = doc.path("logs").get(0);
    assertThat(log.path("encoding").asText()).isEqualTo("base64");
    assertThat(Base64.getDecoder().decode(log.path("base64").asText())).isEqualTo(binary);
  }

  @Test
  void aLongLogKeepsItsLastBytesFromACharacterBoundaryAndSaysSo() throws Exception {
    byte[] log = ("\u00e9".repeat(100_000) + "THE END\n").getBytes(StandardCharsets.UTF_8);
    JsonNode doc = read(FallbackBundle.build(input(pod(), List.of(),
        List.of(new FallbackBundle.Log("app", log, true, null)), node())));

    JsonNode kept = doc.path("logs").get(0);
    assertThat(kept.path("encoding").asText()).as("not cut inside a character").isEqualTo("utf-8");
    assertThat(kept.path("text").asText()).endsWith("\u00e9THE END\n");
    assertThat(kept.path("bytes").asInt()).isLessThanOrEqualTo(FallbackBundle.LOG_BYTES);
    assertThat(kept.path("startCut").asBoolean()).isTrue();
    assertThat(kept.path("endMayBeMissing").asBoolean()).isTrue();
    assertThat(doc.path("omitted").toString()).contains("all but the last").contains("very end may be missing");
  }

  @Test
  void manyContainersWithEscapeHeavyLogsStillFitTheSecret() {
    List<FallbackBundle.Log> logs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      // each non-ASCII character becomes six bytes when escaped
      logs.add(log("c" + i, "\u4e00".repeat(FallbackBundle.LOG_READ_WINDOW / 3)));
    }
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      events.add(event("x".repeat(5000), "2026-12-01T10:%02d:%02dZ".formatted(i / 60, i % 60)));
    }
    Pod pod = pod();
    pod.getMetadata().setAnnotations(java.util.Map.of("huge", "\u4e00".repeat(200_000)));

    byte[] bytes = FallbackBundle.build(input(pod, events, logs, node()));

    assertThat(bytes.length).isLessThanOrEqualTo(FallbackBundle.MAX_BYTES);
  }

  @Test
  void theNewestEventsAreKeptAndLongMessagesAreCut() throws Exception {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      events.add(event("e" + i, "2026-12-01T10:%02d:00Z".formatted(i)));
    }
    events.add(event("long", "2026-12-01T11:30:00Z"));
    events.get(events.size() - 1).setMessage("m".repeat(5000));
    JsonNode doc = read(FallbackBundle.build(input(pod(), events, List.of(), node())));

    JsonNode kept = doc.path("events");
    assertThat(kept).hasSize(FallbackBundle.MAX_EVENTS);
    assertThat(kept.get(0).path("reason").asText()).isEqualTo("long");
    assertThat(kept.get(0).path("message").asText()).hasSizeLessThan(1100).endsWith("more characters]");
    assertThat(kept.get(1).path("reason").asText()).isEqualTo("e79");
    assertThat(doc.path("omitted").toString()).contains("31 older ones");
  }

  @Test
  void aHugePodLosesItsAnnotationsFirstAndTheBundleSaysSo() throws Exception {
    Pod pod = pod();
    pod.getMetadata().setAnnotations(java.util.Map.of("big", "a".repeat(FallbackBundle.MAX_POD_BYTES)));
    JsonNode doc = read(FallbackBundle.build(input(pod, List.of(), List.of(), node())));

    assertThat(doc.path("pod").path("metadata").has("annotations")).isFalse();
    assertThat(doc.path("pod").path("metadata").path("uid").asText()).isEqualTo("pod-uid");
    assertThat(doc.path("pod").path("spec").path("containers")).isNotEmpty();
    assertThat(doc.path("omitted").toString()).contains("metadata.annotations");
  }

  @Test
  void whatCouldNotBeReadIsRecordedNotFatal() throws Exception {
    var in = new FallbackBundle.Input(fcp(), FallbackBundlesTest.failed(FailureReason.CRIUFailed),
        Instant.parse("2026-12-01T10:00:00Z"), null, "pod unavailable: HTTP 403: forbidden", null, false,
        "events unavailable: HTTP 403: forbidden", List.of(FallbackBundle.Log.unavailable("app",
            "logs unavailable: HTTP 502: the node did not answer")), null, "node unavailable: HTTP 403: forbidden");
    JsonNode doc = read(FallbackBundle.build(in));

    assertThat(doc.path("pod").isNull()).isTrue();
    assertThat(doc.path("podUnavailable").asText()).contains("403");
    assertThat(doc.path("eventsUnavailable").asText()).contains("403");
    assertThat(doc.path("logs").get(0).path("unavailable").asText()).startsWith("logs unavailable: HTTP 502");
    assertThat(doc.path("nodeUnavailable").asText()).contains("403");
  }

  static FallbackBundle.Input input(Pod pod, List<Event> events, List<FallbackBundle.Log> logs, Node node) {
    var failed = FallbackBundlesTest.failed(FailureReason.CRIUFailed);
    failed.setFailure(new CheckpointFailure(FailureReason.CRIUFailed, "criu failed", 500));
    return new FallbackBundle.Input(fcp(), failed, Instant.parse("2026-12-01T10:00:00Z"), pod, null, events,
        false, null, logs, node, null);
  }

  static ForensicCheckpoint fcp() {
    return CollectorPodsTest.fcp();
  }

  static Pod pod() {
    return new PodBuilder().withNewMetadata().withName("web").withNamespace("dev").withUid("pod-uid")
        .addNewManagedField().withManager("kubectl").endManagedField().endMetadata()
        .withNewSpec().withNodeName("worker-1").addNewContainer().withName("app").withImage("nginx").endContainer()
        .endSpec()
        .withNewStatus().withPhase("Running").withContainerStatuses(new ContainerStatusBuilder().withName("app")
            .withContainerID("containerd://abc").withImage("nginx").withReady(true).build()).endStatus()
        .build();
  }

  static Event event(String reason, String lastTimestamp) {
    return new EventBuilder().withNewMetadata().withName("web." + reason.hashCode()).endMetadata()
        .withType("Normal").withReason(reason).withMessage("message of " + reason.length())
        .withLastTimestamp(lastTimestamp).withNewInvolvedObject().withKind("Pod").withName("web").withUid("pod-uid")
        .endInvolvedObject().build();
  }

  static FallbackBundle.Log log(String container, String text) {
    return new FallbackBundle.Log(container, text.getBytes(StandardCharsets.UTF_8), false, null);
  }

  static Node node() {
    return new NodeBuilder().withNewMetadata().withName("worker-1").withUid("node-uid").endMetadata()
        .withNewStatus().withNewNodeInfo().withKubeletVersion("v1.37.2").withContainerRuntimeVersion("containerd://2.1.0")
        .endNodeInfo().addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
        .withMessage("kubelet is posting ready status").endCondition().endStatus().build();
  }

  static JsonNode read(byte[] bytes) throws Exception {
    return JSON.readTree(bytes);
  }

  static byte[] unused() {
    return Arrays.copyOf(new byte[0], 0);
  }
}
