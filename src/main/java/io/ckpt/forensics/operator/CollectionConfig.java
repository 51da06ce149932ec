package io.ckpt.forensics.operator;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;

/**
 * How the operator takes archives into custody (issue 12): after a container's checkpoint succeeds
 * it starts a collector pod on that node, in {@code namespace}, running {@code image} in its
 * {@code collect} mode, which stores the archive, signs a custody record and reports through its
 * termination message. Off ({@link #enabled()} false) unless a store is configured.
 *
 * @param store "file" (a PersistentVolumeClaim) or "s3"; null: collection off
 * @param signingKeySecret Secret in {@code namespace} holding the record signing key as {@link #SIGNING_KEY_FILE}
 * @param recipientsSecret Secret in {@code namespace} whose keys are OpenPGP public keys; null: not encrypted
 * @param deleteFromNode remove the node's copy once the stored copy was read back and verified
 * @param deadline the collector pod's activeDeadlineSeconds
 * @param claim the PersistentVolumeClaim of the file store (in {@code namespace})
 * @param s3 the S3 store's settings, passed to the collector as arguments
 * @param fallbackBundles when a container's checkpoint fails while its pod exists, store a signed fallback
 *     bundle of what the API server shows instead (issue 12 §4, {@link FallbackBundles})
 */
public record CollectionConfig(String store, String namespace, String image, String signingKeySecret,
    String recipientsSecret, boolean deleteFromNode, Duration deadline, String claim, S3 s3,
    boolean fallbackBundles) {

  /** Without fallback bundles. */
  public CollectionConfig(String store, String namespace, String image, String signingKeySecret,
      String recipientsSecret, boolean deleteFromNode, Duration deadline, String claim, S3 s3) {
    this(store, namespace, image, signingKeySecret, recipientsSecret, deleteFromNode, deadline, claim, s3, false);
  }

  /**
   * The S3 store: {@code credentialsSecret} is a Secret in the collector namespace with the keys
   * access-key-id, secret-access-key and optionally session-token.
   */
  public record S3(String endpoint, String region, String bucket, boolean pathStyle, String credentialsSecret,
      String retentionMode, Duration retention) {
  }

  public static final String STORE = "FCP_EVIDENCE_STORE";
  public static final String NAMESPACE = "FCP_COLLECTOR_NAMESPACE";
  public static final String IMAGE = "FCP_COLLECTOR_IMAGE";
  public static final String SIGNING_SECRET = "FCP_EVIDENCE_SIGNING_SECRET";
  public static final String RECIPIENTS_SECRET = "FCP_EVIDENCE_RECIPIENTS_SECRET";
  public static final String DELETE_FROM_NODE = "FCP_EVIDENCE_DELETE_FROM_NODE";
  public static final String DEADLINE_SECONDS = "FCP_COLLECTOR_DEADLINE_SECONDS";
  public static final String CLAIM = "FCP_EVIDENCE_PVC";
  public static final String S3_ENDPOINT = "FCP_EVIDENCE_S3_ENDPOINT";
  public static final String S3_REGION = "FCP_EVIDENCE_S3_REGION";
  public static final String S3_BUCKET = "FCP_EVIDENCE_S3_BUCKET";
  public static final String S3_PATH_STYLE = "FCP_EVIDENCE_S3_PATH_STYLE";
  public static final String S3_CREDENTIALS_SECRET = "FCP_EVIDENCE_S3_CREDENTIALS_SECRET";
  public static final String S3_RETENTION_MODE = "FCP_EVIDENCE_S3_RETENTION_MODE";
  public static final String S3_RETENTION = "FCP_EVIDENCE_S3_RETENTION";
  public static final String FALLBACK_BUNDLES = "FCP_EVIDENCE_FALLBACK_BUNDLES";

  /** The file name the signing key has in its Secret (and so in the collector's mount). */
  public static final String SIGNING_KEY_FILE = "signing-key.pem";

  static final CollectionConfig OFF = new CollectionConfig(null, null, null, null, null, false, null, null, null);

  public boolean enabled() {
    return store != null;
  }

  static CollectionConfig fromEnvironment(Map<String, String> env) {
    String store = value(env, STORE).toLowerCase(Locale.ROOT);
    if (store.isEmpty()) {
      return OFF;
    }
    if (!store.equals("file") && !store.equals("s3")) {
      throw new IllegalArgumentException(STORE + ": '" + store + "' is not a store; use s3 (object storage with"
          + " Object Lock), file (a PersistentVolumeClaim), or leave it empty to keep archives on the nodes");
    }
    String namespace = required(env, NAMESPACE, "the namespace collector pods run in (hostPath must be allowed"
        + " there: Pod Security level privileged)");
    if (!OperatorConfig.NAMESPACE.matcher(namespace).matches() || namespace.length() > 63) {
      throw new IllegalArgumentException(NAMESPACE + ": '" + namespace + "' is not a namespace name");
    }
    String image = required(env, IMAGE, "the operator's own image, whose collect mode the collector runs");
    String signing = secretName(env, SIGNING_SECRET, true, "a Secret in " + namespace + " with the record signing"
        + " key (PKCS#8 PEM, ECDSA P-256 or Ed25519) under the key " + SIGNING_KEY_FILE);
    String recipients = secretName(env, RECIPIENTS_SECRET, false, null);
    boolean delete = OperatorConfig.bool(env, DELETE_FROM_NODE, true);
    Duration deadline = Duration.ofSeconds(OperatorConfig.integer(env, DEADLINE_SECONDS, 3600, 60, 86_400));
    String claim = null;
    S3 s3 = null;
    if (store.equals("file")) {
      claim = secretName(env, CLAIM, true, "the PersistentVolumeClaim in " + namespace + " that holds the evidence");
    } else {
      s3 = new S3(value(env, S3_ENDPOINT), value(env, S3_REGION).isEmpty() ? "us-east-1" : value(env, S3_REGION),
          required(env, S3_BUCKET, "a bucket created with Object Lock enabled"),
          OperatorConfig.bool(env, S3_PATH_STYLE, !value(env, S3_ENDPOINT).isEmpty()),
          secretName(env, S3_CREDENTIALS_SECRET, true, "a Secret in " + namespace + " with the keys access-key-id"
              + " and secret-access-key"),
          retentionMode(env), retention(env));
    }
    return new CollectionConfig(store, namespace, image, signing, recipients, delete, deadline, claim, s3,
        OperatorConfig.bool(env, FALLBACK_BUNDLES, true));
  }

  private static String retentionMode(Map<String, String> env) {
    String mode = value(env, S3_RETENTION_MODE).toUpperCase(Locale.ROOT);
    if (mode.isEmpty()) {
      return "COMPLIANCE";
    }
    if (!mode.equals("COMPLIANCE") && !mode.equals("GOVERNANCE") && !mode.equals("NONE")) {
      throw new IllegalArgumentException(S3_RETENTION_MODE + ": '" + mode + "' is not COMPLIANCE, GOVERNANCE or NONE");
    }
    return mode;
  }

  private static Duration retention(Map<String, String> env) {
    String raw = value(env, S3_RETENTION);
    try {
      Duration retention = raw.isEmpty() ? Duration.ofDays(90) : Duration.parse(raw);
      if (retention.compareTo(Duration.ofDays(1)) < 0 || retention.compareTo(Duration.ofDays(36_500)) > 0) {
        throw new IllegalArgumentException(S3_RETENTION + ": '" + raw + "' must be from 1 day (P1D) to 36500 days");
      }
      return retention;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(S3_RETENTION + ": '" + raw + "' is not an ISO-8601 duration such as P90D");
    }
  }

  private static String secretName(Map<String, String> env, String name, boolean needed, String what) {
    String value = needed ? required(env, name, what) : value(env, name);
    if (!value.isEmpty() && (!OperatorConfig.SERVICE_ACCOUNT_NAME.matcher(value).matches() || value.length() > 253)) {
      throw new IllegalArgumentException(name + ": '" + value + "' is not an object name");
    }
    return value.isEmpty() ? null : value;
  }

  private static String required(Map<String, String> env, String name, String what) {
    String value = value(env, name);
    if (value.isEmpty()) {
      throw new IllegalArgumentException(name + " is not set, but " + STORE + " is: name " + what);
    }
    return value;
  }

  private static String value(Map<String, String> env, String name) {
    return env.getOrDefault(name, "").strip();
  }
}
