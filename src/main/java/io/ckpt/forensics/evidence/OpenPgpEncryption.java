package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.Date;
import java.util.List;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPEncryptedDataGenerator;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPLiteralData;
import org.bouncycastle.openpgp.PGPLiteralDataGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;

/**
 * A streaming OpenPGP encryptor: AES-256 in a symmetrically encrypted integrity-protected data
 * packet (SEIPD v1, with its modification detection code, which every gpg since 1.4 reads and
 * checks), the session key encrypted to each recipient. Packets are written in partial lengths
 * from a fixed buffer, so memory does not grow with the archive.
 *
 * <p>No compression: archives are mostly memory pages, and compressing before encryption leaks
 * information about the plaintext through the stored size.
 */
final class OpenPgpEncryption {

  /** Partial-length packet buffer (a power of two, as OpenPGP requires). */
  private static final int BUFFER_BYTES = 1 << 16;

  private OpenPgpEncryption() {}

  /**
   * An output stream whose bytes reach {@code stored} encrypted; closing it finishes the OpenPGP
   * message but leaves {@code stored} open.
   */
  static OutputStream open(OutputStream stored, List<OpenPgpRecipient> recipients) throws IOException {
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("encryption needs at least one recipient key");
    }
    // AES from the JDK's provider (hardware AES where the CPU has it); the key wrapping from
    // Bouncy Castle's lightweight classes, which know every OpenPGP public-key algorithm
    PGPEncryptedDataGenerator encryptedData = new PGPEncryptedDataGenerator(
        new JcePGPDataEncryptorBuilder(SymmetricKeyAlgorithmTags.AES_256).setWithIntegrityPacket(true)
            .setSecureRandom(new SecureRandom()));
    for (OpenPgpRecipient recipient : recipients) {
      encryptedData.addMethod(new BcPublicKeyKeyEncryptionMethodGenerator(recipient.encryptionKey()));
    }
    OutputStream encrypted;
    try {
      encrypted = encryptedData.open(new NonClosing(stored), new byte[BUFFER_BYTES]);
    } catch (PGPException e) {
      throw new IOException("cannot start OpenPGP encryption: " + e.getMessage(), e);
    }
    PGPLiteralDataGenerator literalData = new PGPLiteralDataGenerator();
    // no file name and time 0: the record, not the message, says what this is and when
    OutputStream literal = literalData.open(encrypted, PGPLiteralData.BINARY, "", new Date(0L),
        new byte[BUFFER_BYTES]);
    return new BulkFilter(literal) {
      @Override
      public void close() throws IOException {
        literal.close();
        encrypted.close();
      }
    };
  }

  /** A filter that passes bulk writes on as they are (FilterOutputStream's would go byte by byte). */
  private static class BulkFilter extends java.io.FilterOutputStream {
    BulkFilter(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }
  }

  /** Keeps the store's stream open when the OpenPGP layers close. */
  private static final class NonClosing extends BulkFilter {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
