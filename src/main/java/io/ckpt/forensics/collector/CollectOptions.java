package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.store.ObjectLockRetention;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The collect mode's command line (docs/collector.md); the operator writes it into the collector pod. */
@Command(name = "collect", description = "Take one checkpoint archive into custody: hash, encrypt, store, sign.")
final class CollectOptions {

  /** Where the kubelet's termination message is read from, unless the pod says otherwise. */
  static final Path DEFAULT_TERMINATION_LOG = Path.of("/dev/termination-log");

  enum StoreKind { file, s3 }

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "print these options and exit")
  boolean help;

  @Option(names = "--archive", paramLabel = "PATH", description = "the archive, as mounted")
  Path archive;

  @Option(names = "--fallback-bundle", paramLabel = "PATH",
      description = "instead of an archive: the fallback bundle of a failed checkpoint, as mounted (issue 12 §4)")
  Path fallbackBundle;

  @Option(names = "--name", required = true, paramLabel = "NAME", description = "the object name in the store")
  String name;

  @Option(names = "--store", required = true, paramLabel = "file|s3", description = "the destination: ${COMPLETION-CANDIDATES}")
  StoreKind store;

  @Option(names = "--store-root", paramLabel = "DIR", description = "file store: the mounted volume")
  Path storeRoot;

  @Option(names = "--s3-endpoint", paramLabel = "URL")
  URI s3Endpoint;

  @Option(names = "--s3-region", paramLabel = "REGION")
  String s3Region;

  @Option(names = "--s3-bucket", paramLabel = "BUCKET")
  String s3Bucket;

  @Option(names = "--s3-path-style")
  boolean s3PathStyle;

  @Option(names = "--s3-credentials", paramLabel = "DIR", description = "files access-key-id, secret-access-key [, session-token]")
  Path s3Credentials;

  @Option(names = "--s3-lock-mode", paramLabel = "COMPLIANCE|GOVERNANCE")
  String s3LockMode;

  @Option(names = "--s3-retain", paramLabel = "DURATION", description = "ISO-8601, such as P30D")
  Duration s3Retain;

  @Option(names = "--recipients", paramLabel = "DIR", description = "every *.asc, *.gpg, *.pgp file is a recipient's public key")
  Path recipients;

  @Option(names = "--signing-key", required = true, paramLabel = "FILE", description = "PKCS#8 PEM, ECDSA P-256 or Ed25519")
  Path signingKey;

  @Option(names = "--delete-after-store", description = "remove the node's archive once the stored copy was read back and verified")
  boolean deleteAfterStore;

  @Option(names = "--series-index", paramLabel = "K", description = "in a series: this record's position, 0 first")
  Integer seriesIndex;

  @Option(names = "--series-count", paramLabel = "N", description = "in a series: how many rounds it has")
  Integer seriesCount;

  @Option(names = "--previous-record-sha256", paramLabel = "HEX",
      description = "in a series: the SHA-256 of the previous round's custody record file, which this record names")
  String previousRecordSha256;

  @Option(names = "--export-repository", paramLabel = "REGISTRY/REPOSITORY",
      description = "after storing: push the checkpoint image of the node's archive there (docs/export.md); a failed"
          + " push is reported, the collection stands")
  String exportRepository;

  @Option(names = "--export-tag", paramLabel = "TAG", description = "the pushed image's tag; required with"
      + " --export-repository")
  String exportTag;

  @Option(names = "--registry-auth", paramLabel = "FILE",
      description = "Docker config with the push credentials: the push Secret's .dockerconfigjson, as mounted")
  Path registryAuth;

  @Option(names = "--export-plain-http", description = "allow HTTP and TLS without certificate checks for the push"
      + " (Jib's insecure-registry mode): only for a registry on loopback or in a test network")
  boolean exportPlainHttp;

  @Option(names = "--termination-log", paramLabel = "FILE")
  Path terminationLog = DEFAULT_TERMINATION_LOG;

  /** This record's place in a series and the record before it: none without --series-index and --series-count. */
  SeriesLink seriesLink() {
    if (seriesIndex == null && seriesCount == null) {
      if (previousRecordSha256 != null) {
        throw new IllegalArgumentException("--previous-record-sha256 needs --series-index and --series-count");
      }
      return SeriesLink.NONE;
    }
    if (seriesIndex == null || seriesCount == null) {
      throw new IllegalArgumentException("--series-index and --series-count go together: give both (for example"
          + " --series-index 1 --series-count 3) or neither");
    }
    return SeriesLink.of(seriesIndex, seriesCount, previousRecordSha256);
  }

  /** The export after custody, when asked for: --export-tag is required with --export-repository, and only then. */
  java.util.Optional<ArchiveExport> export(java.time.Clock clock) {
    if (exportRepository == null) {
      if (exportTag != null || registryAuth != null || exportPlainHttp) {
        throw new IllegalArgumentException("--export-tag, --registry-auth and --export-plain-http need"
            + " --export-repository");
      }
      return java.util.Optional.empty();
    }
    if (exportTag == null) {
      throw new IllegalArgumentException("--export-repository needs --export-tag (the operator derives it from the"
          + " checkpoint's name, container and round)");
    }
    if (fallbackBundle != null) {
      throw new IllegalArgumentException("--export-repository needs --archive: a fallback bundle is no checkpoint");
    }
    return java.util.Optional.of(new ArchiveExport(exportRepository, exportTag, registryAuth, exportPlainHttp, clock));
  }

  /** The Object Lock retention: both options or neither. */
  java.util.Optional<ObjectLockRetention> retention() {
    if (s3LockMode == null && s3Retain == null) {
      return java.util.Optional.empty();
    }
    if (s3LockMode == null || s3Retain == null) {
      throw new IllegalArgumentException("--s3-lock-mode and --s3-retain go together: give both (for example"
          + " --s3-lock-mode COMPLIANCE --s3-retain P30D) or neither");
    }
    return java.util.Optional.of(new ObjectLockRetention(ObjectLockRetention.Mode.parse(s3LockMode, "--s3-lock-mode"),
        s3Retain));
  }
}
