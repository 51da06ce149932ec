package io.ckpt.forensics.bench;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The core/v1 Events the API server holds about each ForensicCheckpoint of a run, by reason: what
 * {@code kubectl describe} shows a user, as opposed to what the operator meant to write. An object is
 * expected to carry every reason that any object of the run carries (in a run where all succeed:
 * requested, per container checkpointed, succeeded), so a dropped Event shows as a missing reason.
 */
record StoredEvents(Map<String, Map<String, Integer>> reasonsByObject) {

  private static final long PAGE = 500;
  /** Bounds the listing: far more pages than a 10k-object run needs. */
  private static final int MAX_PAGES = 400;

  /** Lists the Events on the given ForensicCheckpoints of {@code namespace}, page by page. */
  static StoredEvents list(KubernetesClient client, String namespace, Set<String> objects) {
    Map<String, Map<String, Integer>> reasons = new TreeMap<>();
    objects.forEach(name -> reasons.put(name, new TreeMap<>()));
    String next = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      EventList list = client.v1().events().inNamespace(namespace)
          .withField("involvedObject.kind", "ForensicCheckpoint")
          .list(new ListOptionsBuilder().withLimit(PAGE).withContinue(next).build());
      for (Event event : list.getItems()) {
        Map<String, Integer> of = reasons.get(event.getInvolvedObject().getName());
        if (of != null) {
          of.merge(event.getReason(), 1, Integer::sum);
        }
      }
      next = list.getMetadata().getContinue();
      if (next == null || next.isEmpty()) {
        return new StoredEvents(reasons);
      }
    }
    throw new IllegalStateException("more than " + MAX_PAGES * PAGE + " Events in " + namespace
        + ": raise StoredEvents.MAX_PAGES");
  }

  int stored() {
    return reasonsByObject.values().stream().flatMap(r -> r.values().stream()).mapToInt(Integer::intValue).sum();
  }

  /** Every reason seen on any object: what each object should carry. */
  Set<String> expectedReasons() {
    return reasonsByObject.values().stream().flatMap(r -> r.keySet().stream())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  int expected() {
    return expectedReasons().size() * reasonsByObject.size();
  }

  /** Objects lacking at least one expected reason. */
  long objectsMissingAnEvent() {
    Set<String> expected = expectedReasons();
    return reasonsByObject.values().stream().filter(r -> !r.keySet().containsAll(expected)).count();
  }

  /** "CheckpointRequested 1.00, ContainerCheckpointed 0.41, ..." per object. */
  String perObjectByReason() {
    int objects = Math.max(1, reasonsByObject.size());
    Map<String, Integer> total = new TreeMap<>();
    reasonsByObject.values().forEach(r -> r.forEach((reason, n) -> total.merge(reason, n, Integer::sum)));
    return total.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(),
        e.getValue() / (double) objects)).collect(Collectors.joining(", "));
  }
}
