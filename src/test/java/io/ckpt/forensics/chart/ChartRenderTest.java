package io.ckpt.forensics.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Lints and renders the Helm chart in {@code helm/} with helm-java, pins the operator's RBAC, the values
 * schema and the Deployment, and fails when {@code deploy/} drifts from the chart's default render.
 */
class ChartRenderTest {

  static final String RELEASE = DeployDirectory.RELEASE;
  static final String NAMESPACE = DeployDirectory.NAMESPACE;
  static final String FULLNAME = "forensic-checkpoint-operator";
  static final String CRD_FILE = "forensiccheckpoints.forensics.ckpt.io-v1.yml";

  static final Path ROOT = Paths.get(System.getProperty("project.root", "")).toAbsolutePath();
  static final Path CHART = ROOT.resolve("helm");
  static final Path DEPLOY = ROOT.resolve("deploy");

  static final YAMLMapper YAML = new YAMLMapper();
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern SOURCE = Pattern.compile("(?m)^# Source: [^/]+/templates/(\\S+)$");

  /** What the operator's ServiceAccount may do; scope is "cluster" or a namespace. */
  record Grant(String scope, String apiGroup, String resource, String verb) {
    @Override
    public String toString() {
      return scope + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + " " + resource + " " + verb;
    }
  }

  /** One document of a render, with the template it came from and its own text. */
  record Manifest(String template, String text, JsonNode node) {
    String kind() {
      return node.path("kind").asText();
    }

    String name() {
      return node.path("metadata").path("name").asText();
    }

    String namespace() {
      return node.path("metadata").path("namespace").asText("");
    }

    <T> T as(Class<T> type) {
      try {
        return YAML.treeToValue(node, type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @TempDir
  static Path scratch;
  static Path renderableChart;

  /**
   * Renders a copy of the chart without kubeVersion (see {@link DeployDirectory#renderableCopy});
   * {@link #chartMetadataAndCapabilityFreeTemplates()} proves the copy renders the same.
   */
  @BeforeAll
  static void copyChartWithoutKubeVersion() throws IOException {
    renderableChart = DeployDirectory.renderableCopy(CHART, scratch.resolve("chart"));
  }

  @Test
  void lintPassesStrict() {
    LintResult result = new Helm(CHART).lint().strict().call();

    assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void chartMetadataAndCapabilityFreeTemplates() throws IOException {
    JsonNode chart = YAML.readTree(CHART.resolve("Chart.yaml").toFile());
    assertThat(chart.path("apiVersion").asText()).isEqualTo("v2");
    assertThat(chart.path("name").asText()).isEqualTo(FULLNAME);
    assertThat(chart.path("version").asText()).isEqualTo("0.1.0");
    assertThat(chart.path("appVersion").asText())
        .as("helm/Chart.yaml appVersion must equal the version in pom.xml, the project's one source of it")
        .isEqualTo(PomVersion.read());
    assertThat(chart.path("kubeVersion").asText()).isEqualTo(">=1.30.0-0");

    // The renders below use a copy without kubeVersion; they equal a real render only while no
    // template depends on the cluster's reported capabilities. The one exception is
    // requestedBy.mutatingPolicy: auto, which asks whether the cluster serves the mutating
    // admission policy API; helm template serves none, so these renders are of a cluster without it.
    try (Stream<Path> templates = Files.list(CHART.resolve("templates"))) {
      for (Path template : templates.toList()) {
        String text = Files.readString(template);
        if (template.getFileName().toString().equals("admission-requested-by.yaml")) {
          text = text.replace(".Capabilities.APIVersions.Has \"admissionregistration.k8s.io/v1/MutatingAdmissionPolicy\"",
              "");
        }
        assertThat(text).as(template.getFileName().toString()).doesNotContain(".Capabilities");
      }
    }
  }

  @Test
  void defaultRenderGrantsTheOperatorExactlyItsRules() {
    List<Manifest> render = render(null);

    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.of(namespacedGrants("cluster"), Stream.of(new Grant("cluster", "", "nodes/proxy", "create")),
            leaderElectionGrants()).flatMap(s -> s).toList());
    assertThat(kinds(render, "RoleBinding", "Role")).extracting(Manifest::name)
        .containsOnly(FULLNAME + "-leader-election").hasSize(2);
    assertThat(kinds(render, "ClusterRoleBinding")).extracting(Manifest::name).containsExactly(FULLNAME);
  }

  @Test
  void alertsEnabledAddsTheReceiverAndOnlyItsRights() {
    List<Manifest> render = render("alerts: {enabled: true, tls: {secretName: alerts-tls},"
        + " tokenSecret: {name: alerts-token}}");

    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.of(namespacedGrants("cluster"), Stream.of(new Grant("cluster", "", "nodes/proxy", "create")),
            leaderElectionGrants(), Stream.of(new Grant("cluster", "forensics.ckpt.io", "checkpointpolicies", "get"),
                new Grant("cluster", "forensics.ckpt.io", "checkpointpolicies", "list"),
                new Grant("cluster", "forensics.ckpt.io", "checkpointpolicies", "watch"),
                new Grant("cluster", "forensics.ckpt.io", "checkpointpolicies/status", "patch"),
                new Grant("cluster", "forensics.ckpt.io", "forensiccheckpoints", "create")))
            .flatMap(s -> s).toList());
    Manifest service = named(render, "Service", FULLNAME + "-alerts");
    assertThat(service.node().path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("alerts");
    assertThat(env(deployment(render))).containsEntry("FCP_ALERTS_ENABLED", "true")
        .containsEntry("FCP_ALERTS_TOKEN_FILE", "/etc/forensic-checkpoint/alerts-token/token")
        .containsEntry("FCP_ALERTS_TLS_KEY_FILE", "/etc/forensic-checkpoint/alerts-tls/tls.key");
    Manifest admission = named(render, "ValidatingAdmissionPolicy", FULLNAME + "-alert-checkpoints");
    assertThat(admission.node().path("spec").path("matchConditions").get(0).path("expression").asText())
        .isEqualTo("request.userInfo.username == \"system:serviceaccount:" + NAMESPACE + ":" + FULLNAME + "\"");
    assertThat(render(null)).extracting(Manifest::name).doesNotContain(FULLNAME + "-alerts",
        FULLNAME + "-alert-checkpoints");
    assertThatThrownBy(() -> render("alerts: {enabled: true, tls: {secretName: alerts-tls}}"))
        .hasMessageContaining("never accepts anonymous alerts");
  }

  @Test
  void containmentAddsPodPatchAndNetworkPolicyRightsOnlyWhenEnabled() {
    String alerts = "alerts: {enabled: true, tls: {secretName: alerts-tls}, tokenSecret: {name: alerts-token}";
    Set<Grant> withoutContainment = operatorGrants(render(alerts + "}"));
    List<Manifest> render = render(alerts + ", containment: {enabled: true}}");

    List<Grant> containment = List.of(new Grant("cluster", "", "pods", "patch"),
        new Grant("cluster", "networking.k8s.io", "networkpolicies", "create"),
        new Grant("cluster", "networking.k8s.io", "networkpolicies", "get"));
    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.concat(withoutContainment.stream(), containment.stream()).toList());
    assertThat(withoutContainment).doesNotContainAnyElementsOf(containment)
        .noneMatch(g -> g.resource().equals("networkpolicies") || g.verb().equals("patch") && g.resource().equals("pods"));
    assertThat(env(deployment(render))).containsEntry("FCP_ALERTS_CONTAINMENT_ENABLED", "true");
    assertThat(env(deployment(render(alerts + "}")))).doesNotContainKey("FCP_ALERTS_CONTAINMENT_ENABLED");
    assertThat(operatorGrants(render("alerts: {containment: {enabled: true}}"))).as("containment needs alerts.enabled")
        .isEqualTo(operatorGrants(render(null)));
  }

  /** Restore creates pods that run captured processes: its rights exist only with restore.enabled. */
  @Test
  void restoreAddsItsRightsAndSettingsOnlyWhenEnabled() {
    Set<Grant> without = operatorGrants(render(null));
    List<Manifest> render = render("restore: {enabled: true, nodes: [sandbox-1, sandbox-2]}");

    List<Grant> restore = List.of(new Grant("cluster", "forensics.ckpt.io", "checkpointrestores", "get"),
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores", "list"),
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores", "watch"),
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores/status", "get"),
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores/status", "update"),
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores/status", "patch"),
        new Grant("cluster", "", "pods", "create"),
        new Grant("cluster", "networking.k8s.io", "networkpolicies", "create"),
        new Grant("cluster", "networking.k8s.io", "networkpolicies", "get"),
        new Grant("cluster", "networking.k8s.io", "networkpolicies", "list"),
        new Grant("cluster", "", "serviceaccounts", "create"),
        new Grant("cluster", "", "serviceaccounts", "get"),
        new Grant("cluster", "", "nodes", "get"));
    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.concat(without.stream(), restore.stream()).toList());
    assertThat(without).doesNotContainAnyElementsOf(restore);
    assertThat(operatorGrants(render)).noneMatch(g -> g.resource().equals("pods") && g.verb().equals("delete"));
    assertThat(env(deployment(render))).containsEntry("FCP_RESTORE_ENABLED", "true")
        .containsEntry("FCP_RESTORE_NODES", "sandbox-1,sandbox-2");
    assertThat(env(deployment(render(null)))).doesNotContainKeys("FCP_RESTORE_ENABLED", "FCP_RESTORE_NODES");
    assertThat(env(deployment(render("restore: {enabled: true, nodes: ['*']}"))))
        .containsEntry("FCP_RESTORE_NODES", "*");
    assertThat(operatorGrants(render("transport: direct\nrestore: {enabled: true}")))
        .filteredOn(g -> g.resource().equals("nodes")).containsExactly(new Grant("cluster", "", "nodes", "get"));

    Manifest admin = named(render, "ClusterRole", FULLNAME + "-admin");
    assertThat(grants(admin.as(ClusterRole.class).getRules(), "cluster")).contains(
        new Grant("cluster", "forensics.ckpt.io", "checkpointrestores", "create"));
    Manifest view = named(render, "ClusterRole", FULLNAME + "-view");
    assertThat(grants(view.as(ClusterRole.class).getRules(), "cluster"))
        .filteredOn(g -> g.resource().equals("checkpointrestores")).extracting(Grant::verb)
        .containsExactlyInAnyOrder("get", "list", "watch");
    assertThatThrownBy(() -> render("restore: {enabled: true, nodes: [Sandbox_1]}"))
        .hasMessageContaining("restore.nodes.0");
  }

  @Test
  void defaultRenderIsTheExpectedObjectsWithStandardLabels() {
    List<Manifest> render = render(null);

    assertThat(render).extracting(m -> m.kind() + "/" + m.name()).containsExactlyInAnyOrder(
        "ServiceAccount/" + FULLNAME,
        "ClusterRole/" + FULLNAME,
        "ClusterRoleBinding/" + FULLNAME,
        "ClusterRole/" + FULLNAME + "-admin",
        "ClusterRole/" + FULLNAME + "-view",
        "Role/" + FULLNAME + "-leader-election",
        "RoleBinding/" + FULLNAME + "-leader-election",
        "PodDisruptionBudget/" + FULLNAME,
        "NetworkPolicy/" + FULLNAME,
        "ValidatingAdmissionPolicy/" + FULLNAME + "-requested-by",
        "ValidatingAdmissionPolicyBinding/" + FULLNAME + "-requested-by",
        "Deployment/" + FULLNAME);
    for (Manifest m : render) {
      assertThat(labels(m.node().path("metadata"))).as(m.kind() + "/" + m.name()).containsAllEntriesOf(Map.of(
          "app.kubernetes.io/name", FULLNAME,
          "app.kubernetes.io/instance", RELEASE,
          "app.kubernetes.io/version", PomVersion.read(),
          "app.kubernetes.io/managed-by", "Helm",
          "helm.sh/chart", FULLNAME + "-0.1.0"));
    }
  }

  @Test
  void noRoleGrantsSecretsExecOrWildcards() {
    String everything = """
        watchNamespaces: [team-a, team-b]
        kubeletClientBinding: {enabled: true}
        aggregateRoles: true
        responderRole: {enabled: true}
        """;
    String direct = """
        transport: direct
        watchNamespaces: [team-a, team-b]
        aggregateRoles: true
        """;
    for (List<Manifest> render : List.of(render(null), render(everything), render("transport: direct"),
        render(direct))) {
      for (Manifest m : kinds(render, "ClusterRole", "Role")) {
        for (PolicyRule rule : m.as(ClusterRole.class).getRules()) {
          String where = m.kind() + "/" + m.name() + " " + rule;
          assertThat(rule.getApiGroups()).as(where).doesNotContain("*");
          if (rule.getResources().contains("nodes")) {
            assertThat(rule.getResources()).as(where + ": nodes are only read").containsExactly("nodes");
            assertThat(rule.getVerbs()).as(where + ": nodes are only read").containsExactly("get");
          }
          if (rule.getResources().contains("serviceaccounts/token")) {
            // tokens are minted for the checkpointer alone, whose only right is create nodes/checkpoint
            assertThat(rule.getResourceNames()).as(where + ": tokens of one account only")
                .containsExactly(FULLNAME + "-checkpointer");
            assertThat(rule.getResources()).as(where).containsExactly("serviceaccounts/token");
            assertThat(rule.getVerbs()).as(where).containsExactly("create");
          }
          assertThat(rule.getResources()).as(where).isNotEmpty()
              .doesNotContain("*", "secrets", "configmaps", "pods/exec", "pods/attach", "pods/portforward");
          assertThat(rule.getVerbs()).as(where)
              .doesNotContain("*", "escalate", "bind", "impersonate", "deletecollection");
          assertThat(rule.getNonResourceURLs()).as(where).isNullOrEmpty();
          if (rule.getResources().contains("forensiccheckpoints")) {
            assertThat(rule.getVerbs()).as(where + ": the spec is immutable").doesNotContain("update", "patch");
          }
        }
      }
    }
  }

  /** Creating a ForensicCheckpoint reads a pod's memory, more than pods/exec: admin only, not edit. */
  @Test
  void aggregatedRolesLetOnlyAdminCreateAndViewAndEditRead() {
    List<Manifest> render = render(null);

    Manifest admin = named(render, "ClusterRole", FULLNAME + "-admin");
    assertThat(aggregatesTo(admin)).containsExactly("admin");
    assertThat(grants(admin.as(ClusterRole.class).getRules(), "cluster"))
        .containsExactlyInAnyOrderElementsOf(crGrants("create", "delete", "get", "list", "watch"));

    Manifest view = named(render, "ClusterRole", FULLNAME + "-view");
    assertThat(aggregatesTo(view)).containsExactlyInAnyOrder("view", "edit");
    assertThat(grants(view.as(ClusterRole.class).getRules(), "cluster"))
        .containsExactlyInAnyOrderElementsOf(crGrants("get", "list", "watch"));

    assertThat(kinds(render, "ClusterRole")).filteredOn(role -> !aggregatesTo(role).isEmpty())
        .extracting(Manifest::name).containsExactlyInAnyOrder(FULLNAME + "-admin", FULLNAME + "-view");
    assertThat(render).noneMatch(m -> m.name().endsWith("-responder"));

    assertThat(render("aggregateRoles: false")).noneMatch(m -> !aggregatesTo(m).isEmpty());
  }

  @Test
  void responderRoleCreatesAndReadsButNeverDeletesAndJoinsNoBuiltInRole() {
    List<Manifest> render = render("responderRole: {enabled: true}");

    Manifest responder = named(render, "ClusterRole", FULLNAME + "-responder");
    assertThat(aggregatesTo(responder)).isEmpty();
    assertThat(grants(responder.as(ClusterRole.class).getRules(), "cluster"))
        .containsExactlyInAnyOrderElementsOf(crGrants("create", "get", "list", "watch"));
    assertThat(kinds(render, "ClusterRoleBinding", "RoleBinding")).as("the cluster's admins bind it")
        .noneMatch(m -> m.text().contains("-responder"));
    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(operatorGrants(render(null)));
  }

  /** The built-in roles this ClusterRole joins, from its aggregate-to-* labels. */
  static Set<String> aggregatesTo(Manifest role) {
    String prefix = "rbac.authorization.k8s.io/aggregate-to-";
    return labels(role.node().path("metadata")).entrySet().stream()
        .filter(l -> l.getKey().startsWith(prefix) && l.getValue().equals("true"))
        .map(l -> l.getKey().substring(prefix.length())).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void kubeletClientBindingOnlyWhenEnabledAndForTheConfiguredSubject() {
    assertThat(render(null)).noneMatch(m -> m.text().contains("nodes/checkpoint"));

    assertKubeletClientBinding(render("kubeletClientBinding: {enabled: true}"),
        "User", "kube-apiserver-kubelet-client");
    List<Manifest> group = render("""
        kubeletClientBinding: {enabled: true, kind: Group, name: "kubeadm:apiserver-kubelet-client"}
        """);
    assertKubeletClientBinding(group, "Group", "kubeadm:apiserver-kubelet-client");
    // the binding is for the API server's identity: the operator itself gains nothing
    assertThat(operatorGrants(group)).containsExactlyInAnyOrderElementsOf(operatorGrants(render(null)));
  }

  private static void assertKubeletClientBinding(List<Manifest> render, String kind, String name) {
    String roleName = FULLNAME + "-apiserver-kubelet-client";
    Manifest role = named(render, "ClusterRole", roleName);
    assertThat(grants(role.as(ClusterRole.class).getRules(), "cluster"))
        .containsExactly(new Grant("cluster", "", "nodes/checkpoint", "create"));

    ClusterRoleBinding binding = named(render, "ClusterRoleBinding", roleName).as(ClusterRoleBinding.class);
    assertThat(binding.getRoleRef()).isEqualTo(new RoleRef("rbac.authorization.k8s.io", "ClusterRole", roleName));
    assertThat(binding.getSubjects()).containsExactly(new Subject("rbac.authorization.k8s.io", kind, name, null));
    assertThat(render).filteredOn(m -> m.text().contains("nodes/checkpoint"))
        .extracting(Manifest::name).containsOnly(roleName);
  }

  @Test
  void watchNamespacesBindPerNamespaceAndOnlyNodeProxyClusterWide() {
    List<Manifest> render = render("watchNamespaces: [a, b]");

    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.of(namespacedGrants("a"), namespacedGrants("b"),
            Stream.of(new Grant("cluster", "", "nodes/proxy", "create")), leaderElectionGrants())
            .flatMap(s -> s).toList());
    assertThat(kinds(render, "RoleBinding")).extracting(Manifest::namespace)
        .containsExactlyInAnyOrder("a", "b", NAMESPACE);
    List<Manifest> clusterBindings = kinds(render, "ClusterRoleBinding");
    assertThat(clusterBindings).extracting(Manifest::name).containsExactly(FULLNAME + "-node-proxy");
    ClusterRole bound = named(render, "ClusterRole",
        clusterBindings.get(0).as(ClusterRoleBinding.class).getRoleRef().getName()).as(ClusterRole.class);
    assertThat(grants(bound.getRules(), "cluster")).containsExactly(new Grant("cluster", "", "nodes/proxy", "create"));
    assertThat(env(deployment(render))).containsEntry("FCP_WATCH_NAMESPACES", "a,b");
  }

  @Test
  void directTransportGrantsGetNodesAndTheCheckpointersTokensButNoNodeProxy() {
    String checkpointer = FULLNAME + "-checkpointer";
    List<Grant> nodeRights = List.of(new Grant("cluster", "", "nodes", "get"),
        new Grant(NAMESPACE, "", "serviceaccounts/token[" + checkpointer + "]", "create"));
    List<Manifest> render = render("transport: direct");

    assertThat(operatorGrants(render)).containsExactlyInAnyOrderElementsOf(
        Stream.of(namespacedGrants("cluster"), nodeRights.stream(), leaderElectionGrants()).flatMap(s -> s).toList());
    assertThat(render).noneMatch(m -> m.text().contains("nodes/proxy"));
    assertThat(env(deployment(render))).containsEntry("FCP_TRANSPORT", "direct")
        .containsEntry("FCP_NODE_ADDRESS_TYPES", "InternalIP,ExternalIP,Hostname")
        .containsEntry("FCP_KUBELET_CA_FILE", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt")
        .containsEntry("FCP_KUBELET_SERVICE_ACCOUNT", NAMESPACE + "/" + checkpointer)
        .doesNotContainKey("FCP_KUBELET_INSECURE_SKIP_VERIFY")
        .as("auto: the operator requires node identity with the cluster CA")
        .doesNotContainKey("FCP_KUBELET_REQUIRE_NODE_IDENTITY");
    assertThat(env(deployment(render("transport: direct\ndirect: {kubeletCA: {requireNodeIdentity: \"false\"}}"))))
        .containsEntry("FCP_KUBELET_REQUIRE_NODE_IDENTITY", "false");
    assertCheckpointerMayOnlyCheckpoint(render, checkpointer);

    List<Manifest> perNamespace = render("""
        transport: direct
        watchNamespaces: [a]
        direct: {checkpointer: {name: kubelet-caller}}
        """);
    assertThat(operatorGrants(perNamespace)).containsExactlyInAnyOrderElementsOf(
        Stream.of(namespacedGrants("a"), Stream.of(new Grant("cluster", "", "nodes", "get"),
            new Grant(NAMESPACE, "", "serviceaccounts/token[kubelet-caller]", "create")), leaderElectionGrants())
            .flatMap(s -> s).toList());
    assertThat(kinds(perNamespace, "ClusterRoleBinding")).extracting(Manifest::name)
        .containsExactlyInAnyOrder(FULLNAME + "-node-checkpoint", "kubelet-caller");
    assertThat(perNamespace).noneMatch(m -> m.text().contains("nodes/proxy"));
    assertCheckpointerMayOnlyCheckpoint(perNamespace, "kubelet-caller");
  }

  /** The checkpointer ServiceAccount holds create nodes/checkpoint and nothing else, and mounts no token. */
  private static void assertCheckpointerMayOnlyCheckpoint(List<Manifest> render, String name) {
    Manifest account = named(render, "ServiceAccount", name);
    assertThat(account.namespace()).isEqualTo(NAMESPACE);
    assertThat(account.node().path("automountServiceAccountToken").asBoolean(true)).isFalse();
    Subject subject = new Subject(null, "ServiceAccount", name, NAMESPACE);
    List<Manifest> bindings = kinds(render, "ClusterRoleBinding", "RoleBinding").stream()
        .filter(m -> m.node().path("subjects").toString().contains("\"" + name + "\"")).toList();
    assertThat(bindings).extracting(Manifest::name).containsExactly(name);
    ClusterRoleBinding binding = bindings.get(0).as(ClusterRoleBinding.class);
    assertThat(binding.getSubjects()).containsExactly(subject);
    assertThat(grants(named(render, "ClusterRole", binding.getRoleRef().getName()).as(ClusterRole.class).getRules(),
        "cluster")).containsExactly(new Grant("cluster", "", "nodes/checkpoint", "create"));
    assertThat(render).filteredOn(m -> m.text().contains("nodes/checkpoint")).extracting(Manifest::name)
        .containsOnly(name);
  }

  @Test
  void directTransportMountsTheKubeletCaOrSaysItIsNotVerified() {
    Deployment withCa = deployment(render("""
        transport: direct
        direct:
          nodeAddressTypes: [Hostname, InternalIP]
          kubeletCA: {configMap: kubelet-serving-ca, key: bundle.pem}
          insecureSkipVerify: false
        """));
    PodSpec pod = withCa.getSpec().getTemplate().getSpec();
    assertThat(env(withCa)).containsEntry("FCP_NODE_ADDRESS_TYPES", "Hostname,InternalIP")
        .containsEntry("FCP_KUBELET_CA_FILE", "/etc/forensic-checkpoint/kubelet-ca/bundle.pem");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("kubelet-ca")).singleElement()
        .satisfies(v -> {
          assertThat(v.getConfigMap().getName()).isEqualTo("kubelet-serving-ca");
          assertThat(v.getConfigMap().getItems()).singleElement()
              .satisfies(i -> assertThat(i.getKey()).isEqualTo("bundle.pem"));
        });
    assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("kubelet-ca"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/forensic-checkpoint/kubelet-ca");
          assertThat(m.getReadOnly()).isTrue();
        });

    Deployment insecure = deployment(render("""
        transport: direct
        direct: {insecureSkipVerify: true, nodeAddressTypes: [InternalIP], kubeletCA: {configMap: x, key: ca.crt}}
        """));
    assertThat(env(insecure)).containsEntry("FCP_KUBELET_INSECURE_SKIP_VERIFY", "true")
        .doesNotContainKey("FCP_KUBELET_CA_FILE");
    assertThat(insecure.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName())
        .containsExactly("tmp");
    assertThat(notes("transport: direct\ndirect: {insecureSkipVerify: true, nodeAddressTypes: [InternalIP],"
        + " kubeletCA: {configMap: \"\", key: ca.crt}}"))
        .contains("kubelet certificates are NOT verified").doesNotContain("nodes/proxy");
  }

  @Test
  void networkPolicyAdmitsOnlyTheNodeAndLetsOutOnlyApiServerAndDns() {
    NetworkPolicy policy = networkPolicy(render(null));
    assertThat(policy.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .isEqualTo(deployment(render(null)).getSpec().getSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress()).as("only the node itself (probes) may connect").isEmpty();
    assertThat(egress(policy)).containsExactlyInAnyOrder(
        "TCP/443 to any", "TCP/6443 to any",
        "UDP/53 to ns{kubernetes.io/metadata.name=kube-system} pods{k8s-app=kube-dns}",
        "TCP/53 to ns{kubernetes.io/metadata.name=kube-system} pods{k8s-app=kube-dns}");

    assertThat(kinds(render("networkPolicy: {enabled: false}"), "NetworkPolicy")).isEmpty();
  }

  @Test
  void networkPolicyLetsOutToKubeletsOnlyWithTheDirectTransportAndTakesPeersFromValues() {
    NetworkPolicy direct = networkPolicy(render("""
        transport: direct
        healthPort: 9090
        networkPolicy:
          metricsFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
          apiServer: {ports: [6443], cidrs: [192.0.2.10/32]}
          dns: {to: []}
          kubelet: {port: 10250, cidrs: [198.51.100.0/24]}
          extraEgress: [{ports: [{protocol: TCP, port: 4317}]}]
        """));
    assertThat(direct.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(rule.getPorts()).extracting(p -> p.getProtocol() + "/" + p.getPort().getIntVal())
          .containsExactly("TCP/9090");
      assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(
          peer.getNamespaceSelector().getMatchLabels()).containsExactly(
              Map.entry("kubernetes.io/metadata.name", "monitoring")));
    });
    assertThat(egress(direct)).containsExactlyInAnyOrder(
        "TCP/6443 to 192.0.2.10/32", "UDP/53 to any", "TCP/53 to any", "TCP/10250 to 198.51.100.0/24",
        "TCP/4317 to any");

    assertThat(egress(networkPolicy(render("transport: direct")))).contains("TCP/10250 to any");
    assertThat(egress(networkPolicy(render(null)))).noneMatch(rule -> rule.startsWith("TCP/10250"));
  }

  // ---- evidence custody

  @Test
  void evidenceCustodyGetsAPrivilegedNamespaceAndPodRightsThereOnly() {
    List<Manifest> render = render("evidence: {store: s3, signingKeySecret: fcp-signing,"
        + " s3: {endpoint: 'http://minio.storage:9000', bucket: evidence, credentialsSecret: fcp-s3}}");

    JsonNode namespace = named(render, "Namespace", "forensic-evidence").node();
    assertThat(labels(namespace.path("metadata"))).containsEntry("pod-security.kubernetes.io/enforce", "privileged");
    Manifest role = named(render, "Role", FULLNAME + "-collector");
    assertThat(role.namespace()).isEqualTo("forensic-evidence");
    assertThat(grants(role.as(Role.class).getRules(), "forensic-evidence")).containsExactlyInAnyOrder(
        Stream.concat(Stream.of("create", "delete", "get", "list", "watch")
            .map(v -> new Grant("forensic-evidence", "", "pods", v)), Stream.of("create", "delete")
            .map(v -> new Grant("forensic-evidence", "", "secrets", v))).toArray(Grant[]::new));
    RoleBinding binding = named(render, "RoleBinding", FULLNAME + "-collector").as(RoleBinding.class);
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo(FULLNAME));
    assertThat(operatorGrants(render)).as("patch: the finalizer held while a collector runs (spec is immutable)")
        .contains(new Grant("cluster", "forensics.ckpt.io", "forensiccheckpoints", "patch"))
        .doesNotContain(new Grant("cluster", "forensics.ckpt.io", "forensiccheckpoints", "update"));
    Map<String, String> env = env(deployment(render));
    assertThat(env).containsEntry("FCP_EVIDENCE_STORE", "s3").containsEntry("FCP_COLLECTOR_NAMESPACE",
        "forensic-evidence").containsEntry("FCP_EVIDENCE_SIGNING_SECRET", "fcp-signing")
        .containsEntry("FCP_EVIDENCE_S3_BUCKET", "evidence").containsEntry("FCP_EVIDENCE_S3_RETENTION", "P90D")
        .containsEntry("FCP_EVIDENCE_DELETE_FROM_NODE", "true").doesNotContainKey("FCP_EVIDENCE_PVC");
    assertThat(env.get("FCP_COLLECTOR_IMAGE")).as("the operator's own image")
        .isEqualTo(deployment(render).getSpec().getTemplate().getSpec().getContainers().get(0).getImage());

    assertThat(env).containsEntry("FCP_EVIDENCE_FALLBACK_BUNDLES", "true");
    assertThat(grants(named(render, "ClusterRole", FULLNAME).as(ClusterRole.class).getRules(), "cluster"))
        .as("fallback bundles: log tails, events, the node's info").contains(new Grant("cluster", "", "pods/log",
            "get"), new Grant("cluster", "", "events", "list"), new Grant("cluster", "", "nodes", "get"));

    List<Manifest> noBundles = render("evidence: {store: s3, signingKeySecret: fcp-signing, fallbackBundles: false,"
        + " s3: {endpoint: 'http://minio.storage:9000', bucket: evidence, credentialsSecret: fcp-s3}}");
    assertThat(grants(named(noBundles, "Role", FULLNAME + "-collector").as(Role.class).getRules(), "forensic-evidence"))
        .noneMatch(g -> g.resource().equals("secrets"));
    assertThat(grants(named(noBundles, "ClusterRole", FULLNAME).as(ClusterRole.class).getRules(), "cluster"))
        .noneMatch(g -> g.resource().equals("pods/log") || g.resource().equals("nodes") || g.verb().equals("list")
            && g.resource().equals("events"));
    assertThat(env(deployment(noBundles))).containsEntry("FCP_EVIDENCE_FALLBACK_BUNDLES", "false");

    assertThat(kinds(render(null), "Namespace")).as("off by default").isEmpty();
    assertThat(env(deployment(render(null)))).doesNotContainKey("FCP_EVIDENCE_STORE");
    assertThatThrownBy(() -> template().set("evidence.store", "s3").set("evidence.s3.bucket", "b")
        .set("evidence.s3.credentialsSecret", "c").call()).hasMessageContaining("evidence.signingKeySecret");
    assertThatThrownBy(() -> template().set("evidence.store", "file").set("evidence.signingKeySecret", "k").call())
        .hasMessageContaining("evidence.pvc");
    assertThatThrownBy(() -> template().set("evidence.store", "ftp").call()).hasMessageContaining("evidence");
  }

  @Test
  void exportIsOffByDefaultAndOnOnlyWithTheAdminsRepositoriesAndSecret() {
    assertThat(env(deployment(render(null)))).doesNotContainKeys("FCP_EXPORT_ENABLED",
        "FCP_EXPORT_ALLOWED_REPOSITORIES", "FCP_EXPORT_PUSH_SECRET", "FCP_EXPORT_PLAIN_HTTP");

    List<Manifest> on = render("evidence: {store: s3, signingKeySecret: fcp-signing, s3: {bucket: evidence,"
        + " credentialsSecret: fcp-s3}}\nexport: {enabled: true, allowedRepositories:"
        + " [registry.example.com/forensics, 'localhost:5000'], pushSecret: fcp-push}");
    assertThat(env(deployment(on))).containsEntry("FCP_EXPORT_ENABLED", "true")
        .containsEntry("FCP_EXPORT_ALLOWED_REPOSITORIES", "registry.example.com/forensics,localhost:5000")
        .containsEntry("FCP_EXPORT_PUSH_SECRET", "fcp-push").doesNotContainKey("FCP_EXPORT_PLAIN_HTTP");
    assertThat(env(deployment(render("evidence: {store: s3, signingKeySecret: fcp-signing, s3: {bucket: evidence,"
        + " credentialsSecret: fcp-s3}}\nexport: {enabled: true, allowedRepositories: ['10.0.0.1:5000'],"
        + " plainHttp: true}")))).containsEntry("FCP_EXPORT_PLAIN_HTTP", "true");

    assertThatThrownBy(() -> template().set("export.enabled", true).call())
        .hasMessageContaining("export.allowedRepositories");
    assertThatThrownBy(() -> render("export: {enabled: true, allowedRepositories: ['https://registry.example.com']}"))
        .as("the schema refuses a URL").hasMessageContaining("allowedRepositories");
  }

  // ---- spec.requestedBy: written and guarded by admission policies

  @Test
  void theValidatingPolicyGuardsRequestedByEverywhereTheMutatingOneWhereServed() {
    List<Manifest> render = render(null);
    String policy = FULLNAME + "-requested-by";
    JsonNode validating = named(render, "ValidatingAdmissionPolicy", policy).node();
    assertThat(validating.path("apiVersion").asText()).isEqualTo("admissionregistration.k8s.io/v1");
    assertThat(validating.at("/spec/failurePolicy").asText()).isEqualTo("Fail");
    assertThat(strings(validating.at("/spec/matchConstraints/resourceRules/0/operations"))).containsExactly("CREATE");
    assertThat(validating.at("/spec/validations/0/expression").asText()).contains("request.userInfo.username");
    assertThat(strings(named(render, "ValidatingAdmissionPolicyBinding", policy).node()
        .at("/spec/validationActions"))).containsExactly("Deny");
    assertThat(kinds(render, "MutatingAdmissionPolicy")).as("helm template serves no 1.36 API: auto leaves it out")
        .isEmpty();

    List<Manifest> forced = render("requestedBy: {mutatingPolicy: true}");
    JsonNode mutating = named(forced, "MutatingAdmissionPolicy", policy).node();
    assertThat(mutating.at("/spec/failurePolicy").asText()).isEqualTo("Fail");
    assertThat(strings(mutating.at("/spec/matchConstraints/resourceRules/0/operations"))).containsExactly("CREATE");
    assertThat(mutating.at("/spec/mutations/0/jsonPatch/expression").asText())
        .contains("op: \"add\", path: \"/spec/requestedBy\"").contains("username: request.userInfo.username");
    assertThat(named(forced, "MutatingAdmissionPolicyBinding", policy).node().at("/spec/policyName").asText())
        .isEqualTo(policy);

    String operatorWithPolicyLabel = "request.userInfo.username == \"system:serviceaccount:" + NAMESPACE + ":"
        + FULLNAME + "\" && has(object.metadata.labels) && 'forensics.ckpt.io/policy' in object.metadata.labels";
    assertThat(mutating.at("/spec/mutations/1/jsonPatch/expression").asText())
        .as("onBehalfOf only for the operator's own ServiceAccount with the policy label")
        .startsWith(operatorWithPolicyLabel).contains("path: \"/spec/requestedBy/onBehalfOf\"");
    assertThat(validating.at("/spec/validations/1/expression").asText()).contains(operatorWithPolicyLabel)
        .contains("!has(object.spec.requestedBy.onBehalfOf)");
    String renamed = named(render("serviceAccount: {name: fcp-sa}"), "ValidatingAdmissionPolicy", policy).node()
        .at("/spec/validations/1/expression").asText();
    assertThat(renamed).contains("\"system:serviceaccount:" + NAMESPACE + ":fcp-sa\"");

    List<Manifest> off = render("requestedBy: {enabled: false, mutatingPolicy: true}");
    assertThat(kinds(off, "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding")).isEmpty();
  }

  static NetworkPolicy networkPolicy(List<Manifest> render) {
    return named(render, "NetworkPolicy", FULLNAME).as(NetworkPolicy.class);
  }

  /** Each egress port with its destinations: "TCP/443 to any", "UDP/53 to ns{..} pods{..}". */
  static List<String> egress(NetworkPolicy policy) {
    List<String> allowed = new ArrayList<>();
    for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
      assertThat(rule.getPorts()).as("every egress rule names its ports: %s", rule).isNotEmpty();
      List<String> to = rule.getTo().isEmpty() ? List.of("any") : rule.getTo().stream().map(peer -> {
        if (peer.getIpBlock() != null) {
          return peer.getIpBlock().getCidr();
        }
        return "ns" + peer.getNamespaceSelector().getMatchLabels() + " pods" + peer.getPodSelector().getMatchLabels();
      }).toList();
      for (NetworkPolicyPort port : rule.getPorts()) {
        to.forEach(peer -> allowed.add(port.getProtocol() + "/" + port.getPort().getIntVal() + " to " + peer));
      }
    }
    return allowed;
  }

  @Test
  void serviceMonitorOnlyWhenAskedForAndScrapingTheHealthPort() {
    assertThat(render(null)).noneMatch(m -> m.kind().equals("ServiceMonitor") || m.kind().equals("Service"));

    List<Manifest> render = render("""
        healthPort: 9090
        metrics: {serviceMonitor: {enabled: true, interval: 15s, labels: {release: kube-prometheus}}}
        """);
    Manifest service = named(render, "Service", FULLNAME + "-metrics");
    assertThat(service.node().path("spec").path("selector").path("app.kubernetes.io/name").asText())
        .isEqualTo(FULLNAME);
    assertThat(service.node().path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(9090);
    assertThat(service.node().path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("health");
    Manifest monitor = named(render, "ServiceMonitor", FULLNAME);
    assertThat(labels(monitor.node().path("metadata"))).containsEntry("release", "kube-prometheus");
    JsonNode endpoint = monitor.node().path("spec").path("endpoints").get(0);
    assertThat(endpoint.path("port").asText()).isEqualTo("health");
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    assertThat(endpoint.path("interval").asText()).isEqualTo("15s");
    assertThat(monitor.node().path("spec").path("selector").path("matchLabels").path("app.kubernetes.io/instance")
        .asText()).isEqualTo(RELEASE);
  }

  @Test
  void aSingleReplicaHasNoDisruptionBudgetAndLeaseTimingsAreChecked() {
    List<Manifest> one = render("replicaCount: 1");
    assertThat(kinds(one, "PodDisruptionBudget")).isEmpty();
    assertThat(deployment(one).getSpec().getReplicas()).isEqualTo(1);
    assertThat(env(deployment(one))).containsEntry("FCP_LEADER_ELECTION_LEASE", FULLNAME);

    Manifest pdb = named(render(null), "PodDisruptionBudget", FULLNAME);
    assertThat(pdb.node().path("spec").path("minAvailable").asInt()).isEqualTo(1);
    assertThat(pdb.node().path("spec").path("selector").path("matchLabels").path("app.kubernetes.io/instance")
        .asText()).isEqualTo(RELEASE);

    assertThatThrownBy(() -> render("leaderElection: {leaseDurationSeconds: 10, renewDeadlineSeconds: 10}"))
        .hasMessageContaining("retryPeriodSeconds < renewDeadlineSeconds < leaseDurationSeconds");
  }

  @Test
  void kubeletClientBindingIsRefusedWithTheDirectTransport() {
    assertThatThrownBy(() -> render("""
        transport: direct
        kubeletClientBinding: {enabled: true}
        """)).hasMessageContaining("kubeletClientBinding.enabled applies to transport proxy only");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      transport: ssh                                             | transport
      metrics: {serviceMonitor: {interval: soon}}                | metrics.serviceMonitor.interval
      retries: {limit: 11}                                       | retries.limit
      retries: {initialBackoffMillis: 5}                         | retries.initialBackoffMillis
      direct: {nodeAddressTypes: [PodIP]}                        | direct.nodeAddressTypes.0
      direct: {nodeAddressTypes: []}                             | direct.nodeAddressTypes
      direct: {insecureSkipVerify: "yes"}                        | direct.insecureSkipVerify
      direct: {kubeletCA: {configMap: Bad_Name}}                 | direct.kubeletCA.configMap
      logFormat: xml                                             | logFormat
      concurrency: {perNode: 0}                                  | concurrency.perNode
      concurrency: {perNode: 101}                                | concurrency.perNode
      concurrency: {perNode: "2"}                                | concurrency.perNode
      concurrency: {global: 0}                                   | concurrency.global
      concurrency: {perNamespace: 0}                             | concurrency.perNamespace
      concurrency: {perNamespace: "3"}                           | concurrency.perNamespace
      defaultTimeoutSeconds: 0                                   | defaultTimeoutSeconds
      defaultTimeoutSeconds: 3601                                | defaultTimeoutSeconds
      healthPort: 80                                             | healthPort
      watchNamespaces: [Bad_Namespace]                           | watchNamespaces.0
      watchNamespaces: [a, a]                                    | watchNamespaces
      watchNamespaces: a,b                                       | watchNamespaces
      kubeletClientBinding: {kind: ServiceAccount}               | kubeletClientBinding.kind
      kubeletClientBinding: {name: ""}                           | kubeletClientBinding.name
      extraEnv: [{name: FCP_LOG_FORMAT, value: json}]            | extraEnv.0.name
      image: {digest: latest}                                    | image.digest
      image: {pullPolicy: Sometimes}                             | image.pullPolicy
      networkPolicy: {enabled: "yes"}                            | networkPolicy.enabled
      networkPolicy: {apiServer: {ports: []}}                    | networkPolicy.apiServer.ports
      networkPolicy: {apiServer: {cidrs: [10.0.0.1]}}            | networkPolicy.apiServer.cidrs.0
      networkPolicy: {kubelet: {port: 0}}                        | networkPolicy.kubelet.port
      networkPolicy: {metricsFrom: [{}]}                         | networkPolicy.metricsFrom.0
      serviceAccount: {create: "yes"}                            | serviceAccount.create
      aggregateRoles: "false"                                    | aggregateRoles
      responderRole: {enabled: 1}                                | responderRole.enabled
      resources: {limits: {memory: lots}}                        | resources.limits.memory
      replicaCount: 0                                            | replicaCount
      tmpSizeLimit: lots                                         | tmpSizeLimit
      podAntiAffinity: always                                    | podAntiAffinity
      replicaCount: 6                                            | replicaCount
      leaderElection: {leaseDurationSeconds: 1}                  | leaderElection.leaseDurationSeconds
      """)
  void badValueFailsTheRender(String values, String key) {
    assertThatThrownBy(() -> render(values))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(key);
  }

  @Test
  void thePerNamespaceLimitIsHalfTheGlobalOneUnlessSetAndNeverAboveIt() {
    assertThat(OperatorConfig.fromEnvironment(env(deployment(render("concurrency: {global: 7}"))))
        .maxConcurrentPerNamespace()).as("unset: the operator's default").isEqualTo(4);
    assertThat(OperatorConfig.fromEnvironment(env(deployment(render("concurrency: {global: 7, perNamespace: 7}"))))
        .maxConcurrentPerNamespace()).isEqualTo(7);
    assertThatThrownBy(() -> render("concurrency: {global: 7, perNamespace: 8}"))
        .hasMessageContaining("concurrency.perNamespace cannot be above concurrency.global");
  }

  @Test
  void theReadmeShowsAResourceQuotaOnTheNumberOfForensicCheckpoints() throws IOException {
    JsonNode quota = YAML.readTree(ChartReadme.resourceQuotaExample());

    assertThat(quota.path("apiVersion").asText()).isEqualTo("v1");
    assertThat(quota.path("kind").asText()).isEqualTo("ResourceQuota");
    assertThat(names(quota.path("spec").path("hard"))).as("counts objects of the CRD's plural and group")
        .containsExactly("count/" + CRD_FILE.substring(0, CRD_FILE.indexOf("-v1.yml")));
  }

  @Test
  void badValueFailsTheRenderWithSet() {
    assertThatThrownBy(() -> template().set("logFormat", "xml").call()).hasMessageContaining("logFormat");
    assertThatThrownBy(() -> template().set("concurrency.perNode", 0).call())
        .hasMessageContaining("concurrency.perNode");
    assertThatThrownBy(() -> render("serviceAccount: {create: false}"))
        .hasMessageContaining("serviceAccount.name must name an existing ServiceAccount");
  }

  @Test
  void deploymentRunsRestrictedWithDefaultSettings() {
    Deployment deployment = deployment(render(null));
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();

    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(FULLNAME);
    assertThat(pod.getAutomountServiceAccountToken()).isTrue();
    assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getVolumes()).singleElement().satisfies(v -> {
      assertThat(v.getName()).isEqualTo("tmp");
      assertThat(v.getEmptyDir().getSizeLimit()).as("/tmp is bounded").isEqualTo(new Quantity("64Mi"));
    });

    Container operator = pod.getContainers().get(0);
    assertThat(pod.getContainers()).hasSize(1);
    // the default tag is the appVersion, so the image Jib builds by default (pom.xml image.name) is the one pulled
    assertThat(operator.getImage()).isEqualTo("forensic-checkpoint-operator:" + PomVersion.read());
    var security = operator.getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getRunAsUser()).isEqualTo(65532L);
    assertThat(security.getRunAsGroup()).isEqualTo(65532L);
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(operator.getVolumeMounts()).singleElement().satisfies(m -> {
      assertThat(m.getName()).isEqualTo("tmp");
      assertThat(m.getMountPath()).isEqualTo("/tmp");
    });

    assertThat(env(deployment)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("FCP_LEADER_ELECTION_LEASE", FULLNAME),
        Map.entry("FCP_LEADER_ELECTION_NAMESPACE", NAMESPACE),
        Map.entry("FCP_LEASE_DURATION_SECONDS", "15"),
        Map.entry("FCP_LEASE_RENEW_DEADLINE_SECONDS", "10"),
        Map.entry("FCP_LEASE_RETRY_PERIOD_SECONDS", "2"),
        Map.entry("FCP_WATCH_NAMESPACES", ""),
        Map.entry("FCP_MAX_CONCURRENT_PER_NODE", "1"),
        Map.entry("FCP_MAX_CONCURRENT", "10"),
        Map.entry("FCP_DEFAULT_TIMEOUT_SECONDS", "300"),
        Map.entry("FCP_MAX_TIMEOUT_SECONDS", "900"),
        Map.entry("FCP_LOG_FORMAT", "text"),
        Map.entry("FCP_HEALTH_PORT", "8080"),
        Map.entry("FCP_RETRY_LIMIT", "3"),
        Map.entry("FCP_RETRY_BACKOFF_MILLIS", "1000"),
        Map.entry("FCP_TRANSPORT", "proxy")));
    assertThat(operator.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("health");
      assertThat(p.getContainerPort()).isEqualTo(8080);
    });
    assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");
    assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(operator.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("health");

    assertThat(operator.getResources().getRequests()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "cpu", new Quantity("100m"), "memory", new Quantity("256Mi"), "ephemeral-storage", new Quantity("64Mi")));
    assertThat(operator.getResources().getLimits()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "memory", new Quantity("320Mi"), "ephemeral-storage", new Quantity("256Mi")));
  }

  /** Two replicas on one node would both go with that node, leader election or not. */
  @Test
  void replicasPreferDifferentNodesUnlessTheValuesSayOtherwise() {
    Map<String, String> selector = deployment(render(null)).getSpec().getSelector().getMatchLabels();

    PodSpec pod = deployment(render(null)).getSpec().getTemplate().getSpec();
    assertThat(pod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        .isNullOrEmpty();
    assertThat(pod.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(preferred -> {
          assertThat(preferred.getWeight()).isEqualTo(100);
          assertThat(preferred.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(preferred.getPodAffinityTerm().getLabelSelector().getMatchLabels()).isEqualTo(selector);
        });

    PodSpec required = deployment(render("podAntiAffinity: required")).getSpec().getTemplate().getSpec();
    assertThat(required.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(term -> {
          assertThat(term.getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(term.getLabelSelector().getMatchLabels()).isEqualTo(selector);
        });

    assertThat(deployment(render("podAntiAffinity: none")).getSpec().getTemplate().getSpec().getAffinity()).isNull();
    PodSpec own = deployment(render("""
        affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 1,
          podAffinityTerm: {topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {a: b}}}}]}}
        """)).getSpec().getTemplate().getSpec();
    assertThat(own.getAffinity().getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .singleElement().satisfies(p -> assertThat(p.getPodAffinityTerm().getTopologyKey())
            .isEqualTo("topology.kubernetes.io/zone"));
  }

  @Test
  void tmpSizeLimitAndEphemeralStorageComeFromValues() {
    Deployment deployment = deployment(render("""
        tmpSizeLimit: 16Mi
        resources: {requests: {ephemeral-storage: 32Mi}, limits: {ephemeral-storage: 1Gi}}
        """));
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Mi")));
    assertThat(pod.getContainers().get(0).getResources().getLimits())
        .containsEntry("ephemeral-storage", new Quantity("1Gi"));
  }

  @Test
  void deploymentTakesItsSettingsFromValues() {
    Deployment deployment = deployment(render("""
        image: {repository: registry.example/fcp, tag: "9.9.9", pullPolicy: Always}
        imagePullSecrets: [{name: regcred}]
        watchNamespaces: [dev, prod]
        concurrency: {perNode: 2, global: 20, perNamespace: 4}
        defaultTimeoutSeconds: 600
        retries: {limit: 0}
        leaderElection: {leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 5}
        logFormat: json
        healthPort: 9090
        extraEnv:
          - {name: JAVA_TOOL_OPTIONS, value: "-XX:NativeMemoryTracking=summary"}
        nodeSelector: {kubernetes.io/os: linux}
        tolerations: [{key: dedicated, operator: Equal, value: ops, effect: NoSchedule}]
        affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms:
          [{matchExpressions: [{key: ops, operator: Exists}]}]}}}
        podAnnotations: {example.com/owner: ir-team}
        podLabels: {team: ir, app.kubernetes.io/name: not-the-chart}
        serviceAccount: {create: true, name: fcp-operator, annotations: {example.com/note: x}}
        resources: {requests: {cpu: 50m, memory: 256Mi}, limits: {memory: 1Gi}}
        """));
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = pod.getContainers().get(0);

    assertThat(env(deployment)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("FCP_WATCH_NAMESPACES", "dev,prod"),
        Map.entry("FCP_MAX_CONCURRENT_PER_NODE", "2"),
        Map.entry("FCP_MAX_CONCURRENT", "20"),
        Map.entry("FCP_MAX_CONCURRENT_PER_NAMESPACE", "4"),
        Map.entry("FCP_DEFAULT_TIMEOUT_SECONDS", "600"),
        Map.entry("FCP_MAX_TIMEOUT_SECONDS", "900"),
        Map.entry("FCP_LOG_FORMAT", "json"),
        Map.entry("FCP_HEALTH_PORT", "9090"),
        Map.entry("FCP_RETRY_LIMIT", "0"),
        Map.entry("FCP_RETRY_BACKOFF_MILLIS", "1000"),
        Map.entry("FCP_TRANSPORT", "proxy"),
        Map.entry("FCP_LEADER_ELECTION_LEASE", FULLNAME),
        Map.entry("FCP_LEADER_ELECTION_NAMESPACE", NAMESPACE),
        Map.entry("FCP_LEASE_DURATION_SECONDS", "30"),
        Map.entry("FCP_LEASE_RENEW_DEADLINE_SECONDS", "20"),
        Map.entry("FCP_LEASE_RETRY_PERIOD_SECONDS", "5"),
        Map.entry("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary")));
    assertThat(operator.getImage()).isEqualTo("registry.example/fcp:9.9.9");
    assertThat(operator.getImagePullPolicy()).isEqualTo("Always");
    assertThat(pod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
    assertThat(operator.getPorts().get(0).getContainerPort()).isEqualTo(9090);
    assertThat(pod.getServiceAccountName()).isEqualTo("fcp-operator");
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("kubernetes.io/os", "linux"));
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getAffinity().getNodeAffinity()).isNotNull();
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsExactly(Map.entry("example.com/owner", "ir-team"));
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("team", "ir")
        .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/name", FULLNAME);
    // Helm merges maps with the defaults: the ephemeral-storage limit stays
    assertThat(operator.getResources().getLimits()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "memory", new Quantity("1Gi"), "ephemeral-storage", new Quantity("256Mi")));

    String digest = "sha256:" + "ab".repeat(32);
    assertThat(deployment(render("image: {digest: \"" + digest + "\"}")).getSpec().getTemplate().getSpec()
        .getContainers().get(0).getImage()).isEqualTo("forensic-checkpoint-operator@" + digest);
  }

  @Test
  void serviceAccountBindingsFollowTheServiceAccountValues() {
    List<Manifest> existing = render("serviceAccount: {create: false, name: preexisting}");
    assertThat(kinds(existing, "ServiceAccount")).isEmpty();
    assertThat(named(existing, "ClusterRoleBinding", FULLNAME).as(ClusterRoleBinding.class).getSubjects())
        .containsExactly(new Subject(null, "ServiceAccount", "preexisting", NAMESPACE));
    assertThat(deployment(existing).getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("preexisting");
  }

  @Test
  void everyValueIsInTheSchemaAndTheReadme() throws IOException {
    JsonNode values = YAML.readTree(CHART.resolve("values.yaml").toFile());
    JsonNode schema = JSON.readTree(CHART.resolve("values.schema.json").toFile());
    String readme = Files.readString(CHART.resolve("README.md"));

    assertThat(schema.path("$schema").asText()).isEqualTo("http://json-schema.org/draft-07/schema#");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(names(schema.path("properties"))).as("top-level keys: schema vs values.yaml")
        .isEqualTo(names(values));

    List<String> keys = new ArrayList<>();
    collectKeys(values, schema, "", keys);
    for (String key : keys) {
      boolean documented = false;
      for (String k = key; !documented && !k.isEmpty(); k = k.contains(".") ? k.substring(0, k.lastIndexOf('.')) : "") {
        documented = readme.contains("| `" + k + "` |");
      }
      assertThat(documented).as("helm/README.md has a values table row for %s", key).isTrue();
    }
  }

  /** Paths of values.yaml, descending where the schema lists an object's properties. */
  private static void collectKeys(JsonNode values, JsonNode schema, String prefix, List<String> keys) {
    for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = prefix + field.getKey();
      JsonNode property = schema.path("properties").path(field.getKey());
      assertThat(property.isMissingNode()).as("values.schema.json describes %s", key).isFalse();
      if (field.getValue().isObject() && property.has("properties")) {
        collectKeys(field.getValue(), property, key + ".", keys);
      } else {
        keys.add(key);
      }
    }
  }

  @Test
  void deployIsTheChartsDefaultRender() throws IOException {
    Map<String, String> expected = DeployDirectory.expectedFiles(template().call());
    String howToFix = "deploy/ must equal the chart's default render (release " + RELEASE + ", namespace "
        + NAMESPACE + "); regenerate it with: " + DeployDirectory.REGENERATE_COMMAND;
    Set<String> present;
    try (Stream<Path> files = Files.list(DEPLOY)) {
      present = files.filter(DeployDirectory::isYaml).map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
    assertThat(present).as("files in deploy/. " + howToFix).isEqualTo(new TreeSet<>(expected.keySet()));
    List<String> differing = new ArrayList<>();
    for (Map.Entry<String, String> file : expected.entrySet()) {
      // parsed documents, so that comments and formatting do not count
      if (!documents(Files.readString(DEPLOY.resolve(file.getKey()))).equals(documents(file.getValue()))) {
        differing.add("deploy/" + file.getKey());
      }
    }
    assertThat(differing).as("files that differ from the chart. " + howToFix).isEmpty();
  }

  /**
   * kustomize refuses files outside the kustomization's directory, so deploy/ refers to the CRD through
   * crd/kustomization.yaml (the directory ../crd), never to the file itself.
   */
  @Test
  void deployKustomizationReachesTheCrd() throws IOException {
    Path crdKustomization = ROOT.resolve("crd/kustomization.yaml");
    assertThat(crdKustomization).as("kubectl apply -k deploy/ loads the CRD through %s, with"
        + " resources: [%s]", ROOT.relativize(crdKustomization), CRD_FILE).exists();
    assertThat(strings(YAML.readTree(crdKustomization.toFile()).path("resources")))
        .containsExactly(CRD_FILE, "checkpointpolicies.forensics.ckpt.io-v1.yml",
            "checkpointrestores.forensics.ckpt.io-v1.yml");
    assertThat(ROOT.resolve("crd").resolve(CRD_FILE)).exists();
  }

  @Test
  void notesExplainTheTradeOffAndTheFirstCheckpoint() throws IOException {
    String notes = notes(null);
    assertThat(notes).contains(
        "nodes/proxy",
        "exec and attach into EVERY pod on EVERY\n   node",
        "nodes/checkpoint",
        "--set kubeletClientBinding.enabled=true",
        "kubectl -n " + NAMESPACE + " rollout status deployment/" + FULLNAME,
        "kubectl get fcp -A",
        "kubectl wait --for=condition=Ready fcp/nettools-inc42 -n dev");

    // the NOTES example is the sample in deploy/examples, less the optional timeout
    int exampleLine = notes.lastIndexOf('\n', notes.indexOf("apiVersion: forensics.ckpt.io")) + 1;
    String example = notes.substring(exampleLine, notes.indexOf("   then:"));
    JsonNode fromNotes = documents(example.stripIndent()).get(0);
    ObjectNode sample = (ObjectNode) documents(Files.readString(
        DEPLOY.resolve("examples/forensiccheckpoint.yaml"))).get(0).deepCopy();
    ((ObjectNode) sample.path("spec")).remove("timeoutSeconds");
    assertThat(fromNotes).isEqualTo(sample);

    assertThat(notes("kubeletClientBinding: {enabled: true, kind: Group, name: ops-kubelet-client}"))
        .contains("This release binds it for Group \"ops-kubelet-client\"")
        .doesNotContain("--set kubeletClientBinding.enabled=true");
    assertThat(notes("watchNamespaces: [prod, dev]"))
        .contains("these namespaces only: prod, dev", "namespace: prod", "-n prod");
  }

  /** The NOTES.txt Helm prints after an install (a client-only dry run: no cluster needed). */
  static String notes(String valuesYaml) {
    InstallCommand install = new Helm(renderableChart).install().withName(RELEASE).withNamespace(NAMESPACE)
        .dryRun().withDryRunOption(DryRun.CLIENT).clientOnly();
    if (valuesYaml != null) {
      install = install.withValuesFile(valuesFile(valuesYaml));
    }
    String output = install.call().getOutput();
    assertThat(output).contains("NOTES:");
    return output.substring(output.indexOf("NOTES:"));
  }

  @Test
  void exampleIsTheDocumentedCheckpoint() throws IOException {
    Path examples = DEPLOY.resolve("examples");
    assertThat(strings(YAML.readTree(examples.resolve("kustomization.yaml").toFile()).path("resources")))
        .containsExactly("forensiccheckpoint.yaml");

    List<JsonNode> docs = documents(Files.readString(examples.resolve("forensiccheckpoint.yaml")));
    assertThat(docs).hasSize(1);
    JsonNode fcp = docs.get(0);
    assertThat(fcp.path("apiVersion").asText()).isEqualTo("forensics.ckpt.io/v1alpha1");
    assertThat(fcp.path("kind").asText()).isEqualTo("ForensicCheckpoint");
    assertThat(fcp.path("metadata").path("namespace").asText()).isEqualTo("dev");
    assertThat(fcp.path("metadata").path("name").asText()).isEqualTo("nettools-inc42");
    JsonNode spec = fcp.path("spec");
    assertThat(names(spec)).containsExactlyInAnyOrder("podName", "containers", "reason", "caseId", "timeoutSeconds");
    assertThat(spec.path("podName").asText()).isEqualTo("nettools");
    assertThat(strings(spec.path("containers"))).containsExactly("nettools");
    assertThat(spec.path("reason").asText()).isEqualTo("Falco: Terminal shell in container");
    assertThat(spec.path("caseId").asText()).isEqualTo("INC-2026-0042");
    assertThat(spec.path("timeoutSeconds").isInt()).isTrue();
    assertThat(spec.path("timeoutSeconds").asInt()).isEqualTo(300);
  }

  // --- rendering ---------------------------------------------------------------------------------

  static TemplateCommand template() {
    return new Helm(renderableChart).template().withName(RELEASE).withNamespace(NAMESPACE);
  }

  /** Renders with the default values, or with these values (YAML) on top. */
  static List<Manifest> render(String valuesYaml) {
    TemplateCommand template = template();
    if (valuesYaml != null) {
      template = template.withValuesFile(valuesFile(valuesYaml));
    }
    return manifests(template.call());
  }

  static Path valuesFile(String valuesYaml) {
    try {
      Path file = Files.createTempFile(scratch, "values-", ".yaml");
      Files.writeString(file, valuesYaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Manifest> manifests(String rendered) {
    List<Manifest> result = new ArrayList<>();
    for (String chunk : rendered.split("(?m)^---\\s*$")) {
      List<JsonNode> docs = documents(chunk);
      if (docs.isEmpty()) {
        continue;
      }
      assertThat(docs).as("one document per chunk:%n%s", chunk).hasSize(1);
      Matcher source = SOURCE.matcher(chunk);
      assertThat(source.find()).as("helm names the template of:%n%s", chunk).isTrue();
      result.add(new Manifest(source.group(1), chunk, docs.get(0)));
    }
    return result;
  }

  static List<JsonNode> documents(String yaml) {
    try {
      List<JsonNode> docs = new ArrayList<>();
      for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
        if (doc != null && !doc.isNull() && !doc.isMissingNode() && !(doc.isObject() && doc.isEmpty())) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // --- reading renders ---------------------------------------------------------------------------

  static List<Manifest> kinds(List<Manifest> render, String... kinds) {
    Set<String> wanted = Set.of(kinds);
    return render.stream().filter(m -> wanted.contains(m.kind())).toList();
  }

  static Manifest named(List<Manifest> render, String kind, String name) {
    return render.stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
        .orElseGet(() -> fail("no %s %s in the render: %s", kind, name,
            render.stream().map(m -> m.kind() + "/" + m.name()).toList()));
  }

  static Deployment deployment(List<Manifest> render) {
    List<Manifest> deployments = kinds(render, "Deployment");
    assertThat(deployments).hasSize(1);
    return deployments.get(0).as(Deployment.class);
  }

  static Map<String, String> env(Deployment deployment) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      assertThat(env).as("env var set twice").doesNotContainKey(var.getName());
      env.put(var.getName(), var.getValue());
    }
    return env;
  }

  static Map<String, String> labels(JsonNode metadata) {
    Map<String, String> labels = new LinkedHashMap<>();
    metadata.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  static Set<String> names(JsonNode object) {
    Set<String> names = new TreeSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static List<String> strings(JsonNode array) {
    List<String> strings = new ArrayList<>();
    array.forEach(n -> strings.add(n.asText()));
    return strings;
  }

  /** Everything the operator's ServiceAccount is granted by the render's bindings. */
  static Set<Grant> operatorGrants(List<Manifest> render) {
    Deployment deployment = deployment(render);
    String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
    Subject operator = new Subject(null, "ServiceAccount", serviceAccount, NAMESPACE);

    Set<Grant> grants = new LinkedHashSet<>();
    for (Manifest m : kinds(render, "ClusterRoleBinding", "RoleBinding")) {
      List<Subject> subjects;
      RoleRef roleRef;
      String scope;
      if (m.kind().equals("ClusterRoleBinding")) {
        ClusterRoleBinding binding = m.as(ClusterRoleBinding.class);
        subjects = binding.getSubjects();
        roleRef = binding.getRoleRef();
        scope = "cluster";
      } else {
        RoleBinding binding = m.as(RoleBinding.class);
        subjects = binding.getSubjects();
        roleRef = binding.getRoleRef();
        scope = m.namespace();
        assertThat(scope).as("RoleBinding %s has a namespace", m.name()).isNotEmpty();
      }
      if (!subjects.contains(operator)) {
        continue;
      }
      assertThat(subjects).as("%s %s binds only the operator", m.kind(), m.name()).containsExactly(operator);
      if (roleRef.getKind().equals("Role")) {
        Manifest role = named(render, "Role", roleRef.getName());
        assertThat(role.namespace()).as("Role %s is in the binding's namespace", role.name()).isEqualTo(scope);
        grants.addAll(grants(role.as(ClusterRole.class).getRules(), scope));
        continue;
      }
      assertThat(roleRef.getKind()).as("%s %s refers to a ClusterRole", m.kind(), m.name()).isEqualTo("ClusterRole");
      grants.addAll(grants(named(render, "ClusterRole", roleRef.getName()).as(ClusterRole.class).getRules(), scope));
    }
    return grants;
  }

  static Set<Grant> grants(List<PolicyRule> rules, String scope) {
    Set<Grant> grants = new LinkedHashSet<>();
    for (PolicyRule rule : rules) {
      List<String> names = rule.getResourceNames() == null ? List.of() : rule.getResourceNames();
      if (!names.isEmpty()) {
        assertThat(rule.getResources()).as("only the leader-election Lease and the checkpointer's tokens are"
            + " granted by name: %s", rule).containsAnyOf("leases", "serviceaccounts/token").hasSize(1);
      }
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          if (!names.isEmpty()) {
            for (String verb : rule.getVerbs()) {
              names.forEach(name -> grants.add(new Grant(scope, group, resource + "[" + name + "]", verb)));
            }
            continue;
          }
          for (String verb : rule.getVerbs()) {
            grants.add(new Grant(scope, group, resource, verb));
          }
        }
      }
    }
    return grants;
  }

  static Stream<Grant> namespacedGrants(String scope) {
    return Stream.of(
        new Grant(scope, "", "pods", "get"),
        new Grant(scope, "", "events", "create"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints", "get"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints", "list"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints", "watch"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints", "delete"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints/status", "get"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints/status", "update"),
        new Grant(scope, "forensics.ckpt.io", "forensiccheckpoints/status", "patch"));
  }

  /** Create leases, and read and renew the one Lease, in the release namespace. */
  static Stream<Grant> leaderElectionGrants() {
    return Stream.of(new Grant(NAMESPACE, "coordination.k8s.io", "leases", "create"),
            new Grant(NAMESPACE, "coordination.k8s.io", "leases[" + FULLNAME + "]", "get"),
            new Grant(NAMESPACE, "coordination.k8s.io", "leases[" + FULLNAME + "]", "update"),
            new Grant(NAMESPACE, "coordination.k8s.io", "leases[" + FULLNAME + "]", "patch"));
  }

  static List<Grant> crGrants(String... verbs) {
    return Stream.of(verbs).map(v -> new Grant("cluster", "forensics.ckpt.io", "forensiccheckpoints", v)).toList();
  }
}
