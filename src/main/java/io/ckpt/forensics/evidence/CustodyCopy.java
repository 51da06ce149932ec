package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Takes an archive into custody in one pass: reads it once, writes its stored form (the archive
 * itself, or an OpenPGP message to the recipients) to a store's stream, and measures both the
 * plaintext and the stored bytes on the way. Memory is a few fixed buffers whatever the archive's
 * size, and with recipients the plaintext never reaches the store.
 */
public final class CustodyCopy {

  private static final int BUFFER_BYTES = 1 << 17;

  private CustodyCopy() {}

  /** What a custody copy measured, and to whom the stored form is encrypted (empty: not encrypted). */
  public record Result(Measurement plaintext, Measurement stored, List<String> recipientFingerprints) {

    public Result {
      recipientFingerprints = List.copyOf(recipientFingerprints);
    }

    public boolean encrypted() {
      return !recipientFingerprints.isEmpty();
    }
  }

  /**
   * Copies {@code archive} to {@code store}, encrypted to {@code recipients} unless that list is
   * empty. Neither stream is closed: the caller owns both (a store finishes its upload on its own terms).
   */
  public static Result copy(InputStream archive, OutputStream store, List<OpenPgpRecipient> recipients)
      throws IOException {
    MeasuringOutputStream stored = new MeasuringOutputStream(store);
    byte[] buffer = new byte[BUFFER_BYTES];
    if (recipients.isEmpty()) {
      // the stored bytes are the plaintext: one SHA-256 pass measures both
      for (int n; (n = archive.read(buffer)) >= 0;) {
        stored.write(buffer, 0, n);
      }
      stored.flush();
      Measurement both = stored.measurement();
      return new Result(both, both, List.of());
    }
    OutputStream storedForm = OpenPgpEncryption.open(stored, recipients);
    MeasuringOutputStream plaintext = new MeasuringOutputStream(storedForm);
    for (int n; (n = archive.read(buffer)) >= 0;) {
      plaintext.write(buffer, 0, n);
    }
    storedForm.close(); // writes the integrity code and ends the message; the store stays open
    stored.flush();
    return new Result(plaintext.measurement(), stored.measurement(),
        recipients.stream().map(OpenPgpRecipient::fingerprint).toList());
  }
}
