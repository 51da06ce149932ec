package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.api.OpenPGPCertificate;
import org.bouncycastle.openpgp.api.OpenPGPKeyReader;

/**
 * One recipient of encrypted evidence: an OpenPGP certificate (public key), identified by its primary
 * key's fingerprint as {@code gpg --list-keys} prints it (40 uppercase hex digits for a v4 key), and
 * the subkey the evidence is encrypted to (the one its self-signatures allow for encryption).
 */
public record OpenPgpRecipient(String fingerprint, PGPPublicKey encryptionKey) {

  /**
   * Every certificate in a key file, armored ({@code gpg --export --armor}) or binary
   * ({@code gpg --export}), as a Kubernetes Secret holds one per file.
   */
  public static List<OpenPgpRecipient> load(Path file) throws KeyFileException {
    List<OpenPGPCertificate> certificates;
    try (InputStream in = Files.newInputStream(file)) {
      certificates = new OpenPGPKeyReader().parseKeysOrCertificates(in);
    } catch (IOException | RuntimeException e) {
      throw new KeyFileException("recipient key " + file + ": not an OpenPGP public key (" + e.getMessage()
          + "); export one with gpg --export --armor KEYID", e);
    }
    if (certificates.isEmpty()) {
      throw new KeyFileException("recipient key " + file
          + ": holds no OpenPGP certificate; export one with gpg --export --armor KEYID");
    }
    List<OpenPgpRecipient> recipients = new ArrayList<>();
    for (OpenPGPCertificate certificate : certificates) {
      String fingerprint = HexFormat.of().formatHex(certificate.getFingerprint()).toUpperCase(Locale.ROOT);
      List<OpenPGPCertificate.OpenPGPComponentKey> keys = certificate.getEncryptionKeys();
      if (keys.isEmpty()) {
        throw new KeyFileException("recipient key " + file + ": certificate " + fingerprint
            + " has no valid encryption subkey (expired, revoked, or signing only); add one with gpg --quick-add-key "
            + fingerprint + " cv25519 encr");
      }
      // the newest encryption subkey, as gpg picks it
      OpenPGPCertificate.OpenPGPComponentKey newest = keys.get(0);
      for (OpenPGPCertificate.OpenPGPComponentKey key : keys) {
        if (key.getCreationTime().after(newest.getCreationTime())) {
          newest = key;
        }
      }
      recipients.add(new OpenPgpRecipient(fingerprint, newest.getPGPPublicKey()));
    }
    return recipients;
  }

  /** The recipients of several key files, in order. */
  public static List<OpenPgpRecipient> loadAll(List<Path> files) throws KeyFileException {
    List<OpenPgpRecipient> all = new ArrayList<>();
    for (Path file : files) {
      all.addAll(load(file));
    }
    return all;
  }
}
