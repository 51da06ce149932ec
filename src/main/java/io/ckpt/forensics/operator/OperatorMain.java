package io.ckpt.forensics.operator;

import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.kubelet.BearerToken;
import io.ckpt.forensics.kubelet.CheckpointTransport;
import io.ckpt.forensics.kubelet.DirectKubeletTransport;
import io.ckpt.forensics.kubelet.KubeletCredential;
import io.ckpt.forensics.kubelet.KubeletTrust;
import io.ckpt.forensics.kubelet.NodeEndpointResolver;
import io.ckpt.forensics.kubelet.NodeProxyTransport;
import io.ckpt.forensics.kubelet.RequestedToken;
import io.ckpt.forensics.kubelet.RetryingTransport;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.processing.retry.GenericRetry;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the operator: in a cluster with the pod's service account, outside one with the current
 * kubeconfig context (KUBECONFIG or ~/.kube/config).
 */
public final class OperatorMain {

  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {
  }

  /**
   * The image's entrypoint, so one image serves all three modes: no arguments, the operator;
   * {@code collect ...}, an evidence collector pod (issue 12 §1); {@code fcp ...}, the archive
   * inspector ({@code kubectl run ... -- fcp inspect ...}: a distroless image has no shell to start
   * another main class from).
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("collect")) {
      System.exit(io.ckpt.forensics.collector.CollectorMain.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
      return;
    }
    if (args.length > 0 && args[0].equals("fcp")) {
      io.ckpt.forensics.cli.FcpMain.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
      config.requireUsable();
    } catch (IllegalArgumentException e) {
      System.err.println("forensic-checkpoint-operator: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    LogSetup.install(config.logFormat());
    Running running;
    try {
      running = start(config, RestoreConfig.fromEnvironment(System.getenv()), Config.autoConfigure(null));
    } catch (IllegalArgumentException e) {
      System.err.println("forensic-checkpoint-operator: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("operator stopping");
      running.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  /** Threads that write Events: 4 keep up with a burst of 1000 objects. */
  static final int EVENT_THREADS = 4;

  /**
   * Events that may wait for one object before its oldest are dropped: far more than one object
   * makes in its life (a request, one per container, a last one), so only a runaway loses any.
   */
  static final int EVENTS_WAITING_PER_OBJECT = 100;

  /**
   * A reconcile fails only when the API server does not take a read or a status write (everything
   * the kubelet says becomes status). The framework's default gives up after 5 tries, about 20 s;
   * an object in the middle of a checkpoint must instead be decided again until the API server is
   * back, however long that takes, so this retries without limit, at most every 30 s.
   */
  static final GenericRetry RECONCILE_RETRY = new GenericRetry().withoutMaxAttempts().setInitialInterval(1000)
      .setIntervalMultiplier(2).setMaxInterval(30_000);

  /**
   * ForensicCheckpoints the informer lists per request, at start and whenever its watch must start
   * over. The client reads a whole page into one byte array and parses it before the store trims
   * each object, so a page costs about three times its size for a moment: unpaged, an operator
   * starting among a few hundred objects with 256 KiB of annotations each would need them all in
   * the heap at once (LargeObjectsIT: a 48 MiB heap spent a minute in back-to-back full GCs on pages
   * of 50). 20 such objects are 5 MiB; 10,000 ordinary objects take 500 requests of about 200 KiB.
   */
  static final long INFORMER_LIST_PAGE = 20;

  /** Starts everything but the restore controller; used by in-process tests that do not restore. */
  public static Running start(OperatorConfig config, Config clientConfig) throws Exception {
    return start(config, RestoreConfig.off(), clientConfig);
  }

  /**
   * Starts everything and returns a handle that stops it; used by main and by in-process tests.
   *
   * @param restore whether the CheckpointRestore controller runs (issue 16 section 2), and on which nodes
   */
  public static Running start(OperatorConfig config, RestoreConfig restore, Config clientConfig) throws Exception {
    config.requireUsable();
    // outside a cluster the kubeconfig's client key may be EC, which Fabric8 alone would fail to read
    Config keyed = KubeconfigClientKey.readable(clientConfig);
    // Fabric8 allows 5 requests at once per host by default; a burst of checkpoints needs a few
    // status writes each, so allow more (the API server's priority and fairness still applies)
    Config apiConfig = new ConfigBuilder(keyed)
        .withMaxConcurrentRequests(Math.max(clientConfig.getMaxConcurrentRequests(), 64))
        .withMaxConcurrentRequestsPerHost(Math.max(clientConfig.getMaxConcurrentRequestsPerHost(), 32)).build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(apiConfig).build();
    CheckpointMetrics metrics = new CheckpointMetrics(config.transport().name(), true);
    CheckpointTransport transport;
    try {
      transport = new RetryingTransport(transport(config, keyed, client), config.retries(), metrics::retried);
    } catch (RuntimeException e) {
      metrics.close();
      client.close();
      throw e;
    }
    String instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("local");
    EventWriter eventWriter = new EventWriter(EVENT_THREADS, EVENTS_WAITING_PER_OBJECT, metrics::eventDropped);
    SystemTicker ticker = new SystemTicker();
    ForensicCheckpointReconciler reconciler = new ForensicCheckpointReconciler(client, transport, config,
        Clock.systemUTC(), ticker, instance, metrics, eventWriter);
    OperatorConfig.LeaderElection election = config.leaderElection();
    // unique per process: two operators on one host (or a restarted container) never share an identity
    String identity = instance + "-" + ProcessHandle.current().pid();
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client).withStopOnInformerErrorDuringStartup(false).withCloseClientOnStop(false);
      if (election.enabled()) {
        o.withLeaderElectionConfiguration(LeaderElectionConfigurationBuilder
            .aLeaderElectionConfiguration(election.leaseName())
            .withLeaseNamespace(election.leaseNamespace())
            .withIdentity(identity)
            .withLeaseDuration(election.leaseDuration())
            .withRenewDeadline(election.renewDeadline())
            .withRetryPeriod(election.retryPeriod())
            .withLeaderCallbacks(new LeaderCallbacks(() -> {
              metrics.leading(true);
              LOG.info("leading lease={}/{} identity={}", election.leaseNamespace(), election.leaseName(), identity);
            }, () -> {
              metrics.leading(false);
              LOG.warn("stopped leading lease={}/{} identity={}; exiting so that only one operator calls kubelets",
                  election.leaseNamespace(), election.leaseName(), identity);
            }, leader -> LOG.info("leader lease={}/{} holder={}", election.leaseNamespace(), election.leaseName(),
                leader)))
            // a former leader that kept running could start a second call for a container
            .withExitOnStopLeading(true)
            .build());
      }
    });
    if (!election.enabled()) {
      metrics.leading(true);
    }
    operator.register(reconciler, controllerConfiguration(operator, reconciler, config));
    if (restore.enabled()) {
      CheckpointRestoreReconciler restorer = new CheckpointRestoreReconciler(client, restore, Clock.systemUTC(),
          eventWriter, instance);
      var c = ControllerConfigurationOverrider.override(operator.getConfigurationService()
          .getConfigurationFor(restorer));
      c.withRetry(RECONCILE_RETRY);
      if (!config.watchNamespaces().isEmpty()) {
        c.settingNamespaces(config.watchNamespaces());
      }
      operator.register(restorer, c.build());
    }
    HealthServer health = new HealthServer(config.healthPort(), () -> true,
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
        metrics::scrape);
    operator.start();
    AlertService alerts = null;
    if (config.alerts().enabled()) {
      try {
        alerts = AlertService.start(config.alerts(), client, config.watchNamespaces(), metrics,
            new CheckpointEvents(client, Clock.systemUTC(), instance, eventWriter));
      } catch (java.io.IOException | RuntimeException e) {
        operator.stop();
        health.close();
        eventWriter.close();
        metrics.close();
        client.close();
        throw new IllegalArgumentException("alert receiver did not start: " + e.getMessage(), e);
      }
    }
    LOG.info("operator started namespaces={} transport={} maxConcurrent={} maxConcurrentPerNode={}"
            + " maxConcurrentPerNamespace={} defaultTimeoutSeconds={} maxTimeoutSeconds={} healthPort={} apiServer={}"
            + " leaderElection={} identity={} evidenceStore={} alertReceiver={} restore={}",
        config.watchNamespaces().isEmpty() ? "all" : String.join(",", config.watchNamespaces()),
        config.transport(), config.maxConcurrent(), config.maxConcurrentPerNode(),
        config.maxConcurrentPerNamespace(), config.defaultTimeoutSeconds(),
        config.maxTimeoutSeconds(),
        health.port(), client.getMasterUrl(),
        election.enabled() ? election.leaseNamespace() + "/" + election.leaseName() : "off", identity,
        config.collection().enabled() ? config.collection().store() + " (collectors in "
            + config.collection().namespace() + ")" : "off (archives stay on the nodes)",
        alerts != null ? "port " + alerts.port() : "off",
        !restore.enabled() ? "off" : restore.allNodes() ? "nodes whose runtime can restore (*)"
            : restore.nodes().isEmpty() ? "on, no node listed in " + RestoreConfig.NODES
            : "nodes " + String.join(",", restore.nodes()));
    return new Running(operator, reconciler, transport, client, health, ticker, metrics, eventWriter, alerts);
  }

  /**
   * How the ForensicCheckpoint controller is registered: retried without limit, listing in pages,
   * each informer (one per watched namespace) with a store of its own that keeps only the metadata
   * the operator reads.
   */
  static ControllerConfiguration<ForensicCheckpoint> controllerConfiguration(Operator operator,
      Reconciler<ForensicCheckpoint> reconciler, OperatorConfig config) {
    var c = ControllerConfigurationOverrider.override(operator.getConfigurationService().getConfigurationFor(
        reconciler));
    c.withRetry(RECONCILE_RETRY);
    c.withInformerListLimit(INFORMER_LIST_PAGE);
    if (!config.watchNamespaces().isEmpty()) {
      c.settingNamespaces(config.watchNamespaces());
    }
    return StorePerInformer.of(c.build(), UnreadMetadataDroppingStore::new);
  }

  /**
   * The transport the configuration asks for. Direct: the Node's address by preference, the
   * service-account token file (else the client configuration's token), kubelet TLS verified
   * against the configured CA bundle unless explicitly switched off.
   */
  static CheckpointTransport transport(OperatorConfig config, Config clientConfig, KubernetesClient client) {
    if (config.transport() == OperatorConfig.Transport.proxy) {
      return new RemedyingTransport(new NodeProxyTransport(clientConfig, config.maxConcurrent()));
    }
    OperatorConfig.Direct direct = config.direct();
    KubeletTrust trust = direct.kubeletTrust();
    KubeletCredential token;
    if (direct.kubeletServiceAccount() != null) {
      // the node with the suspect pod may be compromised: it gets a token good for checkpoints only
      token = new RequestedToken(client, direct.kubeletServiceAccountNamespace(), direct.kubeletServiceAccountName(),
          RequestedToken.LIFETIME, Clock.systemUTC());
    } else {
      token = new BearerToken(direct.tokenFile(), () -> configuredToken(clientConfig));
      LOG.warn("{} is not set: the operator's own token ({}) goes to every kubelet it calls, and a compromised"
          + " node can use it with all the operator's rights; the Helm chart sets it to a ServiceAccount that may"
          + " only create nodes/checkpoint", OperatorConfig.KUBELET_SERVICE_ACCOUNT, token.source());
    }
    if (token.current() == null) {
      throw new IllegalArgumentException("the direct transport needs a bearer token for the kubelet: "
          + token.source() + " gives none; set " + OperatorConfig.KUBELET_SERVICE_ACCOUNT + " (the chart does), or "
          + OperatorConfig.TOKEN_FILE + ", or use a kubeconfig with a token");
    }
    CheckpointTransport transport = new RemedyingTransport(new DirectKubeletTransport(
        new NodeEndpointResolver(client, direct.nodeAddressTypes()), token, trust));
    transport.warning().ifPresent(w -> LOG.warn("kubelet TLS not verified: {}", w));
    LOG.info("direct kubelet transport nodeAddressTypes={} credential=\"{}\" trust=\"{}\"",
        String.join(",", direct.nodeAddressTypes()), token.source(), trust.description());
    return transport;
  }

  private static String configuredToken(Config clientConfig) {
    if (clientConfig.getOauthTokenProvider() != null) {
      return clientConfig.getOauthTokenProvider().getToken();
    }
    return clientConfig.getOauthToken() != null ? clientConfig.getOauthToken() : clientConfig.getAutoOAuthToken();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.debug("close failed error={}", e.toString());
    }
  }

  /** A started operator; {@link #close()} stops it and releases its connections. */
  public record Running(Operator operator, ForensicCheckpointReconciler reconciler, CheckpointTransport transport,
      KubernetesClient client, HealthServer health, AutoCloseable timer, CheckpointMetrics metrics,
      EventWriter eventWriter, AlertService alerts) implements AutoCloseable {

    public int healthPort() {
      return health.port();
    }

    /** The alert receiver's HTTPS port; -1 when it is off. */
    public int alertsPort() {
      return alerts == null ? -1 : alerts.port();
    }

    /** Dedup entries the receiver holds in memory; 0 when it is off. */
    public int alertDedupKeys() {
      return alerts == null ? 0 : alerts.dedupKeys();
    }

    /** Writes the policies' pending status now instead of within a second. */
    public void flushPolicyStatus() {
      if (alerts != null) {
        alerts.flushStatus();
      }
    }

    @Override
    public void close() {
      if (alerts != null) {
        alerts.close();
      }
      operator.stop();
      reconciler.close();
      closeQuietly(timer);
      transport.close();
      health.close();
      // events already waiting are still written, briefly
      eventWriter.close();
      metrics.close();
      client.close();
    }
  }
}
