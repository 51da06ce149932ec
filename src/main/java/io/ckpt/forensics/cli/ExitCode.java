package io.ckpt.forensics.cli;

import io.ckpt.forensics.evidence.KeyFileException;

/**
 * fcp's exit codes, the same for every command (docs/fcp.md, "Exit codes"). 0 and 1 follow grep,
 * diff and gpg/cosign's verify: 1 is an answer ("found something", or the expected thing was not
 * there: no match, the archives differ, a check failed), not a failure of the tool. 2 is a usage
 * error, as for grep and diff. Where grep and diff stop at 2 for every trouble, fcp tells a script
 * why it could not answer: the archive (3) or the key (4), so that it can try another key rather
 * than report broken evidence.
 */
final class ExitCode {

  static final int OK = 0;
  /** No search match, archives differ, a verification check failed. */
  static final int FOUND = 1;
  static final int USAGE = 2;
  /** An archive (or evidence, or record) is missing, unreadable, or not valid; {@code list} skipped one. */
  static final int BAD_ARCHIVE = 3;
  /** A key is unusable: not a key file, wrong passphrase, or not a recipient of the encrypted archive. */
  static final int BAD_KEY = 4;
  /** fcp image --push: the registry refused the push (credentials, rights, read-only) or could not be reached. */
  static final int REGISTRY = 5;

  /** The {@code --help} footer. */
  static final String FOOTER = "%nExit codes: 0 done; 1 found something (no search match, archives differ, a"
      + " verification check failed); 2 usage error; 3 unreadable or invalid archive; 4 unusable key; 5 registry refused or unreachable"
      + " (fcp image --push).";

  private ExitCode() {}

  /** The exit code for an exception a command ended with. */
  static int of(Exception e) {
    if (e instanceof UserError) {
      return USAGE;
    }
    // an IOException is a read that failed; anything else escaped the archive readers' checks: either
    // way the archive could not be read
    if (e instanceof io.ckpt.forensics.export.RegistryPush.Failure) {
      return REGISTRY;
    }
    return e instanceof KeyFileException ? BAD_KEY : BAD_ARCHIVE;
  }
}
