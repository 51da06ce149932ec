package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.lab.ExecResult;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.lab.RequiresLab;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.ckpt.forensics.operator.KubeconfigClientKey;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Files;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRD (crd/) in a real API server: every validation rule refuses bad input with a
 * message that names the field, as a responder sees it through the real kubectl.
 */
@RequiresLab
class CrdValidationIT {

  static Lab lab;

  @BeforeAll
  static void installCrd() {
    lab = Lab.start(LabOptions.defaults().name("crd-it").nodes(1));
    ExecResult apply = lab.kubectl("apply", "-f",
        ChartRelease.projectRoot().resolve("crd/forensiccheckpoints.forensics.ckpt.io-v1.yml").toString());
    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    ExecResult established = lab.kubectl("wait", "--for=condition=Established", "crd/" + ChartRelease.CRD,
        "--timeout=60s");
    assertThat(established.exitCode()).as(established.toString()).isZero();
    lab.createNamespace("dev");
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  static String manifest(String name, String specLines) {
    return "apiVersion: forensics.ckpt.io/v1alpha1\nkind: ForensicCheckpoint\nmetadata:\n  name: " + name
        + "\n  namespace: dev\n" + specLines;
  }

  static final String REASON_REFUSED = "reason must be one line of printable text: no newline, tab, ESC or other"
      + " control character and no bidirectional override";

  static final String EXPORT_REFUSED = "spec.export.repository must be a repository with its registry host and"
      + " without tag or digest";

  static Stream<Arguments> invalid() {
    String twentyOne = IntStream.range(0, 21).mapToObj(i -> "c" + i).collect(Collectors.joining(", ", "[", "]"));
    return Stream.of(
        Arguments.of("no spec", "", "spec: Required value"),
        Arguments.of("no podName", "spec:\n  reason: x\n", "spec.podName: Required value"),
        Arguments.of("bad podName", "spec:\n  podName: Bad_Name\n", "spec.podName: Invalid value: \"Bad_Name\""),
        Arguments.of("long podName", "spec:\n  podName: " + "a".repeat(254) + "\n", "spec.podName: Too long"),
        Arguments.of("empty containers", "spec:\n  podName: p\n  containers: []\n", "spec.containers"),
        Arguments.of("duplicate containers", "spec:\n  podName: p\n  containers: [app, app]\n",
            "containers must not name the same container twice"),
        Arguments.of("bad container name", "spec:\n  podName: p\n  containers: [App_1]\n",
            "spec.containers[0]: Invalid value: \"App_1\""),
        Arguments.of("21 containers", "spec:\n  podName: p\n  containers: " + twentyOne + "\n",
            "spec.containers: Too many: 21: must have at most 20 items"),
        Arguments.of("timeout 0", "spec:\n  podName: p\n  timeoutSeconds: 0\n",
            "spec.timeoutSeconds: Invalid value: 0: spec.timeoutSeconds in body should be greater than or equal to 1"),
        Arguments.of("timeout 3601", "spec:\n  podName: p\n  timeoutSeconds: 3601\n",
            "spec.timeoutSeconds in body should be less than or equal to 3600"),
        Arguments.of("long reason", "spec:\n  podName: p\n  reason: " + "r".repeat(1025) + "\n",
            "spec.reason: Too long"),
        Arguments.of("newline in reason", "spec:\n  podName: p\n  reason: \"shell\\nroot: fake log line\"\n",
            "spec.reason: Invalid value: \"shell\\nroot: fake log line\": " + REASON_REFUSED),
        Arguments.of("ESC in reason", "spec:\n  podName: p\n  reason: \"\\e[2J\\e[31mall clear\"\n",
            "spec.reason: Invalid value: \"\\x1b[2J\\x1b[31mall clear\": " + REASON_REFUSED),
        Arguments.of("DEL in reason", "spec:\n  podName: p\n  reason: \"a\\x7fb\"\n", REASON_REFUSED),
        Arguments.of("C1 CSI in reason", "spec:\n  podName: p\n  reason: \"a\\x9b2Jb\"\n", REASON_REFUSED),
        Arguments.of("bidi override in reason", "spec:\n  podName: p\n  reason: \"user \\u202Egnp.exe\"\n",
            REASON_REFUSED),
        Arguments.of("ESC in caseId", "spec:\n  podName: p\n  caseId: \"INC-42\\e[8m\"\n",
            "spec.caseId: Invalid value: \"INC-42"),
        Arguments.of("newline in caseId", "spec:\n  podName: p\n  caseId: \"INC-42\\nINC-43\"\n",
            "spec.caseId: Invalid value: \"INC-42"),
        Arguments.of("bad caseId", "spec:\n  podName: p\n  caseId: \"INC 42; rm -rf\"\n",
            "spec.caseId: Invalid value: \"INC 42; rm -rf\""),
        Arguments.of("long caseId", "spec:\n  podName: p\n  caseId: " + "C".repeat(129) + "\n",
            "spec.caseId: Too long"),
        Arguments.of("series of one", "spec:\n  podName: p\n  series: {count: 1, intervalSeconds: 60}\n",
            "spec.series.count in body should be greater than or equal to 2"),
        Arguments.of("series of 25", "spec:\n  podName: p\n  series: {count: 25, intervalSeconds: 60}\n",
            "spec.series.count in body should be less than or equal to 24"),
        Arguments.of("series interval 5 s", "spec:\n  podName: p\n  series: {count: 3, intervalSeconds: 5}\n",
            "spec.series.intervalSeconds in body should be greater than or equal to 10"),
        Arguments.of("series without interval", "spec:\n  podName: p\n  series: {count: 3}\n",
            "spec.series.intervalSeconds: Required value"),
        Arguments.of("export without repository", "spec:\n  podName: p\n  export: {}\n",
            "spec.export.repository: Required value"),
        Arguments.of("export repository with a tag",
            "spec:\n  podName: p\n  export: {repository: registry.example.com/forensics/app:v1}\n",
            "spec.export.repository: Invalid value: \"registry.example.com/forensics/app:v1\": " + EXPORT_REFUSED),
        Arguments.of("export repository with a digest",
            "spec:\n  podName: p\n  export: {repository: \"localhost:5000/app@sha256:" + "0".repeat(64) + "\"}\n",
            EXPORT_REFUSED),
        Arguments.of("export repository without a registry host",
            "spec:\n  podName: p\n  export: {repository: forensics/app}\n", EXPORT_REFUSED),
        Arguments.of("export repository with upper case",
            "spec:\n  podName: p\n  export: {repository: registry.example.com/Forensics}\n", EXPORT_REFUSED),
        Arguments.of("export repository with a scheme",
            "spec:\n  podName: p\n  export: {repository: \"https://registry.example.com/forensics\"}\n",
            EXPORT_REFUSED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void refusesBadInputNamingTheField(String situation, String spec, String message) {
    ExecResult result = lab.kubectlWithInput(manifest("bad", spec), "apply", "-f", "-");

    assertThat(result.exitCode()).as(situation + ": " + result).isNotZero();
    assertThat(result.stderr()).as(situation).contains("The ForensicCheckpoint \"bad\" is invalid")
        .contains(message);
  }

  /** The lab's admin kubeconfig holds an EC client key in PKCS#8 form, which Fabric8 alone reads as RSA. */
  @Test
  void theOperatorsClientSetupReadsTheLabsEcAdminKubeconfig() throws Exception {
    String kubeconfig = Files.readString(lab.adminKubeconfig());
    Config config = KubeconfigClientKey.readable(Config.fromKubeconfig(kubeconfig));

    assertThat(config.getClientKeyAlgo()).isEqualTo("EC");
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      assertThat(client.namespaces().withName("dev").get()).isNotNull();
    }
  }

  @Test
  void specIsImmutable() {
    ExecResult create = lab.kubectlWithInput(manifest("frozen", "spec:\n  podName: p\n  timeoutSeconds: 60\n"),
        "apply", "-f", "-");
    assertThat(create.exitCode()).as(create.toString()).isZero();

    ExecResult change = lab.kubectlWithInput(manifest("frozen", "spec:\n  podName: other\n  timeoutSeconds: 60\n"),
        "apply", "-f", "-");

    assertThat(change.exitCode()).isNotZero();
    assertThat(change.stderr()).contains("spec is immutable: create a new ForensicCheckpoint to take another"
        + " checkpoint");
  }

  @Test
  void aSeriesCannotBeAddedOrStretchedAfterCreation() {
    String series = "spec:\n  podName: p\n  series: {count: 3, intervalSeconds: 60}\n";
    ExecResult create = lab.kubectlWithInput(manifest("timeline", series), "apply", "-f", "-");
    assertThat(create.exitCode()).as(create.toString()).isZero();

    ExecResult longer = lab.kubectlWithInput(manifest("timeline", series.replace("count: 3", "count: 5")),
        "apply", "-f", "-");
    ExecResult plain = lab.kubectlWithInput(manifest("one-shot", "spec:\n  podName: p\n"), "apply", "-f", "-");
    assertThat(plain.exitCode()).as(plain.toString()).isZero();
    ExecResult added = lab.kubectlWithInput(manifest("one-shot", series), "apply", "-f", "-");

    assertThat(longer.exitCode()).isNotZero();
    assertThat(longer.stderr()).contains("spec is immutable");
    assertThat(added.exitCode()).isNotZero();
    assertThat(added.stderr()).contains("spec is immutable");
  }

  @Test
  void acceptsAValidObjectAndPrunesUnknownFields() {
    var context = new ResourceDefinitionContext.Builder().withGroup("forensics.ckpt.io").withVersion("v1alpha1")
        .withPlural("forensiccheckpoints").withKind("ForensicCheckpoint").withNamespaced(true).build();
    GenericKubernetesResource created = lab.adminClient().genericKubernetesResources(context).inNamespace("dev")
        .resource(new GenericKubernetesResourceBuilder().withApiVersion("forensics.ckpt.io/v1alpha1")
            .withKind("ForensicCheckpoint").withNewMetadata().withName("valid").withNamespace("dev").endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("podName", "nettools.v2", "containers",
                java.util.List.of("nettools", "side-car"), "reason", "Falco: Terminal shell in container – Zürich, 東京",
                "caseId", "INC-2026-0042", "timeoutSeconds", 300, "notAField", "dropped",
                "export", Map.of("repository", "registry.example.com:5000/forensics/net-tools_v2"))))
            .build())
        .create();

    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("podName", "nettools.v2").doesNotContainKey("notAField")
        .containsEntry("export", Map.of("repository", "registry.example.com:5000/forensics/net-tools_v2"));

    ExecResult shortName = lab.kubectl("get", "fcp", "valid", "-n", "dev", "-o", "name");
    assertThat(shortName.stdout().strip()).isEqualTo("forensiccheckpoint.forensics.ckpt.io/valid");
  }
}
