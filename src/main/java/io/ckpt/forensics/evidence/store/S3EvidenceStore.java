package io.ckpt.forensics.evidence.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectLockRetentionMode;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Evidence in S3-compatible object storage. One pass over the content, at most one part
 * ({@link S3StoreSettings#partSizeBytes()}) in memory:
 * <ul>
 *   <li>content that fits in one part is one PutObject; larger content is a multipart upload,
 *       aborted on any failure so that no parts are left behind;</li>
 *   <li>every request body carries its SHA-256 in {@code x-amz-checksum-sha256}, which the store
 *       checks on receipt (for multipart: per part, and S3 records the checksum of the part checksums);</li>
 *   <li>the object becomes visible only after the whole stream's length and SHA-256 matched the
 *       caller's expectation: a mismatch aborts the upload;</li>
 *   <li>it is never replaced: a HEAD refuses early, and the write that makes it visible carries
 *       {@code If-None-Match: *}, so the store itself refuses when the key appeared meanwhile;</li>
 *   <li>Object Lock retention (mode and retain-until = upload time + period) is set by the upload
 *       itself, so on AWS there is no moment when the object exists unlocked; a store that ignores
 *       the lock headers of a multipart upload (moto) gets PutObjectRetention right after, and the
 *       lock is checked either way;</li>
 *   <li>afterwards the exact version written is read back: its lock, the checksum the store
 *       recorded, and a SHA-256 of every byte streamed back.</li>
 * </ul>
 * Credentials come from an {@link AwsCredentialsProvider} (in a cluster: {@link S3CredentialFiles})
 * and never appear in a message or log line of this class.
 */
public final class S3EvidenceStore implements EvidenceStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(S3EvidenceStore.class);
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3StoreSettings settings;
  private final S3Client s3;
  private final Clock clock;

  public S3EvidenceStore(S3StoreSettings settings, AwsCredentialsProvider credentials, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    CredentialLogGuard.apply();
    var builder = S3Client.builder()
        // streams each part from our buffer (the JDK HttpURLConnection client would copy it into
        // a growing heap buffer first); one upload at a time needs one connection
        .httpClient(Apache5HttpClient.builder()
            .maxConnections(1)
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofMinutes(2))
            .build())
        .region(Region.of(settings.region()))
        .forcePathStyle(settings.pathStyleAccess())
        .credentialsProvider(Objects.requireNonNull(credentials, "credentials"))
        // we send our own SHA-256 on every upload and re-hash every byte read back: the SDK's
        // default CRC32 on top would be a third pass over the data
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    settings.endpoint().ifPresent(builder::endpointOverride);
    this.s3 = builder.build();
  }

  @Override
  public String locationOf(String name) {
    return "s3://" + settings.bucket() + "/" + key(name);
  }

  @Override
  public InputStream open(String name) throws IOException {
    String key = key(name);
    return call("GetObject", locationOf(name), () -> s3.getObject(b -> b.bucket(settings.bucket()).key(key)));
  }

  @Override
  public void close() {
    s3.close();
  }

  @Override
  public StoredEvidence store(String name, EvidenceContent content) throws IOException {
    String key = key(name);
    String location = locationOf(name);
    CredentialLogGuard.apply();
    requireAbsent(key, location);
    Optional<Instant> retainUntil = settings.retention()
        .map(r -> clock.instant().plus(r.period()).truncatedTo(ChronoUnit.SECONDS));
    PushbackInputStream in = new PushbackInputStream(content.stream(), 1);
    byte[] part = new byte[settings.partSizeBytes()];
    Sha256Tally written = new Sha256Tally();
    int length = readPart(in, part, written);
    Upload upload = atEnd(in)
        ? putObject(key, location, part, length, content, written, retainUntil)
        : multipartUpload(key, location, in, part, length, content, written, retainUntil);
    verify(key, location, upload, written, retainUntil);
    LOG.info("evidence stored destination=s3 location={} versionId={} sizeBytes={} sha256={} parts={} retention={}"
        + " retainUntil={}", location, upload.versionId().orElse("none"), written.count(), written.hex(),
        upload.parts(), settings.retention().map(r -> r.mode().name()).orElse("none"),
        retainUntil.map(Instant::toString).orElse("none"));
    return new StoredEvidence(location, written.hex(), written.count(), upload.versionId(), retainUntil);
  }

  /** What an upload left: the version it created and the checksum S3 should have recorded for it. */
  private record Upload(Optional<String> versionId, String checksum, int parts) {
  }

  private String key(String name) {
    return settings.keyPrefix() + EvidenceName.require(name);
  }

  /**
   * Refuses before reading the content when the key exists. Without s3:ListBucket S3 answers 403
   * instead of 404 for a missing key: then the conditional write alone refuses.
   */
  private void requireAbsent(String key, String location) throws IOException {
    try {
      s3.headObject(b -> b.bucket(settings.bucket()).key(key));
    } catch (S3Exception e) {
      if (e.statusCode() == 404 || e.statusCode() == 403) {
        return;
      }
      throw failure("HeadObject", location, e);
    } catch (SdkException e) {
      throw failure("HeadObject", location, e);
    }
    throw new EvidenceExistsException(location);
  }

  private Upload putObject(String key, String location, byte[] part, int length, EvidenceContent content,
      Sha256Tally written, Optional<Instant> retainUntil) throws IOException {
    written.requireExpected(content, location);
    String checksum = base64(sha256(part, length));
    var response = commit("PutObject", key, location, checksum, written, () -> s3.putObject(b -> {
      b.bucket(settings.bucket()).key(key).contentLength((long) length).contentType(OCTET_STREAM)
          .ifNoneMatch("*").checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(checksum);
      lock(retainUntil, b::objectLockMode, b::objectLockRetainUntilDate);
    }, body(part, length)).versionId());
    return new Upload(response, checksum, 1);
  }

  private Upload multipartUpload(String key, String location, PushbackInputStream in, byte[] part, int firstLength,
      EvidenceContent content, Sha256Tally written, Optional<Instant> retainUntil) throws IOException {
    String uploadId = call("CreateMultipartUpload", location, () -> s3.createMultipartUpload(b -> {
      b.bucket(settings.bucket()).key(key).contentType(OCTET_STREAM).checksumAlgorithm(ChecksumAlgorithm.SHA256);
      lock(retainUntil, b::objectLockMode, b::objectLockRetainUntilDate);
    })).uploadId();
    try {
      List<CompletedPart> parts = new ArrayList<>();
      MessageDigest checksumOfChecksums = Sha256Tally.newDigest();
      int length = firstLength;
      for (int number = 1; ; number++) {
        if (number > S3StoreSettings.MAX_PARTS) {
          throw new EvidenceStoreException(location + " needs more than " + S3StoreSettings.MAX_PARTS + " parts of "
              + (settings.partSizeBytes() >> 20) + " MiB, S3's limit: larger than its expected size allowed for");
        }
        byte[] partSha256 = sha256(part, length);
        checksumOfChecksums.update(partSha256);
        String checksum = base64(partSha256);
        int partNumber = number;
        int partLength = length;
        String eTag = call("UploadPart", location, () -> s3.uploadPart(b -> b.bucket(settings.bucket()).key(key)
            .uploadId(uploadId).partNumber(partNumber).contentLength((long) partLength)
            .checksumAlgorithm(ChecksumAlgorithm.SHA256).checksumSHA256(checksum), body(part, partLength))).eTag();
        parts.add(CompletedPart.builder().partNumber(partNumber).eTag(eTag).checksumSHA256(checksum).build());
        if (atEnd(in)) {
          break;
        }
        length = readPart(in, part, written);
      }
      written.requireExpected(content, location);
      String checksum = base64(checksumOfChecksums.digest()) + "-" + parts.size();
      Optional<String> versionId = commit("CompleteMultipartUpload", key, location, checksum, written,
          () -> s3.completeMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId)
              .ifNoneMatch("*").multipartUpload(m -> m.parts(parts))).versionId());
      return new Upload(versionId, checksum, parts.size());
    } catch (IOException | RuntimeException | Error e) {
      abort(key, location, uploadId, e);
      throw e;
    }
  }

  /**
   * The write that makes the object visible. When the store answers that the key now exists
   * (412), it may be our own write whose first answer was lost and that the SDK sent again: the
   * object is ours when it has exactly our checksum and size, and is then verified like any other.
   */
  private Optional<String> commit(String operation, String key, String location, String checksum,
      Sha256Tally written, Supplier<String> write) throws IOException {
    try {
      return Optional.ofNullable(write.get());
    } catch (S3Exception e) {
      if (e.statusCode() != 412 && !(e.statusCode() == 409 && "ConditionalRequestConflict".equals(errorCode(e)))) {
        throw failure(operation, location, e);
      }
      HeadObjectResponse head = call("HeadObject", location,
          () -> s3.headObject(b -> b.bucket(settings.bucket()).key(key).checksumMode(ChecksumMode.ENABLED)));
      if (head.checksumSHA256() != null && sameChecksum(head.checksumSHA256(), checksum)
          && Long.valueOf(written.count()).equals(head.contentLength())) {
        return Optional.ofNullable(head.versionId());
      }
      throw new EvidenceExistsException(location, failure(operation, location, e));
    } catch (SdkException e) {
      throw failure(operation, location, e);
    }
  }

  /** Reads back the exact version written: its lock, the checksum the store recorded, every byte's SHA-256. */
  private void verify(String key, String location, Upload upload, Sha256Tally written, Optional<Instant> retainUntil)
      throws IOException {
    String version = upload.versionId().orElse(null);
    HeadObjectResponse head = call("HeadObject", location, () -> s3.headObject(b -> b.bucket(settings.bucket())
        .key(key).versionId(version).checksumMode(ChecksumMode.ENABLED)));
    if (head.checksumSHA256() != null && !sameChecksum(head.checksumSHA256(), upload.checksum())) {
      throw new EvidenceDigestMismatchException("the store recorded SHA-256 checksum " + head.checksumSHA256()
          + " for " + location + " but " + upload.checksum() + " was sent: the stored copy differs; it stays in place"
          + " (write-once), so check the store and store the evidence again under another name");
    }
    if (retainUntil.isPresent() && !locked(head, retainUntil.get())) {
      // Some S3-compatible stores (moto among them) ignore the lock headers of a multipart upload:
      // lock the version now, then check again. AWS applies them, so this is not reached there.
      LOG.warn("evidence locked after upload location={} versionId={} reason=the store did not apply the upload's"
          + " Object Lock headers", location, version);
      ObjectLockRetentionMode mode = ObjectLockRetentionMode.fromValue(settings.retention().orElseThrow().mode().name());
      call("PutObjectRetention", location, () -> s3.putObjectRetention(b -> b.bucket(settings.bucket()).key(key)
          .versionId(version).retention(r -> r.mode(mode).retainUntilDate(retainUntil.get()))));
      head = call("HeadObject", location, () -> s3.headObject(b -> b.bucket(settings.bucket()).key(key)
          .versionId(version)));
      if (!locked(head, retainUntil.get())) {
        throw new EvidenceStoreException(location + " was stored but is not locked as asked: the store reports"
            + " retention " + head.objectLockMode() + " until " + head.objectLockRetainUntilDate() + ", not "
            + mode + " until " + retainUntil.get() + " (create the bucket with Object Lock enabled, or use a store"
            + " that enforces it)");
      }
    }
    Sha256Tally readBack;
    try (InputStream in = call("GetObject", location,
        () -> s3.getObject(b -> b.bucket(settings.bucket()).key(key).versionId(version)))) {
      readBack = Sha256Tally.of(in);
    } catch (SdkException e) {
      throw failure("GetObject", location, e);
    }
    written.requireReadBack(readBack, location);
  }

  private boolean locked(HeadObjectResponse head, Instant retainUntil) {
    String mode = settings.retention().orElseThrow().mode().name();
    Instant until = head.objectLockRetainUntilDate();
    return head.objectLockMode() != null && mode.equals(head.objectLockMode().toString()) && until != null
        && !until.isBefore(retainUntil.minusSeconds(1));
  }

  /**
   * A multipart object's checksum is the SHA-256 of its parts' SHA-256s followed by {@code -} and
   * the part count; some S3-compatible servers (moto) record it without that suffix.
   */
  private static boolean sameChecksum(String recorded, String sent) {
    int suffix = sent.lastIndexOf('-');
    return recorded.equals(sent) || (suffix > 0 && recorded.equals(sent.substring(0, suffix)));
  }

  private void abort(String key, String location, String uploadId, Throwable cause) {
    try {
      s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(key).uploadId(uploadId));
    } catch (SdkException e) {
      cause.addSuppressed(failure("AbortMultipartUpload", location, e));
    }
  }

  private void lock(Optional<Instant> retainUntil, java.util.function.Consumer<ObjectLockMode> mode,
      java.util.function.Consumer<Instant> until) {
    retainUntil.ifPresent(instant -> {
      mode.accept(ObjectLockMode.fromValue(settings.retention().orElseThrow().mode().name()));
      until.accept(instant);
    });
  }

  /** Fills {@code part} from {@code in} as far as it goes, counting and hashing what it read. */
  private static int readPart(InputStream in, byte[] part, Sha256Tally written) throws IOException {
    int length = in.readNBytes(part, 0, part.length);
    written.update(part, 0, length);
    return length;
  }

  private static boolean atEnd(PushbackInputStream in) throws IOException {
    int next = in.read();
    if (next == -1) {
      return true;
    }
    in.unread(next);
    return false;
  }

  /** A body the SDK can open again (to sign it, or to retry) without a copy of the part. */
  private static RequestBody body(byte[] part, int length) {
    return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(part, 0, length), length, OCTET_STREAM);
  }

  private static byte[] sha256(byte[] bytes, int length) {
    MessageDigest digest = Sha256Tally.newDigest();
    digest.update(bytes, 0, length);
    return digest.digest();
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private <T> T call(String operation, String location, Supplier<T> request) throws EvidenceStoreException {
    try {
      return request.get();
    } catch (SdkException e) {
      throw failure(operation, location, e);
    }
  }

  private static String errorCode(S3Exception e) {
    return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
  }

  /**
   * Our own message from the parts of an SDK failure that are safe to show: the operation, the
   * object, the HTTP status, S3's error code and message. The SDK's exception stays the cause.
   */
  private EvidenceStoreException failure(String operation, String location, SdkException e) {
    if (e instanceof S3Exception s3e) {
      String message = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorMessage();
      return new EvidenceStoreException("S3 " + operation + " of " + location + " failed: HTTP " + s3e.statusCode()
          + " " + Objects.requireNonNullElse(errorCode(s3e), "") + (message == null ? "" : ": " + message)
          + hint(s3e.statusCode()), e);
    }
    String endpoint = settings.endpoint().map(Object::toString).orElse("AWS S3 in " + settings.region());
    String reason = e instanceof SdkClientException && e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    return new EvidenceStoreException("S3 " + operation + " of " + location + " at " + endpoint + " failed: "
        + reason, e);
  }

  private static String hint(int status) {
    return switch (status) {
      case 403 -> " (check that the credentials are current and allow s3:PutObject, s3:GetObject,"
          + " s3:PutObjectRetention and s3:AbortMultipartUpload on the bucket)";
      case 404 -> " (does the bucket exist, with Object Lock enabled?)";
      default -> "";
    };
  }
}
