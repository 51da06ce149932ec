package io.ckpt.forensics.plugin;

import io.ckpt.forensics.analysis.UnsafeCharacters;
import io.ckpt.forensics.api.EvidenceStatus;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.KeyFileException;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Downloads one stored object and its custody record, checks the object against the signed record
 * (CustodyVerifier: signature, stored and plaintext sizes and digests) and the record against the
 * object asked for ({@link RecordBinding}), and keeps both only when every check passed. The object is written under a hidden temporary name beside its target and
 * given its name only after verification, so that a file that failed is never found under the name
 * of evidence; an existing file is never replaced. The bytes are kept as stored (still encrypted
 * when they were): evidence is never altered on the way.
 */
final class VerifiedDownload {

  /** A custody record is a small JSON document; a bigger one is not read into memory. */
  private static final int MAX_RECORD_BYTES = 1 << 20;

  private VerifiedDownload() {}

  /** Where the verified object and its record were written. */
  record Kept(Path evidence, Path record, long bytes) {}

  /**
   * Fetches {@code evidence} of container {@code container} of the object {@code asked} into
   * {@code target}; besides the verifier's checks, the record must be of that object and container
   * ({@link RecordBinding}).
   */
  static Kept fetch(StoreReader store, EvidenceStatus evidence, ObjectMeta asked, String container, Path target,
      CustodyVerifier verifier, PrintWriter out) throws PluginError {
    Path record = target.resolveSibling(target.getFileName() + ".dsse.json");
    for (Path p : List.of(target, record)) {
      if (Files.exists(p)) {
        throw new PluginError(PluginExitCode.USAGE, p + " exists: fetch never replaces a file (choose another -o)");
      }
    }
    if (evidence.getRecordLocation() == null) {
      throw new PluginError(PluginExitCode.NOT_FOUND, "the status names no custody record for "
          + UnsafeCharacters.escape(evidence.getLocation()) + ": nothing to verify it against");
    }
    byte[] recordFile = readRecord(store, evidence.getRecordLocation());
    Path part;
    try {
      Path dir = target.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      part = Files.createTempFile(dir, "." + target.getFileName(), ".part");
    } catch (IOException e) {
      throw new PluginError(PluginExitCode.USAGE, "cannot write beside " + target + ": " + e.getMessage(), e);
    }
    boolean kept = false;
    try {
      long bytes;
      try (InputStream in = store.open(evidence.getLocation())) {
        bytes = Files.copy(in, part, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new PluginError(PluginExitCode.UNREACHABLE, "reading " + UnsafeCharacters.escape(evidence.getLocation())
            + " broke off: " + UnsafeCharacters.escape(String.valueOf(e.getMessage())), e);
      }
      List<VerificationCheck> checks;
      try (InputStream in = Files.newInputStream(part)) {
        checks = new java.util.ArrayList<>(verifier.verify(recordFile, in, null));
      } catch (KeyFileException e) {
        throw new PluginError(PluginExitCode.USAGE, "--decryption-key: " + e.getMessage(), e);
      } catch (IOException e) {
        throw new PluginError(PluginExitCode.FAILED, "cannot verify the download: " + e.getMessage(), e);
      }
      checks.add(RecordBinding.check(recordFile, asked, container));
      report(checks, out);
      List<String> failed = checks.stream().filter(VerificationCheck::failed).map(VerificationCheck::name).toList();
      if (failed.isEmpty()) {
        Files.move(part, target); // no REPLACE_EXISTING: refuses if the name appeared meanwhile
        Files.write(record, recordFile, java.nio.file.StandardOpenOption.CREATE_NEW);
        kept = true;
        return new Kept(target, record, bytes);
      }
      throw new PluginError(PluginExitCode.FAILED, "NOT verified (" + String.join(", ", failed) + " failed): the"
          + " download was deleted, nothing was kept. The stored copy, its record or the --key do not match");
    } catch (FileAlreadyExistsException e) {
      throw new PluginError(PluginExitCode.USAGE, e.getFile() + " appeared while fetching: not replaced", e);
    } catch (IOException e) {
      throw new PluginError(PluginExitCode.USAGE, "cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (!kept) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // the temporary name is hidden and says .part; nothing else to do
        }
      }
    }
  }

  private static byte[] readRecord(StoreReader store, String location) throws PluginError {
    try (InputStream in = store.open(location)) {
      byte[] bytes = in.readNBytes(MAX_RECORD_BYTES + 1);
      if (bytes.length > MAX_RECORD_BYTES) {
        throw new PluginError(PluginExitCode.FAILED, UnsafeCharacters.escape(location) + " is larger than 1 MiB: not a"
            + " custody record");
      }
      return bytes;
    } catch (IOException e) {
      throw new PluginError(PluginExitCode.UNREACHABLE, "reading " + UnsafeCharacters.escape(location) + " broke off: "
          + UnsafeCharacters.escape(String.valueOf(e.getMessage())), e);
    }
  }

  /** One line per check, as {@code fcp verify} prints them; the record's text is untrusted: escaped. */
  private static void report(List<VerificationCheck> checks, PrintWriter out) {
    int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
    for (VerificationCheck check : checks) {
      String mark = switch (check.outcome()) {
        case PASSED -> "ok  ";
        case FAILED -> "FAIL";
        case SKIPPED -> "skip";
      };
      out.println(UnsafeCharacters.escape(String.format("%s  %-" + width + "s  %s", mark, check.name(), check.detail())));
    }
    out.flush();
  }
}
