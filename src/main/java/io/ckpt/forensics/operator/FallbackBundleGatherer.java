package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ContainerCheckpointStatus;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.URLUtils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads from the API server what a {@link FallbackBundle} holds: the pod, its events, each
 * container's log tail (pods/log, served by the node's kubelet through the API server) and the
 * node. A part that cannot be read is recorded with the reason (a denied right, a node that does
 * not answer), never fails the bundle. Every read is bounded: events by a list limit, each log by
 * limitBytes and by this reader, which stops after {@link FallbackBundle#LOG_BYTES} whatever a
 * compromised kubelet sends.
 */
final class FallbackBundleGatherer {

  /** Events listed at most; the newest {@link FallbackBundle#MAX_EVENTS} of them are kept. */
  static final int EVENTS_LISTED = 500;
  /** How long one container's log may take to arrive. */
  static final Duration LOG_READ_LIMIT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final Clock clock;

  FallbackBundleGatherer(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  FallbackBundle.Input gather(ForensicCheckpoint fcp, ContainerCheckpointStatus failed) {
    String namespace = fcp.getMetadata().getNamespace();
    String podName = fcp.getSpec().getPodName();
    var gatheredAt = clock.instant();
    Pod pod = null;
    String podUnavailable = null;
    try {
      pod = client.pods().inNamespace(namespace).withName(podName).get();
      if (pod == null) {
        podUnavailable = "pod " + namespace + "/" + podName + " does not exist any more";
      } else if (fcp.getStatus().getPodUID() != null && !fcp.getStatus().getPodUID().equals(pod.getMetadata()
          .getUid())) {
        podUnavailable = "pod " + namespace + "/" + podName + " was replaced (UID " + fcp.getStatus().getPodUID()
            + " -> " + pod.getMetadata().getUid() + "): the replacement is not recorded";
        pod = null;
      }
    } catch (KubernetesClientException e) {
      podUnavailable = "pod unavailable: " + why(e);
    }

    List<Event> events = null;
    boolean moreEvents = false;
    String eventsUnavailable = null;
    try {
      String uid = fcp.getStatus().getPodUID();
      EventList list = client.v1().events().inNamespace(namespace)
          .withField("involvedObject.kind", "Pod").withField("involvedObject.name", podName)
          .list(new ListOptionsBuilder().withLimit((long) EVENTS_LISTED).build());
      events = new ArrayList<>(list.getItems().stream().filter(e -> uid == null || e.getInvolvedObject() == null
          || e.getInvolvedObject().getUid() == null || uid.equals(e.getInvolvedObject().getUid())).toList());
      moreEvents = list.getMetadata() != null && list.getMetadata().getContinue() != null
          && !list.getMetadata().getContinue().isEmpty();
    } catch (KubernetesClientException e) {
      eventsUnavailable = "events unavailable: " + why(e);
    }

    List<FallbackBundle.Log> logs = new ArrayList<>();
    if (pod != null) {
      for (var c : pod.getSpec().getContainers()) {
        logs.add(log(namespace, podName, c.getName()));
      }
    } else {
      logs.add(FallbackBundle.Log.unavailable(failed.getName(), "logs unavailable: the pod was not read"));
    }

    Node node = null;
    String nodeUnavailable = null;
    String nodeName = fcp.getStatus().getNodeName();
    try {
      node = client.nodes().withName(nodeName).get();
      if (node == null) {
        nodeUnavailable = "node " + nodeName + " does not exist any more";
      }
    } catch (KubernetesClientException e) {
      nodeUnavailable = "node unavailable: " + why(e);
    }
    return new FallbackBundle.Input(fcp, failed, gatheredAt, pod, podUnavailable, events, moreEvents,
        eventsUnavailable, logs, node, nodeUnavailable);
  }

  /**
   * The log's last lines: the API serves limitBytes from the start of the last {@code tailLines}
   * lines, so a window four times the kept size is read, and the bundle keeps its end. A read that
   * fills the window may miss the log's very end (long lines); the bundle says so. A plain GET of
   * pods/log with the client's own credentials: the client's log DSL first waits for the pod to be
   * ready with a list and watch of pods, a right the operator does not have and a wait it must not
   * make. A node that sends slowly is cut off after {@link #LOG_READ_LIMIT}.
   */
  private FallbackBundle.Log log(String namespace, String pod, String container) {
    int window = FallbackBundle.LOG_READ_WINDOW;
    String url = URLUtils.join(client.getConfiguration().getMasterUrl(), "api", "v1", "namespaces", namespace,
        "pods", pod, "log") + "?container=" + URLEncoder.encode(container, StandardCharsets.UTF_8) + "&tailLines="
        + FallbackBundle.LOG_LINES + "&limitBytes=" + window;
    HttpClient http = client.getHttpClient();
    HttpResponse<InputStream> response;
    try {
      response = http.sendAsync(http.newHttpRequestBuilder().uri(url).build(), InputStream.class)
          .get(LOG_READ_LIMIT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return FallbackBundle.Log.unavailable(container, "logs unavailable: interrupted");
    } catch (ExecutionException | TimeoutException e) {
      return FallbackBundle.Log.unavailable(container, "logs unavailable: no answer within " + LOG_READ_LIMIT
          .toSeconds() + " s (" + (e.getCause() == null ? e.getClass().getSimpleName()
              : e.getCause().getClass().getSimpleName()) + ")");
    }
    try (InputStream in = response.body()) {
      CompletableFuture.runAsync(() -> closeQuietly(in),
          CompletableFuture.delayedExecutor(LOG_READ_LIMIT.toSeconds(), TimeUnit.SECONDS));
      if (response.code() != 200) {
        // the API server's Status, or the kubelet's text relayed: a short, escaped excerpt
        String body = new String(in.readNBytes(1024), StandardCharsets.UTF_8);
        return FallbackBundle.Log.unavailable(container, "logs unavailable: HTTP " + response.code() + ": "
            + FallbackBundle.text(statusMessage(body)));
      }
      // one byte more than asked for: a kubelet that ignores limitBytes is not read any further
      byte[] read = in.readNBytes(window + 1);
      boolean endMissing = read.length >= window;
      return new FallbackBundle.Log(container, read.length > window ? Arrays.copyOf(read, window) : read,
          endMissing, null);
    } catch (IOException | RuntimeException e) {
      return FallbackBundle.Log.unavailable(container, "logs unavailable: reading stopped ("
          + e.getClass().getSimpleName() + ")");
    }
  }

  /** The message of a Kubernetes Status body, or the body itself. */
  private static String statusMessage(String body) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      if (node != null && node.path("message").isTextual()) {
        return node.path("message").asText();
      }
    } catch (IOException e) {
      // not JSON (cut at 1 KiB, or plain text): the text itself
    }
    return body.strip();
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // closing only ends a read that took too long
    }
  }

  /** The API server's answer in a few words: its code and (shortened) message, never a stack trace. */
  private static String why(KubernetesClientException e) {
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    return "HTTP " + e.getCode() + (message == null ? "" : ": " + FallbackBundle.text(message));
  }
}
