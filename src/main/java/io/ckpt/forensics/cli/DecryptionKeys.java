package io.ckpt.forensics.cli;

import io.ckpt.forensics.evidence.KeyFileException;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that open OpenPGP-encrypted evidence, the same on every command that reads an archive
 * ({@code verify}, {@code inspect}, {@code summary}, {@code memparse}, {@code diff}): a picocli mixin.
 */
final class DecryptionKeys {

  static final String OPTION = "--decryption-key";

  @Option(names = OPTION, paramLabel = "SECRET_KEY",
      description = "OpenPGP secret key (gpg --export-secret-keys) of a recipient, to read encrypted evidence; repeatable")
  List<Path> files = new ArrayList<>();

  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "file whose first line unlocks the secret keys (default: unprotected keys)")
  Path passphraseFile;

  boolean given() {
    return !files.isEmpty();
  }

  /** The decryption, or null when no key was given. */
  OpenPgpDecryption load() throws IOException, UserError {
    if (files.isEmpty()) {
      if (passphraseFile != null) {
        throw new UserError("--passphrase-file needs " + OPTION);
      }
      return null;
    }
    char[] passphrase = new char[0];
    if (passphraseFile != null) {
      requireKeyFile(passphraseFile, "--passphrase-file");
      String text = Files.readString(passphraseFile, StandardCharsets.UTF_8);
      passphrase = text.lines().findFirst().orElse("").toCharArray();
    }
    for (Path file : files) {
      requireKeyFile(file, OPTION);
    }
    return OpenPgpDecryption.withSecretKeys(files, passphrase);
  }

  private static void requireKeyFile(Path file, String option) throws KeyFileException {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new KeyFileException(option + " " + file + ": no such file, or not a readable regular file");
    }
  }
}
