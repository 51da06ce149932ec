package io.ckpt.forensics.operator;

import io.ckpt.forensics.kubelet.NodeProxyTransport;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

  public static void main(String[] args) throws Exception {
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("forensic-checkpoint-operator: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    LogSetup.install(config.logFormat());
    Running running = start(config, Config.autoConfigure(null));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("operator stopping");
      running.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  /** Starts everything and returns a handle that stops it; used by main and by in-process tests. */
  public static Running start(OperatorConfig config, Config clientConfig) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig).build();
    NodeProxyTransport transport = new NodeProxyTransport(clientConfig);
    String instance = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("local");
    ForensicCheckpointReconciler reconciler =
        new ForensicCheckpointReconciler(client, transport, config, Clock.systemUTC(), instance);
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withStopOnInformerErrorDuringStartup(false)
        .withCloseClientOnStop(false));
    operator.register(reconciler, c -> {
      if (!config.watchNamespaces().isEmpty()) {
        c.settingNamespaces(config.watchNamespaces());
      }
    });
    HealthServer health = new HealthServer(config.healthPort(), () -> true,
        () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
    ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sweeper");
      t.setDaemon(true);
      return t;
    });
    long sweepSeconds = ForensicCheckpointReconciler.SWEEP_INTERVAL.toSeconds();
    sweeper.scheduleWithFixedDelay(reconciler::sweep, sweepSeconds, sweepSeconds, TimeUnit.SECONDS);
    operator.start();
    LOG.info("operator started namespaces={} maxConcurrent={} maxConcurrentPerNode={} defaultTimeoutSeconds={}"
            + " healthPort={} apiServer={}",
        config.watchNamespaces().isEmpty() ? "all" : String.join(",", config.watchNamespaces()),
        config.maxConcurrent(), config.maxConcurrentPerNode(), config.defaultTimeoutSeconds(), health.port(),
        client.getMasterUrl());
    return new Running(operator, reconciler, transport, client, health, sweeper);
  }

  /** A started operator; {@link #close()} stops it and releases its connections. */
  public record Running(Operator operator, ForensicCheckpointReconciler reconciler, NodeProxyTransport transport,
      KubernetesClient client, HealthServer health, ScheduledExecutorService sweeper) implements AutoCloseable {

    public int healthPort() {
      return health.port();
    }

    @Override
    public void close() {
      sweeper.shutdownNow();
      operator.stop();
      reconciler.close();
      transport.close();
      health.close();
      client.close();
    }
  }
}
