package io.ckpt.forensics.evidence;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.openpgp.PGPCompressedData;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPMarker;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRingCollection;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.jcajce.JcePublicKeyDataDecryptorFactoryBuilder;

/**
 * Reads encrypted evidence back with a recipient's secret key, as a stream: the plaintext comes out
 * as it is read, and the end of the stream is reached only after the message's integrity code
 * matched. Messages without integrity protection are refused (anyone could have altered them).
 */
public final class OpenPgpDecryption {

  /**
   * The session key is unwrapped by Bouncy Castle's provider (it knows every OpenPGP public-key
   * algorithm; not registered globally); the content is decrypted and its MDC hashed by the JDK's own
   * provider, whose AES uses the CPU's AES instructions: Bouncy Castle's lightweight AES made a 1 GiB
   * archive take 21 s of CPU.
   */
  private static final java.security.Provider KEY_PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
  private static final String CONTENT_PROVIDER = "SunJCE";

  private final List<PGPSecretKeyRingCollection> keyRings;
  private final char[] passphrase;
  private final String keySource;

  private OpenPgpDecryption(List<PGPSecretKeyRingCollection> keyRings, char[] passphrase, String keySource) {
    this.keyRings = keyRings;
    this.passphrase = passphrase;
    this.keySource = keySource;
  }

  /**
   * The secret keys in key files ({@code gpg --export-secret-keys}, armored or binary);
   * {@code passphrase} unlocks protected keys (empty for unprotected ones).
   */
  public static OpenPgpDecryption withSecretKeys(List<Path> files, char[] passphrase) throws KeyFileException {
    List<PGPSecretKeyRingCollection> rings = new ArrayList<>();
    for (Path file : files) {
      try (InputStream in = PGPUtil.getDecoderStream(Files.newInputStream(file))) {
        PGPSecretKeyRingCollection collection = new PGPSecretKeyRingCollection(in, new BcKeyFingerprintCalculator());
        if (collection.size() == 0) {
          throw new KeyFileException("decryption key " + file + ": holds no OpenPGP secret key");
        }
        rings.add(collection);
      } catch (KeyFileException e) {
        throw e;
      } catch (IOException | PGPException | RuntimeException e) {
        throw new KeyFileException("decryption key " + file + ": not an OpenPGP secret key (" + e.getMessage()
            + "); export one with gpg --export-secret-keys --armor KEYID", e);
      }
    }
    return new OpenPgpDecryption(rings, passphrase.clone(), files.toString());
  }

  /** Bytes an {@link #looksEncrypted} check needs from the start of a file. */
  public static final int HEAD_BYTES = 27;

  /**
   * Whether a file starting with these bytes is an OpenPGP encrypted message: binary (its first
   * packet a public-key or symmetric-key encrypted session key, or a marker, in old or new packet
   * format) or ASCII-armored. No tar, gzip or zstd stream starts like that.
   */
  public static boolean looksEncrypted(byte[] head, int length) {
    if (length <= 0) {
      return false;
    }
    int b = head[0] & 0xff;
    int tag = (b & 0xc0) == 0xc0 ? b & 0x3f : (b & 0xc0) == 0x80 ? (b >> 2) & 0x0f : -1;
    if (tag == 1 || tag == 3 || tag == 10) {
      return true;
    }
    String armor = "-----BEGIN PGP MESSAGE-----";
    return length >= armor.length()
        && new String(head, 0, armor.length(), java.nio.charset.StandardCharsets.US_ASCII).equals(armor);
  }

  /**
   * The plaintext of an OpenPGP message. Reading it to its end throws if the integrity code does
   * not match; a {@link KeyFileException} says that none of the keys can open the message.
   */
  public InputStream decrypt(InputStream message) throws IOException {
    try {
      BcPGPObjectFactory factory = new BcPGPObjectFactory(PGPUtil.getDecoderStream(message));
      Object first = factory.nextObject();
      while (first instanceof PGPMarker) {
        first = factory.nextObject();
      }
      if (!(first instanceof PGPEncryptedDataList list)) {
        throw new IOException("not an OpenPGP encrypted message (first packet: "
            + (first == null ? "none" : first.getClass().getSimpleName()) + ")");
      }
      List<String> addressed = new ArrayList<>();
      for (Iterator<PGPEncryptedData> it = list.getEncryptedDataObjects(); it.hasNext();) {
        PGPEncryptedData data = it.next();
        if (!(data instanceof PGPPublicKeyEncryptedData encrypted)) {
          continue;
        }
        long keyId = encrypted.getKeyIdentifier().getKeyId();
        addressed.add(String.format(Locale.ROOT, "%016X", keyId));
        PGPPrivateKey key = privateKey(keyId);
        if (key == null) {
          continue;
        }
        if (!encrypted.isIntegrityProtected()) {
          throw new IOException("the message has no integrity protection (no MDC): it could have been altered");
        }
        InputStream clear = encrypted.getDataStream(new JcePublicKeyDataDecryptorFactoryBuilder()
            .setProvider(KEY_PROVIDER).setContentProvider(CONTENT_PROVIDER).build(key));
        return new IntegrityCheckedStream(literalData(new BcPGPObjectFactory(clear)), encrypted);
      }
      throw new KeyFileException("none of the decryption keys (" + keySource + ") is a recipient; the message is for key IDs "
          + String.join(", ", addressed));
    } catch (PGPException e) {
      throw new IOException("cannot decrypt: " + e.getMessage(), e);
    }
  }

  private PGPPrivateKey privateKey(long keyId) throws PGPException, KeyFileException {
    for (PGPSecretKeyRingCollection rings : keyRings) {
      PGPSecretKey secret = rings.getSecretKey(keyId);
      if (secret != null) {
        try {
          return secret.extractPrivateKey(new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider())
              .build(passphrase));
        } catch (PGPException e) {
          throw new KeyFileException(String.format(Locale.ROOT,
              "cannot unlock secret key %016X: wrong or missing passphrase (%s)", keyId, e.getMessage()), e);
        }
      }
    }
    return null;
  }

  private static InputStream literalData(BcPGPObjectFactory factory) throws IOException, PGPException {
    Object next = factory.nextObject();
    if (next instanceof PGPCompressedData compressed) {
      // what we write is never compressed, but gpg compresses by default: accept its messages too
      return literalData(new BcPGPObjectFactory(compressed.getDataStream()));
    }
    if (next instanceof PGPLiteralData literal) {
      return literal.getDataStream();
    }
    throw new IOException("the encrypted message holds no literal data (found "
        + (next == null ? "nothing" : next.getClass().getSimpleName()) + ")");
  }

  /** Checks the message's integrity code when the plaintext has been read to its end. */
  private static final class IntegrityCheckedStream extends FilterInputStream {
    private final PGPPublicKeyEncryptedData encrypted;
    private boolean checked;

    IntegrityCheckedStream(InputStream plaintext, PGPPublicKeyEncryptedData encrypted) {
      super(plaintext);
      this.encrypted = encrypted;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b < 0) {
        checkIntegrity();
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n < 0) {
        checkIntegrity();
      }
      return n;
    }

    private void checkIntegrity() throws IOException {
      if (checked) {
        return;
      }
      checked = true;
      try {
        if (!encrypted.verify()) {
          throw new IOException("the encrypted message's integrity check (MDC) failed: it was altered");
        }
      } catch (PGPException e) {
        throw new IOException("the encrypted message's integrity check failed: " + e.getMessage(), e);
      }
    }
  }
}
