package io.ckpt.forensics.operator;

import io.ckpt.forensics.kubelet.KubeletTrust;
import io.ckpt.forensics.kubelet.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Operator settings, read from environment variables (the Helm chart sets them from values). A bad
 * value stops the operator at start with a message naming the variable, never later.
 *
 * @param watchNamespaces empty means every namespace
 * @param maxConcurrentPerNamespace kubelet calls one namespace may run at once, at most {@code maxConcurrent}:
 *     the rest stays free for other namespaces while one floods the operator
 * @param direct settings of the direct kubelet transport; used only when {@code transport} is direct
 * @param retries how calls that failed before reaching the kubelet are sent again
 * @param leaderElection whether replicas elect a leader on a Lease, and its timing
 * @param collection whether and how archives are taken into custody after a checkpoint
 * @param alerts whether the alert receiver runs, and its settings (issue 15)
 * @param export whether spec.export is honoured, where to, with which credentials (issue 16 §1)
 */
public record OperatorConfig(Set<String> watchNamespaces, int maxConcurrentPerNode, int maxConcurrent,
    int maxConcurrentPerNamespace, int defaultTimeoutSeconds, int maxTimeoutSeconds, LogFormat logFormat,
    int healthPort, Transport transport, Direct direct, RetryPolicy retries, LeaderElection leaderElection,
    CollectionConfig collection, AlertsConfig alerts, ExportConfig export) {

  /** How log lines are written. */
  public enum LogFormat {
    text, json
  }

  /** How the kubelet is reached: through the API server's node proxy, or straight to its HTTPS port. */
  public enum Transport {
    proxy, direct
  }

  /**
   * The direct transport's settings.
   *
   * @param nodeAddressTypes Node status address types, most preferred first
   * @param tokenFile the projected service-account token, re-read when it changes
   * @param kubeletCaFile PEM bundle of the CAs that sign kubelet serving certificates; null only when
   *     {@code insecureSkipVerify}
   * @param insecureSkipVerify accept any kubelet certificate (explicit opt-out, warned about)
   * @param kubeletServiceAccount "namespace/name" of the ServiceAccount whose short-lived tokens go to
   *     kubelets (the chart's checkpointer, which may only create nodes/checkpoint); null: the token of
   *     {@code tokenFile}, the operator's own, goes to every kubelet called (warned about at start)
   * @param requireNodeIdentity whether a kubelet's serving certificate must name the node called
   *     (CN=system:node:&lt;name&gt;); null: only when the CA bundle is the cluster CA, which issues
   *     such certificates
   */
  public record Direct(List<String> nodeAddressTypes, Path tokenFile, Path kubeletCaFile,
      boolean insecureSkipVerify, String kubeletServiceAccount, Boolean requireNodeIdentity) {

    /** Settings that send the token file's token to kubelets. */
    public Direct(List<String> nodeAddressTypes, Path tokenFile, Path kubeletCaFile, boolean insecureSkipVerify) {
      this(nodeAddressTypes, tokenFile, kubeletCaFile, insecureSkipVerify, null, null);
    }

    /** Whether serving certificates must name the node: as set, else when the bundle is the cluster CA. */
    public boolean nodeIdentityRequired() {
      return requireNodeIdentity != null ? requireNodeIdentity : CLUSTER_CA_FILE.equals(kubeletCaFile);
    }

    /** The namespace of {@link #kubeletServiceAccount}. */
    public String kubeletServiceAccountNamespace() {
      return kubeletServiceAccount.substring(0, kubeletServiceAccount.indexOf('/'));
    }

    /** The name of {@link #kubeletServiceAccount}. */
    public String kubeletServiceAccountName() {
      return kubeletServiceAccount.substring(kubeletServiceAccount.indexOf('/') + 1);
    }

    /**
     * How kubelet certificates are checked: against the CA bundle when one is set, else not at all
     * ({@link #requireUsable} made sure that was asked for). Messages name the variable that chose it.
     *
     * @throws IllegalArgumentException naming the variable and the file when the bundle is unusable
     */
    public KubeletTrust kubeletTrust() {
      if (kubeletCaFile == null) {
        return KubeletTrust.insecure(KUBELET_INSECURE_SKIP_VERIFY + "=true");
      }
      try {
        KubeletTrust trust = KubeletTrust.fromCaBundle(kubeletCaFile, KUBELET_CA_FILE + "=" + kubeletCaFile);
        return nodeIdentityRequired() ? trust.requiringNodeIdentity(requireNodeIdentity == null
            ? "the cluster CA issues per-node certificates; " + KUBELET_REQUIRE_NODE_IDENTITY + " unset"
            : KUBELET_REQUIRE_NODE_IDENTITY + "=true") : trust;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(KUBELET_CA_FILE + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Leader election on a coordination.k8s.io Lease: only the leader reconciles; a standby takes over
   * once the leader has not renewed for {@code leaseDuration}.
   *
   * @param leaseName null: no leader election (a single replica)
   */
  public record LeaderElection(String leaseName, String leaseNamespace, Duration leaseDuration,
      Duration renewDeadline, Duration retryPeriod) {

    public boolean enabled() {
      return leaseName != null;
    }
  }

  /** The Node address types Kubernetes defines (core/v1 NodeAddressType). */
  public static final List<String> NODE_ADDRESS_TYPES =
      List.of("Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS");
  public static final String DEFAULT_TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  public static final String WATCH_NAMESPACES = "FCP_WATCH_NAMESPACES";
  public static final String MAX_CONCURRENT_PER_NODE = "FCP_MAX_CONCURRENT_PER_NODE";
  public static final String MAX_CONCURRENT = "FCP_MAX_CONCURRENT";
  public static final String MAX_CONCURRENT_PER_NAMESPACE = "FCP_MAX_CONCURRENT_PER_NAMESPACE";
  public static final String DEFAULT_TIMEOUT_SECONDS = "FCP_DEFAULT_TIMEOUT_SECONDS";
  public static final String MAX_TIMEOUT_SECONDS = "FCP_MAX_TIMEOUT_SECONDS";
  public static final String LOG_FORMAT = "FCP_LOG_FORMAT";
  public static final String HEALTH_PORT = "FCP_HEALTH_PORT";
  public static final String TRANSPORT = "FCP_TRANSPORT";
  public static final String NODE_ADDRESS_TYPES_VAR = "FCP_NODE_ADDRESS_TYPES";
  public static final String TOKEN_FILE = "FCP_TOKEN_FILE";
  public static final String KUBELET_CA_FILE = "FCP_KUBELET_CA_FILE";
  public static final String KUBELET_INSECURE_SKIP_VERIFY = "FCP_KUBELET_INSECURE_SKIP_VERIFY";
  public static final String KUBELET_SERVICE_ACCOUNT = "FCP_KUBELET_SERVICE_ACCOUNT";
  public static final String KUBELET_REQUIRE_NODE_IDENTITY = "FCP_KUBELET_REQUIRE_NODE_IDENTITY";
  /** The cluster CA as every pod sees it: it signs kubelet serving certificates issued through CSRs. */
  public static final Path CLUSTER_CA_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
  public static final String RETRY_LIMIT = "FCP_RETRY_LIMIT";
  public static final String RETRY_BACKOFF_MILLIS = "FCP_RETRY_BACKOFF_MILLIS";
  public static final String LEADER_ELECTION_LEASE = "FCP_LEADER_ELECTION_LEASE";
  public static final String LEADER_ELECTION_NAMESPACE = "FCP_LEADER_ELECTION_NAMESPACE";
  public static final String LEASE_DURATION_SECONDS = "FCP_LEASE_DURATION_SECONDS";
  public static final String LEASE_RENEW_DEADLINE_SECONDS = "FCP_LEASE_RENEW_DEADLINE_SECONDS";
  public static final String LEASE_RETRY_PERIOD_SECONDS = "FCP_LEASE_RETRY_PERIOD_SECONDS";
  /** The pod's own namespace, from its ServiceAccount volume. */
  static final Path POD_NAMESPACE_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  /** DNS-1123 label: a namespace name. */
  static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  /** DNS-1123 subdomain: the name of a ServiceAccount, Secret or PersistentVolumeClaim. */
  static final Pattern SERVICE_ACCOUNT_NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  public static OperatorConfig defaults() {
    return fromEnvironment(Map.of());
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    Set<String> namespaces = new LinkedHashSet<>();
    Arrays.stream(env.getOrDefault(WATCH_NAMESPACES, "").split(","))
        .map(String::strip).filter(s -> !s.isEmpty()).forEach(ns -> {
          if (!NAMESPACE.matcher(ns).matches() || ns.length() > 63) {
            throw new IllegalArgumentException(WATCH_NAMESPACES + ": '" + ns + "' is not a namespace name;"
                + " give a comma-separated list of namespaces, or leave it empty to watch all");
          }
          namespaces.add(ns);
        });
    int defaultTimeout = integer(env, DEFAULT_TIMEOUT_SECONDS, 300, 1, 3600);
    int maxTimeout = integer(env, MAX_TIMEOUT_SECONDS, 900, 1, 3600);
    if (defaultTimeout > maxTimeout) {
      throw new IllegalArgumentException(DEFAULT_TIMEOUT_SECONDS + " (" + defaultTimeout + ") is above "
          + MAX_TIMEOUT_SECONDS + " (" + maxTimeout + "): lower the default or raise the maximum");
    }
    int maxConcurrent = integer(env, MAX_CONCURRENT, 10, 1, 1000);
    CollectionConfig collection = CollectionConfig.fromEnvironment(env);
    return new OperatorConfig(Set.copyOf(namespaces),
        integer(env, MAX_CONCURRENT_PER_NODE, 1, 1, 100),
        maxConcurrent,
        perNamespace(env, maxConcurrent),
        defaultTimeout,
        maxTimeout,
        logFormat(env.getOrDefault(LOG_FORMAT, "text")),
        integer(env, HEALTH_PORT, 8080, 0, 65535),
        transport(env.getOrDefault(TRANSPORT, "proxy")),
        direct(env),
        retryPolicy(env),
        leaderElection(env),
        collection,
        AlertsConfig.fromEnvironment(env),
        ExportConfig.fromEnvironment(env, collection));
  }

  /**
   * The per-namespace limit: by default half the global one, rounded up, so that a namespace that
   * floods the operator leaves the other half to everyone else; never above the global one, which
   * it could not reach.
   */
  private static int perNamespace(Map<String, String> env, int maxConcurrent) {
    int perNamespace = integer(env, MAX_CONCURRENT_PER_NAMESPACE, (maxConcurrent + 1) / 2, 1, 1000);
    if (perNamespace > maxConcurrent) {
      throw new IllegalArgumentException(MAX_CONCURRENT_PER_NAMESPACE + " (" + perNamespace + ") is above "
          + MAX_CONCURRENT + " (" + maxConcurrent + "): one namespace can never run more than the global limit;"
          + " lower it, raise " + MAX_CONCURRENT + ", or leave it unset for half the global limit");
    }
    return perNamespace;
  }

  private static LeaderElection leaderElection(Map<String, String> env) {
    String lease = env.getOrDefault(LEADER_ELECTION_LEASE, "").strip();
    Duration duration = Duration.ofSeconds(integer(env, LEASE_DURATION_SECONDS, 15, 2, 300));
    Duration renew = Duration.ofSeconds(integer(env, LEASE_RENEW_DEADLINE_SECONDS, 10, 1, 299));
    Duration retry = Duration.ofSeconds(integer(env, LEASE_RETRY_PERIOD_SECONDS, 2, 1, 60));
    if (lease.isEmpty()) {
      return new LeaderElection(null, null, duration, renew, retry);
    }
    if (!NAMESPACE.matcher(lease).matches() || lease.length() > 63) {
      throw new IllegalArgumentException(LEADER_ELECTION_LEASE + ": '" + lease + "' is not a Lease name");
    }
    if (renew.compareTo(duration) >= 0 || retry.compareTo(renew) >= 0) {
      throw new IllegalArgumentException(LEASE_RETRY_PERIOD_SECONDS + " < " + LEASE_RENEW_DEADLINE_SECONDS + " < "
          + LEASE_DURATION_SECONDS + " must hold (now " + retry.toSeconds() + ", " + renew.toSeconds() + ", "
          + duration.toSeconds() + ")");
    }
    String namespace = env.getOrDefault(LEADER_ELECTION_NAMESPACE, "").strip();
    if (namespace.isEmpty()) {
      try {
        namespace = java.nio.file.Files.readString(POD_NAMESPACE_FILE).strip();
      } catch (java.io.IOException | RuntimeException e) {
        throw new IllegalArgumentException(LEADER_ELECTION_NAMESPACE + " is not set and " + POD_NAMESPACE_FILE
            + " cannot be read: name the namespace of the Lease " + lease);
      }
    }
    return new LeaderElection(lease, namespace, duration, renew, retry);
  }

  private static RetryPolicy retryPolicy(Map<String, String> env) {
    int limit = integer(env, RETRY_LIMIT, 3, 0, 10);
    Duration initial = Duration.ofMillis(integer(env, RETRY_BACKOFF_MILLIS, 1000, 10, 60_000));
    return new RetryPolicy(limit, initial, initial.multipliedBy(8));
  }

  /** A copy with another transport (tests and the benchmark switch it). */
  public OperatorConfig withTransport(Transport other, Direct settings) {
    return new OperatorConfig(watchNamespaces, maxConcurrentPerNode, maxConcurrent, maxConcurrentPerNamespace,
        defaultTimeoutSeconds, maxTimeoutSeconds, logFormat, healthPort, other, settings, retries, leaderElection,
        collection, alerts, export);
  }

  /** A copy that takes archives into custody as {@code other} says (tests switch it). */
  public OperatorConfig withCollection(CollectionConfig other) {
    return new OperatorConfig(watchNamespaces, maxConcurrentPerNode, maxConcurrent, maxConcurrentPerNamespace,
        defaultTimeoutSeconds, maxTimeoutSeconds, logFormat, healthPort, transport, direct, retries, leaderElection,
        other, alerts, export);
  }

  /** A copy with the alert receiver as {@code other} says (tests switch it). */
  public OperatorConfig withAlerts(AlertsConfig other) {
    return new OperatorConfig(watchNamespaces, maxConcurrentPerNode, maxConcurrent, maxConcurrentPerNamespace,
        defaultTimeoutSeconds, maxTimeoutSeconds, logFormat, healthPort, transport, direct, retries, leaderElection,
        collection, other, export);
  }

  /** A copy that honours spec.export as {@code other} says (tests switch it). */
  public OperatorConfig withExport(ExportConfig other) {
    return new OperatorConfig(watchNamespaces, maxConcurrentPerNode, maxConcurrent, maxConcurrentPerNamespace,
        defaultTimeoutSeconds, maxTimeoutSeconds, logFormat, healthPort, transport, direct, retries, leaderElection,
        collection, alerts, other);
  }

  /**
   * The kubelet timeout for a spec's {@code timeoutSeconds} (null: the default), never above the
   * operator's maximum: a call holds its node's checkpoint slot for as long as the kubelet may take,
   * so one namespace's long timeouts could otherwise keep every other namespace off that node.
   */
  public int timeoutFor(Integer requested) {
    return Math.min(requested != null ? requested : defaultTimeoutSeconds, maxTimeoutSeconds);
  }

  private static Transport transport(String raw) {
    String value = raw.strip().toLowerCase(Locale.ROOT);
    if (value.isEmpty()) {
      return Transport.proxy;
    }
    try {
      return Transport.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(TRANSPORT + ": '" + raw + "' is not a transport; use proxy (through the"
          + " API server's node proxy, needs create nodes/proxy) or direct (HTTPS to the kubelet, needs create"
          + " nodes/checkpoint and get nodes)");
    }
  }

  private static Direct direct(Map<String, String> env) {
    List<String> types = new ArrayList<>();
    String rawTypes = env.getOrDefault(NODE_ADDRESS_TYPES_VAR, "");
    for (String part : (rawTypes.isBlank() ? "InternalIP,ExternalIP,Hostname" : rawTypes).split(",")) {
      String type = part.strip();
      if (type.isEmpty()) {
        continue;
      }
      String known = NODE_ADDRESS_TYPES.stream().filter(t -> t.equalsIgnoreCase(type)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException(NODE_ADDRESS_TYPES_VAR + ": '" + type + "' is not a Node"
              + " address type; use a comma-separated list of " + String.join(", ", NODE_ADDRESS_TYPES)));
      if (!types.contains(known)) {
        types.add(known);
      }
    }
    String tokenFile = env.getOrDefault(TOKEN_FILE, "");
    String caFile = env.getOrDefault(KUBELET_CA_FILE, "");
    boolean insecure = bool(env, KUBELET_INSECURE_SKIP_VERIFY);
    String account = env.getOrDefault(KUBELET_SERVICE_ACCOUNT, "").strip();
    if (!account.isEmpty()) {
      String[] parts = account.split("/", -1);
      if (parts.length != 2 || !NAMESPACE.matcher(parts[0]).matches() || parts[0].length() > 63
          || !SERVICE_ACCOUNT_NAME.matcher(parts[1]).matches() || parts[1].length() > 253) {
        throw new IllegalArgumentException(KUBELET_SERVICE_ACCOUNT + ": '" + account + "' is not namespace/name of"
            + " a ServiceAccount; name the account whose tokens go to kubelets (the chart's checkpointer)");
      }
    }
    return new Direct(List.copyOf(types), Path.of(tokenFile.isBlank() ? DEFAULT_TOKEN_FILE : tokenFile.strip()),
        caFile.isBlank() ? null : Path.of(caFile.strip()), insecure, account.isEmpty() ? null : account,
        env.getOrDefault(KUBELET_REQUIRE_NODE_IDENTITY, "").isBlank() ? null : bool(env, KUBELET_REQUIRE_NODE_IDENTITY));
  }

  /**
   * Settings that only matter once the transport is chosen; called at start, so a direct transport
   * without a way to verify kubelets never starts.
   */
  public void requireUsable() {
    if (transport == Transport.direct && direct.kubeletCaFile() == null && !direct.insecureSkipVerify()) {
      throw new IllegalArgumentException(KUBELET_CA_FILE + " is not set: the direct transport verifies each"
          + " kubelet's serving certificate against this PEM bundle (the CA that signs kubelet serving"
          + " certificates; with serverTLSBootstrap that is the cluster CA). Set it, or set "
          + KUBELET_INSECURE_SKIP_VERIFY + "=true to accept any kubelet certificate (not recommended)");
    }
  }

  static boolean bool(Map<String, String> env, String name) {
    return bool(env, name, false);
  }

  static boolean bool(Map<String, String> env, String name, boolean fallback) {
    String raw = env.getOrDefault(name, "").strip().toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "" -> fallback;
      case "false" -> false;
      case "true" -> true;
      default -> throw new IllegalArgumentException(name + ": '" + raw + "' is not true or false");
    };
  }

  static int integer(Map<String, String> env, String name, int fallback, int min, int max) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(name + ": '" + raw + "' is not a whole number from " + min + " to " + max
        + " (default " + fallback + ")");
  }

  private static LogFormat logFormat(String raw) {
    try {
      return LogFormat.valueOf(raw.strip().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(LOG_FORMAT + ": '" + raw + "' is not a log format; use text or json");
    }
  }
}
