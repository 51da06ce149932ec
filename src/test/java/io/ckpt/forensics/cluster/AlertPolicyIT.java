package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.AlertmanagerSelector;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.CheckpointPolicy;
import io.ckpt.forensics.api.CheckpointPolicySpec;
import io.ckpt.forensics.api.FalcoPriority;
import io.ckpt.forensics.api.FalcoSelector;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.ForensicCheckpointSpec;
import io.ckpt.forensics.api.LabelMatcher;
import io.ckpt.forensics.api.OnBehalfOf;
import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Alert-driven checkpoints end to end (issue 15): the chart installed with alerts.enabled, the operator
 * running as its ServiceAccount with the receiver on HTTPS, alerts posted as Falco, Falcosidekick and
 * Alertmanager send them.
 */
class AlertPolicyIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("alert-policy-it").nodes(2),
      AlertSender.chartValues());
  /** The container the seed's alert names: its container.id is this ID's 12-hex prefix. */
  static final String SEED_CONTAINER_ID =
      "containerd://0ec4e55bc819bb1d49b9e73d9d599e90c7134d58de8e34799cdf3adac7e907ff";
  static final Duration WAIT = Duration.ofSeconds(60);
  static final ObjectMapper JSON = AlertSender.JSON;

  static Lab lab;
  static OperatorMain.Running operator;
  static AlertSender sender;
  static String TOKEN;

  @BeforeAll
  static void startOperatorWithReceiver() {
    lab = CLUSTER.lab();
    if (lab == null) {
      return;
    }
    sender = new AlertSender(lab);
    TOKEN = sender.token();
    operator = CLUSTER.chart().startOperator(sender.operatorConfig());
    sender.receiverPort(operator.alertsPort());
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  static byte[] seedAlert() {
    return AlertSender.seedAlert();
  }

  static HttpResponse<String> post(byte[] body, String token) throws Exception {
    return sender.post(body, token);
  }

  static JsonNode outcome(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("alerts").get(0);
  }

  static CheckpointPolicy policy(String namespace, String name, CheckpointPolicySpec spec) {
    return AlertSender.createPolicy(lab, namespace, name, spec);
  }

  static CheckpointPolicySpec terminalShellPolicy() {
    FalcoSelector falco = new FalcoSelector();
    falco.setRules(List.of("Terminal shell in container"));
    falco.setMinimumPriority(FalcoPriority.Notice);
    falco.setTags(List.of("shell"));
    falco.setRequiredOutputFields(List.of("container.id", "k8s.pod.name"));
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    spec.setFalco(falco);
    spec.setCaseIdTemplate("FALCO-{namespace}-{pod}");
    return spec;
  }

  /** The lab gives containers random IDs; the seed's pod needs the one its alert names. */
  static void giveContainerTheSeedsId(String namespace, String pod, String container) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Pod current = lab.adminClient().pods().inNamespace(namespace).withName(pod).get();
      for (ContainerStatus s : current.getStatus().getContainerStatuses()) {
        if (s.getName().equals(container)) {
          s.setContainerID(SEED_CONTAINER_ID);
        }
      }
      try {
        lab.adminClient().pods().inNamespace(namespace).resource(current).updateStatus();
      } catch (KubernetesClientException conflict) {
        return false;
      }
      return lab.adminClient().pods().inNamespace(namespace).withName(pod).get().getStatus().getContainerStatuses()
          .stream().anyMatch(s -> SEED_CONTAINER_ID.equals(s.getContainerID()));
    });
  }

  @Test
  void theSeedsFalcoAlertCheckpointsTheAlertingContainer() throws Exception {
    lab.createRunningPod("dev", "nettools", lab.nodes().get(0), "sidecar", "nettools");
    policy("dev", "terminal-shell", terminalShellPolicy());
    giveContainerTheSeedsId("dev", "nettools", "nettools");

    JsonNode first = outcome(post(seedAlert(), TOKEN));

    assertThat(first.get("outcome").asText()).as(first.toString()).isEqualTo("Created");
    String name = first.get("checkpoint").asText();
    ForensicCheckpoint done = CLUSTER.fcps().awaitTerminal("dev", name, WAIT);
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getSpec().getPodName()).isEqualTo("nettools");
    assertThat(done.getSpec().getContainers()).as("the container whose ID starts with 0ec4e55bc819")
        .containsExactly("nettools");
    assertThat(done.getSpec().getReason()).startsWith("falco alert Terminal shell in container (Notice) at"
        + " 2022-08-20T13:04:52.730542214Z: 13:04:52.730542214: Notice A shell was spawned");
    assertThat(done.getSpec().getCaseId()).isEqualTo("FALCO-dev-nettools");
    assertThat(done.getMetadata().getLabels()).containsEntry(CheckpointPolicy.POLICY_LABEL, "terminal-shell")
        .containsEntry(CheckpointPolicy.ALERT_SOURCE_LABEL, "falco")
        .containsEntry(CheckpointPolicy.ALERT_RULE_LABEL, "Terminal_shell_in_container")
        .containsEntry(CheckpointPolicy.ALERT_PRIORITY_LABEL, "Notice");
    JsonNode annotation = JSON.readTree(done.getMetadata().getAnnotations().get(CheckpointPolicy.ALERT_ANNOTATION));
    assertThat(annotation.get("fields").get("container.id").asText()).isEqualTo("0ec4e55bc819");
    assertThat(done.getSpec().getRequestedBy().getUsername()).as("the requester admission records the operator")
        .isEqualTo("system:serviceaccount:" + ChartRelease.NAMESPACE + ":" + ChartRelease.SERVICE_ACCOUNT);
    assertThat(done.getSpec().getRequestedBy().getOnBehalfOf()).as("on behalf of the policy, for this alert")
        .isEqualTo(new OnBehalfOf(OnBehalfOf.POLICY_KIND, "terminal-shell",
            done.getMetadata().getAnnotations().get(CheckpointPolicy.ALERT_ANNOTATION)));

    JsonNode again = outcome(post(seedAlert(), TOKEN));
    assertThat(again.get("outcome").asText()).isEqualTo("Deduplicated");

    awaitPolicyStatus("dev", "terminal-shell", status -> {
      assertThat(status.getMatched()).isEqualTo(2);
      assertThat(status.getCreated()).isEqualTo(1);
      assertThat(status.getDeduplicated()).isEqualTo(1);
      assertThat(status.getLastCheckpoint()).isEqualTo(name);
      assertThat(status.getLastAlertTime()).isNotBlank();
      assertThat(status.getConditions()).anySatisfy(c -> {
        assertThat(c.getType()).isEqualTo("Ready");
        assertThat(c.getStatus()).isEqualTo("True");
        assertThat(c.getReason()).isEqualTo("Active");
      });
    });
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(lab.adminClient().v1().events().inNamespace("dev").list().getItems()).anySatisfy(e -> {
          assertThat(e.getInvolvedObject().getKind()).isEqualTo("CheckpointPolicy");
          assertThat(e.getReason()).isEqualTo("CheckpointCreated");
          assertThat(e.getMessage()).contains(name);
        }));
  }

  @Test
  void anAlertmanagerAlertCheckpointsTheLabelledContainer() throws Exception {
    lab.createRunningPod("shop", "cart", lab.nodes().get(1), "app", "sidecar");
    AlertmanagerSelector am = new AlertmanagerSelector();
    am.setMatchers(List.of(new LabelMatcher("alertname", "=", "CryptoMinerDetected"),
        new LabelMatcher("severity", "=~", "critical|high")));
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    spec.setAlertmanager(am);
    policy("shop", "miners", spec);
    String body = """
        {"version":"4","groupKey":"{}:{alertname=\\"CryptoMinerDetected\\"}","status":"firing","receiver":"fcp",
         "groupLabels":{"alertname":"CryptoMinerDetected"},"commonLabels":{},"commonAnnotations":{},
         "externalURL":"http://alertmanager:9093","truncatedAlerts":0,
         "alerts":[{"status":"firing","labels":{"alertname":"CryptoMinerDetected","severity":"critical",
           "namespace":"shop","pod":"cart","container":"app"},"annotations":{"summary":"xmrig in cart"},
           "startsAt":"2026-12-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"4f2a"}]}""";

    JsonNode result = outcome(post(body.getBytes(StandardCharsets.UTF_8), TOKEN));

    assertThat(result.get("outcome").asText()).as(result.toString()).isEqualTo("Created");
    ForensicCheckpoint done = CLUSTER.fcps().awaitTerminal("shop", result.get("checkpoint").asText(), WAIT);
    assertThat(done.getStatus().getPhase()).isEqualTo(CheckpointPhase.Succeeded);
    assertThat(done.getSpec().getContainers()).containsExactly("app");
    assertThat(done.getSpec().getReason()).contains("CryptoMinerDetected").contains("xmrig in cart");
    assertThat(done.getMetadata().getLabels()).containsEntry(CheckpointPolicy.ALERT_SOURCE_LABEL, "alertmanager")
        .containsEntry(CheckpointPolicy.POLICY_LABEL, "miners");
  }

  @Test
  void badRequestsAreAnsweredCountedAndCreateNothing() throws Exception {
    lab.createRunningPod("guarded", "web", lab.nodes().get(0), "app");
    CheckpointPolicySpec spec = terminalShellPolicy();
    spec.getFalco().setRequiredOutputFields(null);
    policy("guarded", "shells", spec);
    String forGuarded = new String(AlertSender.seedAlertFor("guarded", "web", null), StandardCharsets.UTF_8);
    double before401 = counter("fcp_alert_requests_total", "answer", "401");

    assertThat(post(forGuarded.getBytes(StandardCharsets.UTF_8), "wrong-" + TOKEN).statusCode()).isEqualTo(401);
    assertThat(post(forGuarded.getBytes(StandardCharsets.UTF_8), null).statusCode()).isEqualTo(401);
    assertThat(post(forGuarded.getBytes(StandardCharsets.UTF_8), TOKEN.substring(1)).statusCode()).isEqualTo(401);
    HttpResponse<String> big = post(("{\"rule\":\"x\",\"output\":\"" + "a".repeat(70_000) + "\"}")
        .getBytes(StandardCharsets.UTF_8), TOKEN);
    assertThat(big.statusCode()).isEqualTo(413);
    HttpResponse<String> broken = post("{\"rule\": \"Terminal shell in container\", ".getBytes(StandardCharsets.UTF_8),
        TOKEN);
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(broken.body()).contains("not valid JSON");
    HttpResponse<String> deep = post(("{\"rule\":\"x\",\"output_fields\":" + "[".repeat(5000) + "]".repeat(5000) + "}")
        .getBytes(StandardCharsets.UTF_8), TOKEN);
    assertThat(deep.statusCode()).isEqualTo(400);
    assertThat(deep.body()).contains("nesting depth");
    HttpResponse<String> get = sender.http().send(HttpRequest.newBuilder(sender.uri())
        .header("Authorization", "Bearer " + TOKEN)
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);

    JsonNode gone = outcome(post(forGuarded.replace("\"web\"", "\"no-such-pod\"").getBytes(StandardCharsets.UTF_8),
        TOKEN));
    assertThat(gone.get("outcome").asText()).isEqualTo("Unmatched");
    assertThat(gone.get("reason").asText()).contains("does not exist");
    JsonNode noPolicy = outcome(post(forGuarded.replace("\"guarded\"", "\"elsewhere\"")
        .getBytes(StandardCharsets.UTF_8), TOKEN));
    assertThat(noPolicy.get("outcome").asText()).isEqualTo("NoPolicy");
    JsonNode otherRule = outcome(post(forGuarded.replace("Terminal shell in container", "Read sensitive file")
        .getBytes(StandardCharsets.UTF_8), TOKEN));
    assertThat(otherRule.get("outcome").asText()).isEqualTo("NotSelected");
    JsonNode foreignContainer = outcome(post(forGuarded.getBytes(StandardCharsets.UTF_8), TOKEN));
    assertThat(foreignContainer.get("outcome").asText()).as("container.id 0ec4e55bc819 is not in guarded/web")
        .isEqualTo("Unmatched");

    assertThat(counter("fcp_alert_requests_total", "answer", "401") - before401).isEqualTo(3.0);
    assertThat(counter("fcp_alert_requests_total", "answer", "413")).isGreaterThanOrEqualTo(1.0);
    assertThat(counter("fcp_alert_requests_total", "answer", "400")).isGreaterThanOrEqualTo(2.0);
    assertThat(counter("fcp_alerts_total", "outcome", "NoPolicy")).isGreaterThanOrEqualTo(1.0);
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("guarded").list().getItems())
        .as("nothing created in guarded").isEmpty();
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("elsewhere").list().getItems())
        .isEmpty();
    awaitPolicyStatus("guarded", "shells", status -> {
      assertThat(status.getUnmatched()).isEqualTo(2);
      assertThat(status.getCreated()).isZero();
      assertThat(status.getLastUnmatchedReason()).contains("no container with ID prefix 0ec4e55bc819");
    });
  }

  @Test
  void theOperatorMayCreateOnlyCheckpointsLabelledWithAPolicy() {
    namespace("unguarded");
    try (KubernetesClient asOperator = new KubernetesClientBuilder().withConfig(CLUSTER.chart().operatorClientConfig())
        .build()) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThatThrownBy(() -> asOperator.resources(ForensicCheckpoint.class).inNamespace("unguarded")
              .resource(fcp("unlabelled", null)).dryRun().create())
              .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getMessage()).contains("labelled forensics.ckpt.io/policy");
              }));
      assertThat(asOperator.resources(ForensicCheckpoint.class).inNamespace("unguarded")
          .resource(fcp("labelled", "some-policy")).dryRun().create()).as("RBAC: create, with alerts.enabled")
          .isNotNull();
    }
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("unguarded")
        .resource(fcp("by-admin", null)).dryRun().create()).as("other users are not matched").isNotNull();
  }

  /** alerts.enabled without alerts.containment.enabled: the operator can neither isolate nor label a pod. */
  @Test
  void withoutContainmentInTheChartRbacRefusesNetworkPoliciesAndPodPatches() {
    namespace("uncontained");
    lab.createRunningPod("uncontained", "p", lab.nodes().get(0), "app");
    try (KubernetesClient asOperator = new KubernetesClientBuilder().withConfig(CLUSTER.chart().operatorClientConfig())
        .build()) {
      assertThatThrownBy(() -> asOperator.network().v1().networkPolicies().inNamespace("uncontained")
          .resource(ContainmentIT.denyAll("uncontained")).dryRun().create())
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      assertThatThrownBy(() -> asOperator.pods().inNamespace("uncontained").withName("p").dryRun()
          .patch(ContainmentIT.LABEL_PATCH))
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
  }

  /** Writes the policies' pending counters now and waits until the stored status satisfies {@code check}. */
  static void awaitPolicyStatus(String namespace, String name,
      java.util.function.Consumer<io.ckpt.forensics.api.CheckpointPolicyStatus> check) {
    operator.flushPolicyStatus();
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> check.accept(lab.adminClient()
        .resources(CheckpointPolicy.class).inNamespace(namespace).withName(name).get().getStatus()));
  }

  static void namespace(String name) {
    lab.adminClient().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName(name).endMetadata().build()).serverSideApply();
  }

  static ForensicCheckpoint fcp(String name, String policyLabel) {
    ForensicCheckpoint f = new ForensicCheckpoint();
    f.setMetadata(new ObjectMetaBuilder().withName(name).build());
    if (policyLabel != null) {
      f.getMetadata().setLabels(Map.of(CheckpointPolicy.POLICY_LABEL, policyLabel));
    }
    ForensicCheckpointSpec spec = new ForensicCheckpointSpec();
    spec.setPodName("p");
    f.setSpec(spec);
    return f;
  }

  static Stream<Arguments> invalidPolicies() {
    return Stream.of(
        Arguments.of("no selection", "spec:\n  containers: All\n", "select some alerts: set falco"),
        Arguments.of("unknown placeholder", "spec:\n  falco: {}\n  reasonTemplate: \"{rule} {secret}\"\n",
            "reasonTemplate may use only the placeholders"),
        Arguments.of("stray brace in caseId", "spec:\n  falco: {}\n  caseIdTemplate: \"INC-{pod\"\n",
            "caseIdTemplate may use only the placeholders"),
        Arguments.of("bad priority", "spec:\n  falco: {minimumPriority: Loud}\n", "spec.falco.minimumPriority"),
        Arguments.of("empty rule", "spec:\n  falco: {rules: [\"\"]}\n", "falco.rules entries must be non-empty"),
        Arguments.of("control character in rule", "spec:\n  falco: {rules: [\"a\\e[2Jb\"]}\n",
            "falco.rules entries must be non-empty printable"),
        Arguments.of("bad operator", "spec:\n  alertmanager: {matchers: [{name: a, operator: '==', value: b}]}\n",
            "spec.alertmanager.matchers[0].operator"),
        Arguments.of("empty regex", "spec:\n  alertmanager: {matchers: [{name: a, operator: '=~', value: ''}]}\n",
            "a regular-expression matcher (=~ or !~) needs a non-empty value"),
        Arguments.of("no matchers", "spec:\n  alertmanager: {matchers: []}\n", "spec.alertmanager.matchers"),
        Arguments.of("dedup above a day", "spec:\n  falco: {}\n  dedupWindowSeconds: 86401\n",
            "spec.dedupWindowSeconds"),
        Arguments.of("zero per hour", "spec:\n  falco: {}\n  maxCheckpointsPerHour: 0\n",
            "spec.maxCheckpointsPerHour"),
        Arguments.of("bad containers", "spec:\n  falco: {}\n  containers: Some\n", "spec.containers"),
        Arguments.of("bad field name", "spec:\n  falco: {requiredOutputFields: [\"a b\"]}\n",
            "spec.falco.requiredOutputFields[0]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidPolicies")
  void theApiServerRefusesBadPoliciesNamingTheField(String situation, String spec, String message) {
    namespace("policies");
    ExecResult result = lab.kubectlWithInput("apiVersion: forensics.ckpt.io/v1alpha1\nkind: CheckpointPolicy\n"
        + "metadata:\n  name: bad\n  namespace: policies\n" + spec, "apply", "-f", "-");

    assertThat(result.exitCode()).as(situation + ": " + result).isNotZero();
    assertThat(result.stderr()).as(situation).contains("The CheckpointPolicy \"bad\" is invalid").contains(message);
  }

  @Test
  void theExamplePolicyIsAcceptedAndDryRunCreatesNothing() throws Exception {
    namespace("dev");
    ExecResult example = lab.kubectl("apply", "--dry-run=server", "-f",
        ChartRelease.projectRoot().resolve("deploy/examples/checkpointpolicy.yaml").toString());
    assertThat(example.exitCode()).as(example.toString()).isZero();

    lab.createRunningPod("rehearsal", "web", lab.nodes().get(1), "app");
    CheckpointPolicySpec spec = terminalShellPolicy();
    spec.getFalco().setRequiredOutputFields(null);
    spec.setDryRun(true);
    policy("rehearsal", "rehearse", spec);
    byte[] alert = AlertSender.seedAlertFor("rehearsal", "web", "app");

    assertThat(outcome(post(alert, TOKEN)).get("outcome").asText()).isEqualTo("DryRun");
    assertThat(outcome(post(alert, TOKEN)).get("outcome").asText()).as("a dry run keeps the dedup window too")
        .isEqualTo("Deduplicated");
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("rehearsal").list().getItems())
        .isEmpty();
    awaitPolicyStatus("rehearsal", "rehearse", status -> {
      assertThat(status.getCreated()).as("counted as would-be created").isEqualTo(1);
      assertThat(status.getConditions()).anySatisfy(c -> assertThat(c.getReason()).isEqualTo("DryRun"));
    });
  }

  /**
   * 10,000 alerts on 50 pods within 10 s, as Alertmanager sends them (notifications of 100 alerts):
   * exactly maxCheckpointsPerHour objects, one per pod for the first pods to alert, every other alert
   * deduplicated or rate limited, each counted on the policy, and the dedup state bounded. (Falco's one
   * alert per request is measured by operator/bench, scenario e: a rate, not a pass/fail.)
   */
  @Test
  void aFloodCreatesExactlyWhatTheGuardsAllow() throws Exception {
    int pods = 50;
    int alertsToSend = 10_000;
    int perNotification = 100;
    int cap = 20;
    for (int i = 0; i < pods; i++) {
      lab.createPod(lab.podSpec("flood", "pod-" + i, lab.nodes().get(i % 2), "app").build());
    }
    for (int i = 0; i < pods; i++) {
      lab.awaitPod("flood", "pod-" + i, Lab::isRunningAndReady, Duration.ofSeconds(90));
    }
    AlertmanagerSelector am = new AlertmanagerSelector();
    am.setMatchers(List.of(new LabelMatcher("alertname", "=", "ShellInContainer")));
    CheckpointPolicySpec spec = new CheckpointPolicySpec();
    spec.setAlertmanager(am);
    spec.setMaxCheckpointsPerHour(cap);
    policy("flood", "flood", spec);
    List<byte[]> notifications = new ArrayList<>();
    for (int n = 0; n < alertsToSend / perNotification; n++) {
      StringBuilder b = new StringBuilder("{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"fcp\",\"alerts\":[");
      for (int k = 0; k < perNotification; k++) {
        int pod = (n * perNotification + k) % pods;
        b.append(k == 0 ? "" : ",").append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"ShellInContainer\",")
            .append("\"namespace\":\"flood\",\"pod\":\"pod-").append(pod).append("\",\"container\":\"app\"},")
            .append("\"annotations\":{\"summary\":\"shell\"},\"startsAt\":\"2026-12-01T10:00:00Z\"}");
      }
      notifications.add(b.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }
    int keysBefore = operator.alertDedupKeys(); // other tests' checkpoints, within their windows
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long start = System.nanoTime();
    ExecutorService senders = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        running.add(senders.submit(() -> {
          int i;
          while ((i = next.getAndIncrement()) < notifications.size() && System.nanoTime() < deadline) {
            HttpResponse<String> r = post(notifications.get(i), TOKEN);
            if (r.statusCode() != 200) {
              outcomes.computeIfAbsent("HTTP " + r.statusCode(), k -> new LongAdder()).increment();
              continue;
            }
            for (JsonNode a : JSON.readTree(r.body()).get("alerts")) {
              outcomes.computeIfAbsent(a.get("outcome").asText(), k -> new LongAdder()).increment();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      senders.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> counts = new HashMap<>();
    outcomes.forEach((k, v) -> counts.put(k, v.sum()));
    long answered = counts.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf("alert flood: %d alerts on %d pods in %d notifications answered in %.2f s (%.0f alerts/s):"
        + " %s; dedup keys held %d%n", answered, pods, notifications.size(), seconds, answered / seconds, counts,
        operator.alertDedupKeys());

    assertThat(answered).as("all 10,000 alerts answered within 10 s: " + counts).isEqualTo(alertsToSend);
    assertThat(counts).containsEntry("Created", (long) cap);
    assertThat(counts.keySet()).containsOnly("Created", "Deduplicated", "RateLimited");
    assertThat(counts.get("Deduplicated") + counts.get("RateLimited")).isEqualTo(alertsToSend - cap);
    assertThat(operator.alertDedupKeys() - keysBefore).as("two entries per created checkpoint, nothing per alert")
        .isLessThanOrEqualTo(2 * cap);
    assertThat(lab.adminClient().resources(ForensicCheckpoint.class).inNamespace("flood").list().getItems())
        .hasSize(cap).allSatisfy(f -> assertThat(f.getMetadata().getLabels())
            .containsEntry(CheckpointPolicy.POLICY_LABEL, "flood"));
    awaitPolicyStatus("flood", "flood", status -> {
      assertThat(status.getMatched()).isEqualTo(alertsToSend);
      assertThat(status.getCreated()).isEqualTo(cap);
      assertThat(status.getDeduplicated()).isEqualTo(counts.get("Deduplicated"));
      assertThat(status.getRateLimited()).isEqualTo(counts.get("RateLimited"));
    });
  }

  /** A counter's value in the operator's metrics; 0 when it was never incremented. */
  static double counter(String name, String tag, String value) {
    String label = tag + "=\"" + value + "\"";
    return operator.metrics().scrape().lines().filter(l -> l.startsWith(name) && l.contains(label)).findFirst()
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0.0);
  }
}
