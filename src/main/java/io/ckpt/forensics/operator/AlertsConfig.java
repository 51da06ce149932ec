package io.ckpt.forensics.operator;

import java.nio.file.Path;
import java.util.Map;

/**
 * The alert receiver (issue 15 §2): an HTTPS endpoint on its own port, off unless enabled. TLS is
 * required (a PEM certificate chain and a PKCS#8 key, as a kubernetes.io/tls Secret mounts them);
 * senders authenticate with a bearer token read from a file (a Secret) or with a client certificate
 * signed by {@code clientCaFile}, at least one of them.
 *
 * @param enabled start the receiver
 * @param port its HTTPS port (0: any free port, tests)
 * @param tokenFile the bearer token senders must present; null: client certificates only
 * @param certFile PEM certificate chain of the receiver
 * @param keyFile PEM PKCS#8 private key of the receiver
 * @param clientCaFile PEM CAs whose client certificates are accepted instead of a token; null: tokens only
 * @param maxBodyBytes larger bodies get 413 without being read
 * @param requestsPerSecond requests answered per second, with a burst of twice as many; more get 429
 * @param workers threads handling requests
 * @param maxDedupKeys pod+container entries of the dedup window held in memory
 * @param containment whether policies that ask for containment get it (the chart grants the rights it needs,
 *     patch on pods and create/get on NetworkPolicies, only then); off: such policies' checkpoints record why not
 */
public record AlertsConfig(boolean enabled, int port, Path tokenFile, Path certFile, Path keyFile, Path clientCaFile,
    int maxBodyBytes, int requestsPerSecond, int workers, int maxDedupKeys, boolean containment) {

  public static final String ENABLED = "FCP_ALERTS_ENABLED";
  public static final String PORT = "FCP_ALERTS_PORT";
  public static final String TOKEN_FILE = "FCP_ALERTS_TOKEN_FILE";
  public static final String TLS_CERT_FILE = "FCP_ALERTS_TLS_CERT_FILE";
  public static final String TLS_KEY_FILE = "FCP_ALERTS_TLS_KEY_FILE";
  public static final String CLIENT_CA_FILE = "FCP_ALERTS_CLIENT_CA_FILE";
  public static final String MAX_BODY_BYTES = "FCP_ALERTS_MAX_BODY_BYTES";
  public static final String REQUESTS_PER_SECOND = "FCP_ALERTS_REQUESTS_PER_SECOND";
  public static final String WORKERS = "FCP_ALERTS_WORKERS";
  public static final String MAX_DEDUP_KEYS = "FCP_ALERTS_MAX_DEDUP_KEYS";
  public static final String CONTAINMENT_ENABLED = "FCP_ALERTS_CONTAINMENT_ENABLED";

  public static AlertsConfig fromEnvironment(Map<String, String> env) {
    boolean enabled = OperatorConfig.bool(env, ENABLED);
    AlertsConfig config = new AlertsConfig(enabled, OperatorConfig.integer(env, PORT, 8443, 0, 65535),
        path(env, TOKEN_FILE), path(env, TLS_CERT_FILE), path(env, TLS_KEY_FILE), path(env, CLIENT_CA_FILE),
        OperatorConfig.integer(env, MAX_BODY_BYTES, 262_144, 1024, 4 * 1024 * 1024),
        OperatorConfig.integer(env, REQUESTS_PER_SECOND, 100, 1, 100_000),
        OperatorConfig.integer(env, WORKERS, 8, 1, 64),
        OperatorConfig.integer(env, MAX_DEDUP_KEYS, 10_000, 100, 1_000_000),
        enabled && OperatorConfig.bool(env, CONTAINMENT_ENABLED));
    if (enabled) {
      if (config.certFile == null || config.keyFile == null) {
        throw new IllegalArgumentException(ENABLED + "=true needs " + TLS_CERT_FILE + " and " + TLS_KEY_FILE
            + ": the receiver speaks HTTPS only (the chart mounts them from alerts.tls.secretName)");
      }
      if (config.tokenFile == null && config.clientCaFile == null) {
        throw new IllegalArgumentException(ENABLED + "=true needs " + TOKEN_FILE + " (bearer token) or "
            + CLIENT_CA_FILE + " (client certificates), or both: the receiver never accepts anonymous alerts");
      }
    }
    return config;
  }

  public static AlertsConfig disabled() {
    return fromEnvironment(Map.of());
  }

  private static Path path(Map<String, String> env, String name) {
    String raw = env.getOrDefault(name, "").strip();
    return raw.isEmpty() ? null : Path.of(raw);
  }
}
