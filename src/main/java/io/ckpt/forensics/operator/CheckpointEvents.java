package io.ckpt.forensics.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits core/v1 Events on a ForensicCheckpoint (or a CheckpointPolicy), as {@code kubectl describe} shows them. An event
 * that cannot be written is logged and dropped: events are a courtesy, status is the record. The
 * event is built at once and written by {@code writer}: in the operator an {@link EventWriter}, so
 * that API calls for events never delay a checkpoint.
 */
final class CheckpointEvents {

  static final String COMPONENT = "forensic-checkpoint-operator";
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointEvents.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final Writer writer;

  /** Runs the write of one Event; {@code objectKey} names the object the event is about. */
  @FunctionalInterface
  interface Writer {
    void write(String objectKey, Runnable task);
  }

  CheckpointEvents(KubernetesClient client, Clock clock, String instance, Writer writer) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
    this.writer = writer;
  }

  void normal(HasMetadata fcp, String reason, String message) {
    emit(fcp, "Normal", reason, message);
  }

  void warning(HasMetadata fcp, String reason, String message) {
    emit(fcp, "Warning", reason, message);
  }

  private void emit(HasMetadata fcp, String type, String reason, String message) {
    var meta = fcp.getMetadata();
    String now = Instant.now(clock).toString();
    var event = new EventBuilder()
        .withNewMetadata().withGenerateName(meta.getName() + ".").withNamespace(meta.getNamespace()).endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(fcp.getApiVersion()).withKind(fcp.getKind())
            .withNamespace(meta.getNamespace()).withName(meta.getName()).withUid(meta.getUid())
            .withResourceVersion(meta.getResourceVersion()).build())
        .withType(type).withReason(reason).withMessage(message)
        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT).withReportingInstance(instance)
        .build();
    try {
      writer.write(meta.getUid() != null ? meta.getUid() : meta.getNamespace() + "/" + meta.getName(), () -> {
        try {
          client.v1().events().inNamespace(meta.getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
          LOG.warn("event not recorded fcp={}/{} reason={} code={} error={}", meta.getNamespace(), meta.getName(),
              reason, e.getCode(), e.getStatus() == null ? e.getClass().getSimpleName() : e.getStatus().getReason());
        }
      });
    } catch (RejectedExecutionException stopping) {
      LOG.debug("event not recorded (stopping) fcp={}/{} reason={}", meta.getNamespace(), meta.getName(), reason);
    }
  }
}
