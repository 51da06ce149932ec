package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.CustodyVerifier;
import io.ckpt.forensics.evidence.ExportRecordVerifier;
import io.ckpt.forensics.evidence.KeyFileException;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fcp verify}: checks stored evidence against its signed custody record, or a series of
 * records against each other, and prints one line per check. Exit codes: {@value #VERIFIED} every
 * check passed, {@value #MISMATCH} a check failed; otherwise verification could not run, with the
 * codes of {@link ExitCode} (docs/fcp.md, "Exit codes").
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Check stored evidence against its custody record (signature, stored and plaintext digests and "
        + "sizes), a series of records (--chain), or an export record (--export-record).",
        "Exit 0: every check passed; 1: a check failed; 2: a bad option; 3: unreadable evidence or record;"
            + " 4: an unusable key."})
final class VerifyCommand implements Callable<Integer> {

  static final int VERIFIED = ExitCode.OK;
  static final int MISMATCH = ExitCode.FOUND;
  /** A record is small; a bigger file is not one (and is not read into memory). */
  private static final long MAX_RECORD_BYTES = 1 << 20;

  @Spec
  CommandSpec spec;

  @Option(names = "--key", required = true, paramLabel = "PUBLIC_KEY",
      description = "PEM public key of the record signer (ECDSA P-256 or Ed25519)")
  Path key;

  @Option(names = "--record", paramLabel = "RECORD", description = "the custody record (DSSE envelope) of EVIDENCE")
  Path record;

  @Option(names = "--previous", paramLabel = "RECORD",
      description = "the record before RECORD in its series: check that RECORD names it")
  Path previous;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Option(names = "--export-record", paramLabel = "EXPORT_RECORD",
      description = "an export record (NAME.export.dsse.json): check its signature and, with --record, that it names"
          + " that custody record and its evidence")
  Path exportRecord;

  @Option(names = "--chain", description = "verify the RECORDs as one series, oldest first (no evidence)")
  boolean chain;

  @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
  OutputFormat format;

  /** The "schema" value of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.verify/v1";

  @Parameters(arity = "0..*", paramLabel = "FILE",
      description = "EVIDENCE (the stored object; - reads standard input); with --chain, the RECORDs of a series, oldest first")
  List<Path> files = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    // a KeyFileException (exit 4) or a read error (exit 3) is not a mismatch: nothing was verified
    CustodyVerifier verifier = new CustodyVerifier(VerificationKey.load(key), decryptionKeys.load());
    List<VerificationCheck> checks = chain ? verifyChain(verifier)
        : exportRecord != null ? verifyExport(verifier) : verifyOne(verifier);
    return format == OutputFormat.json ? reportJson(spec.commandLine().getOut(), checks)
        : report(spec.commandLine().getOut(), checks);
  }

  private List<VerificationCheck> verifyOne(CustodyVerifier verifier) throws IOException, UserError {
    if (record == null || files.size() != 1) {
      throw new UserError("verify needs --record RECORD and one EVIDENCE file (or --chain RECORD...); got "
          + files.size() + " files" + (record == null ? " and no --record" : ""));
    }
    Path evidence = files.get(0);
    byte[] recordFile = readRecord(record);
    byte[] previousFile = previous == null ? null : readRecord(previous);
    if (evidence.equals(ArchiveInput.STDIN)) {
      return verifier.verify(recordFile, FcpMain.stdin(spec), previousFile);
    }
    requireReadable(evidence);
    try (InputStream in = Files.newInputStream(evidence)) {
      return verifier.verify(recordFile, in, previousFile);
    }
  }

  /**
   * The export record; with --record, that record (and EVIDENCE, when given) as without --export-record, and
   * that the export names that record file's SHA-256 and the evidence digest the custody record signs.
   */
  private List<VerificationCheck> verifyExport(CustodyVerifier verifier) throws IOException, UserError {
    if (chain || previous != null || files.size() > 1 || (record == null && !files.isEmpty())) {
      throw new UserError("verify --export-record takes no --chain or --previous, and EVIDENCE only with --record"
          + " RECORD (fcp verify --export-record EXPORT_RECORD --key PUBLIC_KEY [--record RECORD [EVIDENCE]])");
    }
    byte[] exportFile = readRecord(exportRecord);
    List<VerificationCheck> checks = new ArrayList<>();
    byte[] recordFile = null;
    String evidenceSha256 = null;
    if (record != null) {
      recordFile = readRecord(record);
      checks.addAll(files.isEmpty() ? verifier.verify(recordFile, null, null) : verifyOne(verifier));
      try {
        evidenceSha256 = CustodyRecord.parse(recordFile).subjectSha256();
      } catch (IOException e) {
        // the custody checks above already failed and say why
      }
    }
    checks.addAll(new ExportRecordVerifier(verifier.key()).verify(exportFile, recordFile, evidenceSha256));
    return checks;
  }

  private List<VerificationCheck> verifyChain(CustodyVerifier verifier) throws IOException, UserError {
    if (files.size() < 2 || record != null || previous != null) {
      throw new UserError("verify --chain takes two or more RECORD files, oldest first, and no --record or --previous");
    }
    List<byte[]> records = new ArrayList<>();
    for (Path file : files) {
      records.add(readRecord(file));
    }
    return verifier.verifyChain(records);
  }

  private static byte[] readRecord(Path file) throws IOException, UserError {
    requireReadable(file);
    if (Files.size(file) > MAX_RECORD_BYTES) {
      throw new UserError("record " + file + " is larger than 1 MiB: not a custody record");
    }
    return Files.readAllBytes(file);
  }

  private static void requireReadable(Path file) throws IOException {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IOException(file + ": no such file, or not a readable regular file");
    }
  }

  /** The checks as one JSON document (same exit code as the text); a verification that cannot run prints none. */
  static int reportJson(PrintWriter out, List<VerificationCheck> checks) throws IOException {
    ObjectNode json = JsonOutput.document(JSON_SCHEMA);
    boolean verified = checks.stream().noneMatch(VerificationCheck::failed);
    json.put("verified", verified);
    ArrayNode list = json.putArray("checks");
    for (VerificationCheck check : checks) {
      list.addObject().put("name", check.name()).put("outcome", check.outcome().name().toLowerCase(Locale.ROOT))
          .put("detail", check.detail());
    }
    JsonOutput.print(out, json);
    return verified ? VERIFIED : MISMATCH;
  }

  /** One line per check (record text is untrusted: escaped), then a summary; returns the exit code. */
  static int report(PrintWriter out, List<VerificationCheck> checks) {
    int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
    List<String> failed = new ArrayList<>();
    for (VerificationCheck check : checks) {
      String mark = switch (check.outcome()) {
        case PASSED -> "ok  ";
        case FAILED -> "FAIL";
        case SKIPPED -> "skip";
      };
      UntrustedText.printf(out, "%s  %-" + width + "s  %s%n", mark, check.name(), check.detail());
      if (check.failed()) {
        failed.add(check.name());
      }
    }
    if (failed.isEmpty()) {
      out.printf("verified: %d checks passed%s%n", checks.stream().filter(c -> !c.failed()
          && c.outcome() == VerificationCheck.Outcome.PASSED).count(),
          checks.stream().anyMatch(c -> c.outcome() == VerificationCheck.Outcome.SKIPPED) ? " (some skipped, see above)" : "");
    } else {
      UntrustedText.printf(out, "NOT verified: %d of %d checks failed: %s%n", failed.size(), checks.size(),
          String.join(", ", failed));
    }
    out.flush();
    return failed.isEmpty() ? VERIFIED : MISMATCH;
  }
}
