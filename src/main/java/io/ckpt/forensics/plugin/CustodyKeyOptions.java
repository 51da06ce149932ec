package io.ckpt.forensics.plugin;

import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.KeyFileException;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import io.ckpt.forensics.evidence.VerificationKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The keys that decide whether fetched evidence is what was taken: the record signer's public key,
 * which the user must have from a trusted source (the cluster's status names a key ID, but a key
 * taken from the cluster would prove nothing), and for encrypted evidence a recipient's secret key,
 * with which the plaintext's digest is checked too. The same options as {@code fcp verify}'s.
 */
final class CustodyKeyOptions {

  @Option(names = "--key", required = true, paramLabel = "PUBLIC_KEY",
      description = "PEM public key of the custody record signer (ECDSA P-256 or Ed25519), from a trusted source.")
  Path key;

  @Option(names = "--decryption-key", paramLabel = "SECRET_KEY",
      description = "OpenPGP secret key of a recipient, for encrypted evidence (also checks the plaintext); repeatable.")
  List<Path> decryptionKeys = new ArrayList<>();

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "File whose first line unlocks the secret keys (default: unprotected keys).")
  Path passphraseFile;

  CustodyVerifier verifier() throws PluginError {
    try {
      return new CustodyVerifier(VerificationKey.load(key), decryption());
    } catch (KeyFileException e) {
      throw new PluginError(PluginExitCode.USAGE, e.getMessage(), e);
    }
  }

  private OpenPgpDecryption decryption() throws PluginError, KeyFileException {
    if (decryptionKeys.isEmpty()) {
      if (passphraseFile != null) {
        throw new PluginError(PluginExitCode.USAGE, "--passphrase-file needs --decryption-key");
      }
      return null;
    }
    char[] passphrase = new char[0];
    if (passphraseFile != null) {
      try {
        passphrase = Files.readString(passphraseFile, StandardCharsets.UTF_8).lines().findFirst().orElse("")
            .toCharArray();
      } catch (IOException e) {
        throw new PluginError(PluginExitCode.USAGE, "--passphrase-file " + passphraseFile + ": cannot read it", e);
      }
    }
    return OpenPgpDecryption.withSecretKeys(decryptionKeys, passphrase);
  }
}
