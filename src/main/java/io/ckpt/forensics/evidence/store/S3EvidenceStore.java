package io.ckpt.forensics.evidence.store;

import io.ckpt.forensics.evidence.store.S3Http.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpMethod;

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
 * and never appear in a message or log line of this class. The requests are {@link S3Http}'s: signed
 * by the SDK's SigV4 signer, sent by the JDK, without the full S3 client (the collector's memory).
 */
public final class S3EvidenceStore implements EvidenceStore, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(S3EvidenceStore.class);
  private static final String OCTET_STREAM = "application/octet-stream";
  private static final String XML = "application/xml";
  private static final String S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

  private final S3StoreSettings settings;
  private final S3Http s3;
  private final Clock clock;

  public S3EvidenceStore(S3StoreSettings settings, AwsCredentialsProvider credentials, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    CredentialLogGuard.apply();
    this.s3 = new S3Http(settings, Objects.requireNonNull(credentials, "credentials"));
  }

  @Override
  public String locationOf(String name) {
    return "s3://" + settings.bucket() + "/" + key(name);
  }

  @Override
  public InputStream open(String name) throws IOException {
    String key = key(name);
    return call("GetObject", locationOf(name), () -> s3.open(Request.of("GetObject", SdkHttpMethod.GET, key)));
  }

  /** Nothing to release: the JDK keeps its idle connections itself, for the whole process. */
  @Override
  public void close() {
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

  /** One uploaded part, as CompleteMultipartUpload names it. */
  private record Part(int number, String eTag, String checksum) {
  }

  /** What a HeadObject answer says of a version: the headers this store reads. */
  private record Head(String versionId, long contentLength, String checksumSha256, String lockMode,
      String retainUntilText) {

    static Head of(S3Http.Response response) {
      return new Head(response.header("x-amz-version-id"), contentLength(response.header("Content-Length")),
          response.header("x-amz-checksum-sha256"), response.header("x-amz-object-lock-mode"),
          response.header("x-amz-object-lock-retain-until-date"));
    }

    /**
     * -1 when absent or not a number: the store's answer is not trusted to be well-formed, and an
     * unknown length never matches what was written, so it fails a check instead of the collector.
     */
    private static long contentLength(String header) {
      try {
        return header == null ? -1 : Long.parseLong(header.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** The retain-until date; null when absent or not ISO-8601. */
    Instant retainUntil() {
      if (retainUntilText == null) {
        return null;
      }
      try {
        return OffsetDateTime.parse(retainUntilText.trim()).toInstant();
      } catch (DateTimeParseException e) {
        return null;
      }
    }
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
      s3.send(Request.of("HeadObject", SdkHttpMethod.HEAD, key));
    } catch (S3ErrorResponse e) {
      if (e.statusCode() == 404 || e.statusCode() == 403) {
        return;
      }
      throw failure("HeadObject", location, e);
    } catch (IOException | SdkException e) {
      throw failure("HeadObject", location, e);
    }
    throw new EvidenceExistsException(location);
  }

  private Upload putObject(String key, String location, byte[] part, int length, EvidenceContent content,
      Sha256Tally written, Optional<Instant> retainUntil) throws IOException {
    written.requireExpected(content, location);
    String checksum = base64(sha256(part, length));
    Request put = lock(Request.of("PutObject", SdkHttpMethod.PUT, key).header("Content-Type", OCTET_STREAM)
        .header("If-None-Match", "*").header("x-amz-sdk-checksum-algorithm", "SHA256")
        .header("x-amz-checksum-sha256", checksum), retainUntil).body(part, length);
    var response = commit("PutObject", key, location, checksum, written,
        () -> s3.send(put).header("x-amz-version-id"));
    return new Upload(response, checksum, 1);
  }

  private Upload multipartUpload(String key, String location, PushbackInputStream in, byte[] part, int firstLength,
      EvidenceContent content, Sha256Tally written, Optional<Instant> retainUntil) throws IOException {
    Request create = lock(Request.of("CreateMultipartUpload", SdkHttpMethod.POST, key).query("uploads", "")
        .header("Content-Type", OCTET_STREAM).header("x-amz-checksum-algorithm", "SHA256"), retainUntil);
    String uploadId = S3Xml.element(call("CreateMultipartUpload", location, () -> s3.send(create)).body(), "UploadId")
        .orElseThrow(() -> new EvidenceStoreException("S3 CreateMultipartUpload of " + location + " failed: the"
            + " store's answer has no UploadId (is " + settings.endpoint().map(Object::toString).orElse("the endpoint")
            + " an S3-compatible store?)"));
    try {
      List<Part> parts = new ArrayList<>();
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
        Request upload = Request.of("UploadPart", SdkHttpMethod.PUT, key).query("partNumber", Integer.toString(number))
            .query("uploadId", uploadId).header("x-amz-sdk-checksum-algorithm", "SHA256")
            .header("x-amz-checksum-sha256", checksum).body(part, length);
        String eTag = call("UploadPart", location, () -> s3.send(upload)).header("ETag");
        if (eTag == null) {
          throw new EvidenceStoreException("S3 UploadPart of " + location + " failed: the store's answer to part "
              + number + " has no ETag");
        }
        parts.add(new Part(number, eTag, checksum));
        if (atEnd(in)) {
          break;
        }
        length = readPart(in, part, written);
      }
      written.requireExpected(content, location);
      String checksum = base64(checksumOfChecksums.digest()) + "-" + parts.size();
      byte[] completion = completion(parts);
      Request complete = Request.of("CompleteMultipartUpload", SdkHttpMethod.POST, key).query("uploadId", uploadId)
          .header("Content-Type", XML).header("If-None-Match", "*").body(completion, completion.length);
      Optional<String> versionId = commit("CompleteMultipartUpload", key, location, checksum, written,
          () -> s3.send(complete).header("x-amz-version-id"));
      return new Upload(versionId, checksum, parts.size());
    } catch (IOException | RuntimeException | Error e) {
      abort(key, location, uploadId, e);
      throw e;
    }
  }

  /** CompleteMultipartUpload's body: every part's number, ETag and SHA-256. */
  private static byte[] completion(List<Part> parts) {
    StringBuilder xml = new StringBuilder(64 + parts.size() * 160)
        .append("<CompleteMultipartUpload xmlns=\"").append(S3_NAMESPACE).append("\">");
    for (Part part : parts) {
      xml.append("<Part><PartNumber>").append(part.number()).append("</PartNumber><ETag>")
          .append(S3Xml.escape(part.eTag())).append("</ETag><ChecksumSHA256>").append(part.checksum())
          .append("</ChecksumSHA256></Part>");
    }
    return xml.append("</CompleteMultipartUpload>").toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The write that makes the object visible. When the store answers that the key now exists
   * (412), it may be our own write whose first answer was lost and that was sent again: the
   * object is ours when it has exactly our checksum and size, and is then verified like any other.
   */
  private Optional<String> commit(String operation, String key, String location, String checksum,
      Sha256Tally written, S3Call<String> write) throws IOException {
    try {
      return Optional.ofNullable(write.run());
    } catch (S3ErrorResponse e) {
      if (e.statusCode() != 412 && !(e.statusCode() == 409 && "ConditionalRequestConflict".equals(e.errorCode()))) {
        throw failure(operation, location, e);
      }
      Head head = head(key, location, null, true);
      if (head.checksumSha256() != null && sameChecksum(head.checksumSha256(), checksum)
          && written.count() == head.contentLength()) {
        return Optional.ofNullable(head.versionId());
      }
      throw new EvidenceExistsException(location, failure(operation, location, e));
    } catch (IOException | SdkException e) {
      throw failure(operation, location, e);
    }
  }

  private Head head(String key, String location, String version, boolean checksum) throws EvidenceStoreException {
    Request head = Request.of("HeadObject", SdkHttpMethod.HEAD, key).query("versionId", version)
        .header("x-amz-checksum-mode", checksum ? "ENABLED" : null);
    return Head.of(call("HeadObject", location, () -> s3.send(head)));
  }

  /** Reads back the exact version written: its lock, the checksum the store recorded, every byte's SHA-256. */
  private void verify(String key, String location, Upload upload, Sha256Tally written, Optional<Instant> retainUntil)
      throws IOException {
    String version = upload.versionId().orElse(null);
    Head head = head(key, location, version, true);
    if (head.checksumSha256() != null && !sameChecksum(head.checksumSha256(), upload.checksum())) {
      throw new EvidenceDigestMismatchException("the store recorded SHA-256 checksum " + head.checksumSha256()
          + " for " + location + " but " + upload.checksum() + " was sent: the stored copy differs; it stays in place"
          + " (write-once), so check the store and store the evidence again under another name");
    }
    if (retainUntil.isPresent() && !locked(head, retainUntil.get())) {
      // Some S3-compatible stores (moto among them) ignore the lock headers of a multipart upload:
      // lock the version now, then check again. AWS applies them, so this is not reached there.
      LOG.warn("evidence locked after upload location={} versionId={} reason=the store did not apply the upload's"
          + " Object Lock headers", location, version);
      String mode = settings.retention().orElseThrow().mode().name();
      byte[] retention = ("<Retention xmlns=\"" + S3_NAMESPACE + "\"><Mode>" + mode + "</Mode><RetainUntilDate>"
          + retainUntil.get() + "</RetainUntilDate></Retention>").getBytes(StandardCharsets.UTF_8);
      Request put = Request.of("PutObjectRetention", SdkHttpMethod.PUT, key).query("retention", "")
          .query("versionId", version).header("Content-Type", XML)
          // S3 refuses PutObjectRetention without it
          .header("Content-MD5", base64(md5(retention))).body(retention, retention.length);
      call("PutObjectRetention", location, () -> s3.send(put));
      head = head(key, location, version, false);
      if (!locked(head, retainUntil.get())) {
        Instant until = head.retainUntil();
        throw new EvidenceStoreException(location + " was stored but is not locked as asked: the store reports"
            + " retention " + head.lockMode() + " until " + (until != null ? until : head.retainUntilText()) + ", not "
            + mode + " until " + retainUntil.get() + " (create the bucket with Object Lock enabled, or use a store"
            + " that enforces it)");
      }
    }
    Sha256Tally readBack;
    Request get = Request.of("GetObject", SdkHttpMethod.GET, key).query("versionId", version);
    try (InputStream in = call("GetObject", location, () -> s3.open(get))) {
      readBack = Sha256Tally.of(in);
    } catch (EvidenceStoreException e) {
      throw e;
    } catch (IOException e) {
      throw failure("GetObject", location, e);
    }
    written.requireReadBack(readBack, location);
  }

  private boolean locked(Head head, Instant retainUntil) {
    String mode = settings.retention().orElseThrow().mode().name();
    Instant until = head.retainUntil();
    return head.lockMode() != null && mode.equals(head.lockMode()) && until != null
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
      s3.send(Request.of("AbortMultipartUpload", SdkHttpMethod.DELETE, key).query("uploadId", uploadId));
    } catch (IOException | SdkException e) {
      cause.addSuppressed(failure("AbortMultipartUpload", location, e));
    }
  }

  /** The request with the Object Lock headers of the retention asked for, if any. */
  private Request lock(Request request, Optional<Instant> retainUntil) {
    if (retainUntil.isEmpty()) {
      return request;
    }
    return request.header("x-amz-object-lock-mode", settings.retention().orElseThrow().mode().name())
        .header("x-amz-object-lock-retain-until-date", retainUntil.get().toString());
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

  private static byte[] sha256(byte[] bytes, int length) {
    MessageDigest digest = Sha256Tally.newDigest();
    digest.update(bytes, 0, length);
    return digest.digest();
  }

  private static byte[] md5(byte[] bytes) {
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5, which every Java platform must have", e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** A request to S3 and what is taken from its answer. */
  private interface S3Call<T> {
    T run() throws IOException;
  }

  private <T> T call(String operation, String location, S3Call<T> request) throws EvidenceStoreException {
    try {
      return request.run();
    } catch (IOException | SdkException e) {
      throw failure(operation, location, e);
    }
  }

  /**
   * Our own message from the parts of a failure that are safe to show: the operation, the object,
   * the HTTP status, S3's error code and message. The failure stays the cause.
   */
  private EvidenceStoreException failure(String operation, String location, Exception e) {
    if (e instanceof S3ErrorResponse s3e) {
      String message = s3e.errorMessage();
      return new EvidenceStoreException("S3 " + operation + " of " + location + " failed: HTTP " + s3e.statusCode()
          + " " + Objects.requireNonNullElse(s3e.errorCode(), "") + (message == null ? "" : ": " + message)
          + hint(s3e.statusCode()), e);
    }
    String endpoint = settings.endpoint().map(Object::toString).orElse("AWS S3 in " + settings.region());
    String reason = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
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
