package io.ckpt.forensics.evidence;

import io.ckpt.forensics.evidence.CustodyPredicate.ObjectReference;
import io.ckpt.forensics.evidence.CustodyPredicate.Requester;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import io.ckpt.forensics.evidence.CustodyPredicate.Times;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/**
 * What the evidence tests share: the committed test-only OpenPGP keys, record-signing keys generated
 * per test, archives of pseudo-random bytes, and a custody record for them.
 */
public final class EvidenceFixtures {

  /** Primary-key fingerprints of the test-only recipients (README.md beside the key files). */
  public static final String RECIPIENT_A = "3CB47CBCDCE401EC64F181C87F1DD5D5F7C24CF8";
  public static final String RECIPIENT_B = "7D250B57383253EEE7A75A8EE40716EC7C47BFD9";

  private EvidenceFixtures() {}

  /** A test-only key file under src/test/resources/io/ckpt/forensics/evidence. */
  public static Path keyFile(String name) {
    try {
      return Path.of(EvidenceFixtures.class.getResource(name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource " + name + " is missing", e);
    }
  }

  /** A fresh PKCS#8 PEM signing key in {@code dir}: "EC" (P-256) or "Ed25519". */
  public static Path newSigningKey(Path dir, String algorithm) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (algorithm.equals("EC")) {
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      }
      Path file = Files.createTempFile(dir, algorithm.toLowerCase() + "-", ".pem");
      Files.writeString(file, PemBlock.format("PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded()));
      return file;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make a " + algorithm + " test key", e);
    }
  }

  /** The public key of a signing key, written as PEM beside it. */
  public static Path publicKeyOf(Path signingKey) {
    try {
      Path file = signingKey.resolveSibling(signingKey.getFileName() + ".pub");
      Files.writeString(file, SigningKey.load(signingKey).verificationKey().pem());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code size} pseudo-random bytes, the same for the same seed. */
  public static byte[] archive(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Evidence as a collector would store it, with its signed record. */
  public record Stored(byte[] plaintext, byte[] stored, CustodyRecord record) {
    public byte[] recordFile() {
      return record.fileBytes();
    }
  }

  /** Takes {@code archive} into custody, encrypted to the recipients (none: plain), and signs its record. */
  public static Stored collect(byte[] archive, List<Path> recipientKeys, Path signingKey, SeriesPosition series,
      byte[] previousRecordFile) throws IOException {
    ByteArrayOutputStream store = new ByteArrayOutputStream();
    CustodyCopy.Result copy = CustodyCopy.copy(new ByteArrayInputStream(archive), store,
        OpenPgpRecipient.loadAll(recipientKeys));
    CustodyPredicate predicate = predicate(copy, series,
        previousRecordFile == null ? null : CustodyPredicate.RecordDigest.of(previousRecordFile));
    String name = "checkpoint-nettools_dev-nettools-2026-12-01T06:00:00Z.tar" + (copy.encrypted() ? ".gpg" : "");
    CustodyRecord record = CustodyRecord.sign(InTotoStatement.custody(name, predicate), SigningKey.load(signingKey));
    return new Stored(archive, store.toByteArray(), record);
  }

  /** A predicate with realistic values for a copy. */
  public static CustodyPredicate predicate(CustodyCopy.Result copy, SeriesPosition series,
      CustodyPredicate.RecordDigest previous) {
    return new CustodyPredicate(new Requester("alice@example.com", List.of("responders", "system:authenticated")),
        "Falco: Terminal shell in container", "INC-2026-0042",
        new ObjectReference("dev", "nettools-inc42", "6f1c1f9e-3a51-4d0e-9d5c-2b0c8f1a7e11"), "nettools",
        "0b1f7a7c-9a3e-4f55-8f1e-6f0d2a9c3b4d", "nettools",
        "cri-o://6924be1bd90c23f10e2667102b0ee0f74f09bba78b6661871e733cb3b1737821",
        "docker.io/nicolaka/netshoot:v0.13",
        "docker.io/nicolaka/netshoot@sha256:a20c2531bf35436ed3766cd6cfe89d352b050ccc4d7005ce6400adf97503da1b",
        "worker-1", "/var/lib/kubelet/checkpoints/checkpoint-nettools_dev-nettools-2026-12-01T06:00:00Z.tar",
        Times.of(Instant.parse("2026-12-01T05:59:58Z"), Instant.parse("2026-12-01T06:00:00Z"),
            Instant.parse("2026-12-01T06:00:03.250Z")),
        copy.plaintext(), CustodyPredicate.StoredForm.of(copy), new CustodyPredicate.Tool("forensic-checkpoint", "0.1.0"),
        series, previous);
  }
}
