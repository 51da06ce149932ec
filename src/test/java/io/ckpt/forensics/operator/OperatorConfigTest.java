package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchEverythingWithConservativeLimits() {
    OperatorConfig config = OperatorConfig.defaults();

    assertThat(config.watchNamespaces()).isEmpty();
    assertThat(config.maxConcurrentPerNode()).isEqualTo(1);
    assertThat(config.maxConcurrent()).isEqualTo(10);
    assertThat(config.maxConcurrentPerNamespace()).as("half the global limit").isEqualTo(5);
    assertThat(config.defaultTimeoutSeconds()).isEqualTo(300);
    assertThat(config.maxTimeoutSeconds()).isEqualTo(900);
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.text);
    assertThat(config.healthPort()).isEqualTo(8080);
  }

  @Test
  void readsEveryVariable() {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(
        "FCP_WATCH_NAMESPACES", " dev, prod ,,", "FCP_MAX_CONCURRENT_PER_NODE", "2", "FCP_MAX_CONCURRENT", "20",
        "FCP_MAX_CONCURRENT_PER_NAMESPACE", "3", "FCP_DEFAULT_TIMEOUT_SECONDS", "900",
        "FCP_MAX_TIMEOUT_SECONDS", "1200", "FCP_LOG_FORMAT", "JSON", "FCP_HEALTH_PORT", "0"));

    assertThat(config.watchNamespaces()).isEqualTo(Set.of("dev", "prod"));
    assertThat(config.maxConcurrentPerNode()).isEqualTo(2);
    assertThat(config.maxConcurrent()).isEqualTo(20);
    assertThat(config.maxConcurrentPerNamespace()).isEqualTo(3);
    assertThat(config.defaultTimeoutSeconds()).isEqualTo(900);
    assertThat(config.maxTimeoutSeconds()).isEqualTo(1200);
    assertThat(config.logFormat()).isEqualTo(OperatorConfig.LogFormat.json);
    assertThat(config.healthPort()).isZero();
  }

  @Test
  void timeoutsAreBoundedByTheOperatorsMaximum() {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of("FCP_MAX_TIMEOUT_SECONDS", "600"));

    assertThat(config.timeoutFor(null)).isEqualTo(300);
    assertThat(config.timeoutFor(45)).isEqualTo(45);
    assertThat(config.timeoutFor(3600)).isEqualTo(600);
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_DEFAULT_TIMEOUT_SECONDS", "1000")))
        .hasMessageContaining("FCP_DEFAULT_TIMEOUT_SECONDS (1000) is above FCP_MAX_TIMEOUT_SECONDS (900)");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_MAX_TIMEOUT_SECONDS", "3601")))
        .hasMessageContaining("FCP_MAX_TIMEOUT_SECONDS");
  }

  @Test
  void thePerNamespaceLimitFollowsTheGlobalOneAndNeverExceedsIt() {
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT", "7")).maxConcurrentPerNamespace())
        .as("half, rounded up").isEqualTo(4);
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT", "1")).maxConcurrentPerNamespace())
        .isEqualTo(1);
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT", "4",
        "FCP_MAX_CONCURRENT_PER_NAMESPACE", "4")).maxConcurrentPerNamespace()).as("equal: no namespace limit")
        .isEqualTo(4);
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT_PER_NAMESPACE", " "))
        .maxConcurrentPerNamespace()).as("blank is unset").isEqualTo(5);

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT_PER_NAMESPACE", "11")))
        .hasMessage("FCP_MAX_CONCURRENT_PER_NAMESPACE (11) is above FCP_MAX_CONCURRENT (10): one namespace can never"
            + " run more than the global limit; lower it, raise FCP_MAX_CONCURRENT, or leave it unset for half the"
            + " global limit");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT_PER_NAMESPACE", "0")))
        .hasMessageContaining("FCP_MAX_CONCURRENT_PER_NAMESPACE: '0' is not a whole number from 1 to 1000");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT_PER_NAMESPACE", "half")))
        .hasMessageContaining("FCP_MAX_CONCURRENT_PER_NAMESPACE: 'half'");
  }

  @Test
  void badValuesNameTheVariableAndTheFix() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_MAX_CONCURRENT_PER_NODE", "0")))
        .hasMessageContaining("FCP_MAX_CONCURRENT_PER_NODE").hasMessageContaining("from 1 to 100");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_DEFAULT_TIMEOUT_SECONDS", "ten")))
        .hasMessageContaining("FCP_DEFAULT_TIMEOUT_SECONDS").hasMessageContaining("'ten'");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_LOG_FORMAT", "xml")))
        .hasMessageContaining("FCP_LOG_FORMAT").hasMessageContaining("text or json");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_WATCH_NAMESPACES", "dev,Prod_1")))
        .hasMessageContaining("FCP_WATCH_NAMESPACES").hasMessageContaining("'Prod_1'");
  }

  @Test
  void theTransportIsProxyUnlessDirectIsAskedFor() {
    OperatorConfig config = OperatorConfig.defaults();

    assertThat(config.transport()).isEqualTo(OperatorConfig.Transport.proxy);
    assertThat(config.direct().nodeAddressTypes()).containsExactly("InternalIP", "ExternalIP", "Hostname");
    assertThat(config.direct().tokenFile())
        .isEqualTo(Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token"));
    assertThat(config.direct().kubeletCaFile()).isNull();
    assertThat(config.direct().insecureSkipVerify()).isFalse();
    config.requireUsable();
  }

  @Test
  void readsTheDirectTransportsSettings() {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of("FCP_TRANSPORT", "Direct",
        "FCP_NODE_ADDRESS_TYPES", "hostname, InternalIP,InternalIP", "FCP_TOKEN_FILE", "/tmp/token",
        "FCP_KUBELET_CA_FILE", "/etc/kubelet-ca/ca.crt"));

    assertThat(config.transport()).isEqualTo(OperatorConfig.Transport.direct);
    assertThat(config.direct().nodeAddressTypes()).isEqualTo(List.of("Hostname", "InternalIP"));
    assertThat(config.direct().tokenFile()).isEqualTo(Path.of("/tmp/token"));
    assertThat(config.direct().kubeletCaFile()).isEqualTo(Path.of("/etc/kubelet-ca/ca.crt"));
    config.requireUsable();
  }

  @Test
  void theKubeletServiceAccountIsNamespaceSlashName() {
    OperatorConfig.Direct direct = OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_SERVICE_ACCOUNT",
        " forensics/fcp-checkpointer ")).direct();

    assertThat(direct.kubeletServiceAccountNamespace()).isEqualTo("forensics");
    assertThat(direct.kubeletServiceAccountName()).isEqualTo("fcp-checkpointer");
    assertThat(OperatorConfig.defaults().direct().kubeletServiceAccount()).isNull();
    for (String bad : List.of("fcp-checkpointer", "a/b/c", "Forensics/x", "ns/", "/name")) {
      assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_SERVICE_ACCOUNT", bad)))
          .as(bad).hasMessageContaining("FCP_KUBELET_SERVICE_ACCOUNT").hasMessageContaining("namespace/name");
    }
  }

  @Test
  void nodeIdentityIsRequiredByDefaultOnlyWithTheClusterCa() {
    String clusterCa = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_CA_FILE", clusterCa)).direct()
        .nodeIdentityRequired()).isTrue();
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_CA_FILE", "/etc/kubelet-ca/ca.crt")).direct()
        .nodeIdentityRequired()).isFalse();
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_CA_FILE", clusterCa,
        "FCP_KUBELET_REQUIRE_NODE_IDENTITY", "false")).direct().nodeIdentityRequired()).isFalse();
    assertThat(OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_CA_FILE", "/etc/kubelet-ca/ca.crt",
        "FCP_KUBELET_REQUIRE_NODE_IDENTITY", "true")).direct().nodeIdentityRequired()).isTrue();
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_REQUIRE_NODE_IDENTITY", "auto")))
        .hasMessageContaining("FCP_KUBELET_REQUIRE_NODE_IDENTITY");
  }

  @Test
  void directWithoutACaBundleNeedsTheExplicitOptOut() {
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of("FCP_TRANSPORT", "direct"));
    assertThatThrownBy(config::requireUsable).hasMessageContaining("FCP_KUBELET_CA_FILE")
        .hasMessageContaining("FCP_KUBELET_INSECURE_SKIP_VERIFY=true");

    OperatorConfig.fromEnvironment(Map.of("FCP_TRANSPORT", "direct", "FCP_KUBELET_INSECURE_SKIP_VERIFY", "true"))
        .requireUsable();
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_TRANSPORT", "ssh")))
        .hasMessageContaining("FCP_TRANSPORT").hasMessageContaining("proxy").hasMessageContaining("direct");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_NODE_ADDRESS_TYPES", "PodIP")))
        .hasMessageContaining("FCP_NODE_ADDRESS_TYPES").hasMessageContaining("'PodIP'");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_KUBELET_INSECURE_SKIP_VERIFY", "yes")))
        .hasMessageContaining("FCP_KUBELET_INSECURE_SKIP_VERIFY");
  }

  @Test
  void transientFailuresAreRetriedThreeTimesFromOneSecondByDefault() {
    var retries = OperatorConfig.defaults().retries();
    assertThat(retries.maxRetries()).isEqualTo(3);
    assertThat(retries.backoff(1)).isEqualTo(java.time.Duration.ofSeconds(1));
    assertThat(retries.backoff(3)).isEqualTo(java.time.Duration.ofSeconds(4));

    var off = OperatorConfig.fromEnvironment(Map.of("FCP_RETRY_LIMIT", "0", "FCP_RETRY_BACKOFF_MILLIS", "50"))
        .retries();
    assertThat(off.maxRetries()).isZero();
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_RETRY_LIMIT", "11")))
        .hasMessageContaining("FCP_RETRY_LIMIT").hasMessageContaining("from 0 to 10");
  }

  @Test
  void leaderElectionIsOffUnlessALeaseIsNamed() {
    assertThat(OperatorConfig.defaults().leaderElection().enabled()).isFalse();

    var election = OperatorConfig.fromEnvironment(Map.of("FCP_LEADER_ELECTION_LEASE", "fcp",
        "FCP_LEADER_ELECTION_NAMESPACE", "ops", "FCP_LEASE_DURATION_SECONDS", "20")).leaderElection();
    assertThat(election.enabled()).isTrue();
    assertThat(election.leaseNamespace()).isEqualTo("ops");
    assertThat(election.leaseDuration()).isEqualTo(java.time.Duration.ofSeconds(20));
    assertThat(election.renewDeadline()).isEqualTo(java.time.Duration.ofSeconds(10));
    assertThat(election.retryPeriod()).isEqualTo(java.time.Duration.ofSeconds(2));

    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_LEADER_ELECTION_LEASE", "fcp",
        "FCP_LEADER_ELECTION_NAMESPACE", "ops", "FCP_LEASE_DURATION_SECONDS", "10")))
        .hasMessageContaining("FCP_LEASE_RENEW_DEADLINE_SECONDS").hasMessageContaining("FCP_LEASE_DURATION_SECONDS");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of("FCP_LEADER_ELECTION_LEASE", "Bad_Lease",
        "FCP_LEADER_ELECTION_NAMESPACE", "ops"))).hasMessageContaining("FCP_LEADER_ELECTION_LEASE");
  }
}
