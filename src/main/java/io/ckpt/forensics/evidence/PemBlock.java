package io.ckpt.forensics.evidence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The first PEM block of a file (RFC 7468): its label ({@code PRIVATE KEY}, {@code PUBLIC KEY}, ...) and its DER bytes. */
record PemBlock(String label, byte[] der) {

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

  /** The first block; {@code what} names the file's role in error messages ("signing key"). */
  static PemBlock read(Path file, String what) throws KeyFileException {
    String text;
    try {
      if (Files.size(file) > 1 << 20) {
        throw new KeyFileException(what + " " + file + ": larger than 1 MiB, not a PEM key file");
      }
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (KeyFileException e) {
      throw e;
    } catch (IOException e) {
      throw new KeyFileException(what + " " + file + ": cannot read (" + e.getMessage() + ")", e);
    }
    Matcher m = BLOCK.matcher(text);
    if (!m.find()) {
      throw new KeyFileException(what + " " + file + ": no PEM block (-----BEGIN ...-----) in it");
    }
    try {
      return new PemBlock(m.group(1), Base64.getMimeDecoder().decode(m.group(2)));
    } catch (IllegalArgumentException e) {
      throw new KeyFileException(what + " " + file + ": the PEM block's base64 is broken (" + e.getMessage() + ")", e);
    }
  }

  /** The PEM text of DER bytes under a label, with 64-character lines. */
  static String format(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }
}
