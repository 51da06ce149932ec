package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ckpt.forensics.lab.RequiresS3Server;
import io.ckpt.forensics.lab.S3TestServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ObjectVersion;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link S3EvidenceStore} against a real S3-compatible server (moto's, on loopback; see
 * {@link S3TestServer}) that enforces Object Lock: a locked version cannot be deleted.
 */
@RequiresS3Server
class S3EvidenceStoreIT {

  private static final String LOCKED = "evidence-locked";
  private static final String PLAIN = "evidence-plain";
  private static final int PART = S3StoreSettings.MIN_PART_SIZE;
  // recognisable values that must never show up in a message or a log line
  private static final String ACCESS_KEY_ID = "AKIAFCPTESTKEYID0001";
  private static final String SECRET = "fcpTestSecret/8f1d0c2e+mustNotLeak";
  private static final String SESSION_TOKEN = "fcpTestSessionToken3b9aMustNotLeak";

  private static S3TestServer server;
  private static S3Client admin;
  @TempDir
  static Path credentials;

  @BeforeAll
  static void startServer() throws Exception {
    server = S3TestServer.start(Path.of(System.getProperty("lab.dir", "target/lab")).resolve("s3"));
    Files.writeString(credentials.resolve(S3CredentialFiles.ACCESS_KEY_ID), ACCESS_KEY_ID + "\n");
    Files.writeString(credentials.resolve(S3CredentialFiles.SECRET_ACCESS_KEY), SECRET + "\n");
    Files.writeString(credentials.resolve(S3CredentialFiles.SESSION_TOKEN), SESSION_TOKEN);
    admin = server.adminClient();
    admin.createBucket(b -> b.bucket(LOCKED).objectLockEnabledForBucket(true));
    admin.createBucket(b -> b.bucket(PLAIN));
  }

  @AfterAll
  static void stopServer() {
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static S3EvidenceStore store(String bucket, ObjectLockRetention.Mode mode) {
    return store(bucket, mode, server.endpoint());
  }

  private static S3EvidenceStore store(String bucket, ObjectLockRetention.Mode mode, URI endpoint) {
    Optional<ObjectLockRetention> retention = Optional.ofNullable(mode)
        .map(m -> new ObjectLockRetention(m, Duration.ofDays(1)));
    return new S3EvidenceStore(new S3StoreSettings(Optional.of(endpoint), "us-east-1", bucket, "cases/", true,
        retention, PART), new S3CredentialFiles(credentials), Clock.systemUTC());
  }

  private static EvidenceContent generated(long seed, long length) throws IOException {
    return EvidenceContent.of(new GeneratedBytes(seed, length), length, GeneratedBytes.sha256(seed, length));
  }

  private static List<ObjectVersion> versions(String bucket, String key) {
    return admin.listObjectVersions(b -> b.bucket(bucket).prefix(key)).versions().stream()
        .filter(v -> v.key().equals(key)).toList();
  }

  private static byte[] read(String bucket, String key, String versionId) throws IOException {
    try (InputStream in = admin.getObject(b -> b.bucket(bucket).key(key).versionId(versionId))) {
      return in.readAllBytes();
    }
  }

  @Test
  void smallArchiveIsStoredUnderComplianceLockAndReadBack() throws Exception {
    byte[] archive = "a small checkpoint archive".getBytes(StandardCharsets.UTF_8);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    Instant before = Instant.now();
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      StoredEvidence stored = store.store("dev/small/nettools.tar",
          EvidenceContent.of(new ByteArrayInputStream(archive), archive.length, sha256));

      assertThat(stored.location()).isEqualTo("s3://" + LOCKED + "/cases/dev/small/nettools.tar");
      assertThat(stored.sha256()).isEqualTo(sha256);
      assertThat(stored.sizeBytes()).isEqualTo(archive.length);
      assertThat(stored.versionId()).isPresent();
      assertThat(stored.retainUntil().orElseThrow()).isBetween(before.plus(Duration.ofDays(1)).minusSeconds(2),
          Instant.now().plus(Duration.ofDays(1)));
      HeadObjectResponse head = admin.headObject(b -> b.bucket(LOCKED).key("cases/dev/small/nettools.tar")
          .versionId(stored.versionId().get()));
      assertThat(head.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
      try (InputStream in = store.open("dev/small/nettools.tar")) {
        assertThat(in.readAllBytes()).isEqualTo(archive);
      }
    }
  }

  /** 40 MiB, generated while read, in 5 MiB parts: 8 parts, each with its own SHA-256, the whole re-hashed on read-back. */
  @Test
  void largeArchiveIsStreamedInPartsAndReadBack() throws Exception {
    long size = 40L << 20;
    String sha256 = GeneratedBytes.sha256(7, size);
    // the collector's way: its own hash of the bytes as they pass, given after the last byte
    DigestInputStream source = new DigestInputStream(new GeneratedBytes(7, size), MessageDigest.getInstance("SHA-256"));
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      StoredEvidence stored = store.store("dev/large/app.tar", EvidenceContent.hashedAlongside(source,
          EvidenceContent.UNKNOWN_LENGTH, () -> HexFormat.of().formatHex(source.getMessageDigest().digest())));

      assertThat(stored.sha256()).isEqualTo(sha256);
      assertThat(stored.sizeBytes()).isEqualTo(size);
      HeadObjectResponse firstPart = admin.headObject(b -> b.bucket(LOCKED).key("cases/dev/large/app.tar")
          .versionId(stored.versionId().orElseThrow()).partNumber(1));
      assertThat(firstPart.partsCount()).isEqualTo(8);
      HeadObjectResponse head = admin.headObject(b -> b.bucket(LOCKED).key("cases/dev/large/app.tar"));
      assertThat(head.objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
      assertThat(head.versionId()).isEqualTo(stored.versionId().orElseThrow());
      assertThat(admin.listMultipartUploads(b -> b.bucket(LOCKED)).uploads()).isEmpty();
      try (InputStream in = store.open("dev/large/app.tar")) {
        assertThat(Sha256Tally.of(in).hex()).isEqualTo(sha256);
      }
    }
  }

  @Test
  void anExistingKeyIsNeverReplaced() throws Exception {
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      StoredEvidence first = store.store("dev/twice/c.tar", generated(1, 1000));

      assertThatThrownBy(() -> store.store("dev/twice/c.tar", generated(2, 1000)))
          .isInstanceOf(EvidenceExistsException.class)
          .hasMessageContaining("s3://" + LOCKED + "/cases/dev/twice/c.tar");
      assertThat(versions(LOCKED, "cases/dev/twice/c.tar")).extracting(ObjectVersion::versionId)
          .containsExactly(first.versionId().orElseThrow());
    }
  }

  /**
   * Someone writes the key after the store's HEAD, while it streams: the write that would make the
   * object visible carries If-None-Match, so the server refuses it, and a multipart upload is aborted.
   */
  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {1000, 3L * PART + 17})
  void aKeyWrittenDuringTheUploadIsNotReplaced(long size) throws Exception {
    String key = "cases/dev/race-" + size + "/c.tar";
    byte[] planted = "planted".getBytes(StandardCharsets.UTF_8);
    InputStream source = new GeneratedBytes(3, size) {
      private boolean planted0;

      @Override
      public int read(byte[] b, int off, int len) {
        return plantAtEnd(super.read(b, off, len));
      }

      @Override
      public int read() {
        return plantAtEnd(super.read());
      }

      private int plantAtEnd(int n) {
        if (n == -1 && !planted0) {
          planted0 = true;
          admin.putObject(p -> p.bucket(LOCKED).key(key), RequestBody.fromBytes(planted));
        }
        return n;
      }
    };
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      assertThatThrownBy(() -> store.store("dev/race-" + size + "/c.tar",
          EvidenceContent.of(source, size, GeneratedBytes.sha256(3, size))))
          .isInstanceOf(EvidenceExistsException.class);
    }
    List<ObjectVersion> versions = versions(LOCKED, key);
    assertThat(versions).hasSize(1);
    assertThat(read(LOCKED, key, versions.get(0).versionId())).isEqualTo(planted);
    assertThat(admin.listMultipartUploads(b -> b.bucket(LOCKED)).uploads()).isEmpty();
  }

  /**
   * The store sends a request again when its answer was lost; the second PutObject then meets our own
   * object and gets 412. An object with exactly our checksum and size is taken as ours (the bytes are
   * the evidence either way), verified and locked like any other.
   */
  @Test
  void aConflictWithExactlyOurBytesIsTakenAsOurOwnRetry() throws Exception {
    String key = "cases/dev/retry/c.tar";
    byte[] bytes = "retried upload".getBytes(StandardCharsets.UTF_8);
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    String[] planted = new String[1];
    InputStream source = new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        int n = super.read(b, off, len);
        if (n == -1 && planted[0] == null) {
          planted[0] = admin.putObject(p -> p.bucket(LOCKED).key(key).checksumAlgorithm(ChecksumAlgorithm.SHA256),
              RequestBody.fromBytes(bytes)).versionId();
        }
        return n;
      }
    };
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      StoredEvidence stored = store.store("dev/retry/c.tar", EvidenceContent.of(source, bytes.length, sha256));

      assertThat(stored.versionId()).contains(planted[0]);
      assertThat(stored.sha256()).isEqualTo(sha256);
    }
    assertThat(versions(LOCKED, key)).hasSize(1);
    assertThat(admin.headObject(b -> b.bucket(LOCKED).key(key)).objectLockMode()).isEqualTo(ObjectLockMode.COMPLIANCE);
  }

  @Test
  void lockedEvidenceCannotBeDeletedOrOverwritten() throws Exception {
    StoredEvidence stored;
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      stored = store.store("dev/locked/c.tar", generated(4, 5000));
    }
    String key = "cases/dev/locked/c.tar";
    String version = stored.versionId().orElseThrow();

    S3Exception delete = (S3Exception) catchThrowable(() -> admin.deleteObject(b -> b.bucket(LOCKED).key(key)
        .versionId(version)));
    assertThat(delete).as("deleting the locked version").isNotNull();
    assertThat(delete.statusCode()).isEqualTo(403);
    S3Exception bypass = (S3Exception) catchThrowable(() -> admin.deleteObject(b -> b.bucket(LOCKED).key(key)
        .versionId(version).bypassGovernanceRetention(true)));
    assertThat(bypass).as("COMPLIANCE ignores the governance bypass").isNotNull();
    assertThat(bypass.statusCode()).isEqualTo(403);

    // an overwrite without the store's If-None-Match only adds a version: the locked one stays intact
    admin.putObject(b -> b.bucket(LOCKED).key(key), RequestBody.fromString("tampered"));
    assertThat(Sha256Tally.of(new ByteArrayInputStream(read(LOCKED, key, version))).hex())
        .isEqualTo(stored.sha256());
    assertThat(versions(LOCKED, key)).extracting(ObjectVersion::versionId).contains(version).hasSize(2);
  }

  @Test
  void governanceLockedEvidenceCannotBeDeletedWithoutBypass() throws Exception {
    StoredEvidence stored;
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.GOVERNANCE)) {
      stored = store.store("dev/governance/c.tar", generated(5, 5000));
    }
    assertThat(admin.headObject(b -> b.bucket(LOCKED).key("cases/dev/governance/c.tar")).objectLockMode())
        .isEqualTo(ObjectLockMode.GOVERNANCE);
    S3Exception delete = (S3Exception) catchThrowable(() -> admin.deleteObject(b -> b.bucket(LOCKED)
        .key("cases/dev/governance/c.tar").versionId(stored.versionId().orElseThrow())));
    assertThat(delete).isNotNull();
    assertThat(delete.statusCode()).isEqualTo(403);
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {1000, 2L * PART + 1})
  void aWrongExpectedChecksumStoresNothing(long size) throws Exception {
    String wrong = GeneratedBytes.sha256(99, size);
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      assertThatThrownBy(() -> store.store("dev/wrong-" + size + "/c.tar",
          EvidenceContent.of(new GeneratedBytes(6, size), size, wrong)))
          .isInstanceOf(EvidenceDigestMismatchException.class)
          .hasMessageContaining(wrong).hasMessageContaining(GeneratedBytes.sha256(6, size))
          .hasMessageContaining("nothing was stored");
    }
    assertThat(versions(LOCKED, "cases/dev/wrong-" + size + "/c.tar")).isEmpty();
    assertThat(admin.listMultipartUploads(b -> b.bucket(LOCKED)).uploads()).isEmpty();
  }

  @Test
  void aTruncatedSourceStoresNothing() throws Exception {
    try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
      assertThatThrownBy(() -> store.store("dev/short/c.tar",
          EvidenceContent.of(new GeneratedBytes(8, PART + 10), PART + 20, GeneratedBytes.sha256(8, PART + 10))))
          .isInstanceOf(EvidenceDigestMismatchException.class)
          .hasMessageContaining("were declared");
    }
    assertThat(versions(LOCKED, "cases/dev/short/c.tar")).isEmpty();
    assertThat(admin.listMultipartUploads(b -> b.bucket(LOCKED)).uploads()).isEmpty();
  }

  @Test
  void aBucketWithoutObjectLockIsRefusedNotSilentlyUnlocked() throws Exception {
    try (S3EvidenceStore store = store(PLAIN, ObjectLockRetention.Mode.COMPLIANCE)) {
      assertThatThrownBy(() -> store.store("dev/plain/c.tar", generated(9, 100)))
          .isInstanceOf(EvidenceStoreException.class)
          .hasMessageContaining("s3://" + PLAIN + "/cases/dev/plain/c.tar");
    }
    assertThat(versions(PLAIN, "cases/dev/plain/c.tar")).isEmpty();
  }

  @Test
  void credentialsNeverAppearInMessagesOrLogs() throws Exception {
    List<String> texts = new ArrayList<>();
    // the SDK's signer and the JDK's HttpURLConnection, which logs every request header at FINE
    Logger[] loggers = {Logger.getLogger("software.amazon.awssdk"), Logger.getLogger("sun.net.www.protocol.http"),
        Logger.getLogger("io.ckpt.forensics")};
    Level[] levels = new Level[loggers.length];
    SimpleFormatter formatter = new SimpleFormatter();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        synchronized (texts) {
          texts.add(formatter.format(record));
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    capture.setLevel(Level.ALL);
    for (int i = 0; i < loggers.length; i++) {
      levels[i] = loggers[i].getLevel();
      loggers[i].setLevel(Level.ALL);
      loggers[i].addHandler(capture);
    }
    try {
      try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
        store.store("dev/leak/c.tar", generated(10, 2L * PART + 5));
        texts.add(describe(catchThrowable(() -> store.store("dev/leak/c.tar", generated(10, 10)))));
        texts.add(describe(catchThrowable(() -> store.store("dev/leak/d.tar",
            EvidenceContent.of(new GeneratedBytes(11, 10), 10, GeneratedBytes.sha256(12, 10))))));
      }
      try (S3EvidenceStore store = store("no-such-bucket", ObjectLockRetention.Mode.COMPLIANCE)) {
        texts.add(describe(catchThrowable(() -> store.store("dev/leak/c.tar", generated(10, 10)))));
      }
      try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE, closedPort())) {
        texts.add(describe(catchThrowable(() -> store.store("dev/leak/e.tar", generated(10, 10)))));
      }
      Files.delete(credentials.resolve(S3CredentialFiles.SECRET_ACCESS_KEY));
      try (S3EvidenceStore store = store(LOCKED, ObjectLockRetention.Mode.COMPLIANCE)) {
        Throwable missing = catchThrowable(() -> store.store("dev/leak/f.tar", generated(10, 10)));
        assertThat(missing).hasMessageContaining(S3CredentialFiles.SECRET_ACCESS_KEY);
        texts.add(describe(missing));
      }
    } finally {
      Files.writeString(credentials.resolve(S3CredentialFiles.SECRET_ACCESS_KEY), SECRET + "\n");
      for (int i = 0; i < loggers.length; i++) {
        loggers[i].removeHandler(capture);
        loggers[i].setLevel(levels[i]);
      }
    }
    String all = String.join("\n", texts);
    // the capture works: it saw the store's own line (the signer and the connection log nothing
    // above FINE, which CredentialLogGuard holds them to; without the guard they leak, and this fails)
    assertThat(all).as("the capture saw the store's own log line").contains("evidence stored destination=s3");
    assertThat(texts).hasSizeGreaterThan(6);
    assertThat(all).doesNotContain(SECRET).doesNotContain(SESSION_TOKEN).doesNotContain(ACCESS_KEY_ID);
  }

  private static String describe(Throwable t) {
    assertThat(t).as("the operation failed").isNotNull();
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return t + "\n" + out;
  }

  private static URI closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }
}
