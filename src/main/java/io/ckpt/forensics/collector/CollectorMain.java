package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.KeyFileException;
import io.ckpt.forensics.evidence.OpenPgpRecipient;
import io.ckpt.forensics.evidence.SigningKey;
import io.ckpt.forensics.evidence.store.EvidenceName;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import io.ckpt.forensics.evidence.store.FilesystemEvidenceStore;
import io.ckpt.forensics.evidence.store.S3CredentialFiles;
import io.ckpt.forensics.evidence.store.S3EvidenceStore;
import io.ckpt.forensics.evidence.store.S3StoreSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;

/**
 * The operator image's {@code collect} mode: one collector pod takes one archive into custody and
 * reports through its termination log, so it needs no API rights. Everything that can be checked
 * before reading the archive (arguments, facts, signing key, recipients, store settings) is checked
 * first: a bad configuration stores nothing.
 */
public final class CollectorMain {

  /** Exit codes: the termination message says more. */
  public static final int STORED = 0;
  public static final int FAILED = 1;

  private CollectorMain() {}

  /** Runs {@code collect} with the process's environment; returns the exit code. */
  public static int run(String[] args) {
    return run(args, System.getenv(), Clock.systemUTC());
  }

  static int run(String[] args, Map<String, String> environment, Clock clock) {
    CollectOptions options = new CollectOptions();
    Outcome outcome;
    try {
      CommandLine commandLine = new CommandLine(options).setCaseInsensitiveEnumValuesAllowed(true);
      commandLine.parseArgs(args);
      if (commandLine.isUsageHelpRequested()) { // a person at a terminal: no termination log, nothing stored
        commandLine.usage(System.out);
        return STORED;
      }
      outcome = collect(options, environment, clock);
    } catch (CommandLine.ParameterException e) {
      options.terminationLog = terminationLogOf(args);
      outcome = Outcome.failed(FailureReason.BadConfiguration, "collect: " + e.getMessage()
          + " (see docs/collector.md for the arguments)");
    }
    write(options.terminationLog, outcome.line());
    System.err.print("collect: " + outcome.line());
    return outcome.exitCode();
  }

  /** The termination message and the exit code that goes with it. */
  private record Outcome(String line, int exitCode) {
    static Outcome failed(FailureReason reason, String message) {
      return new Outcome(TerminationMessage.failed(reason, message), FAILED);
    }
  }

  private static Outcome collect(CollectOptions options, Map<String, String> environment, Clock clock) {
    try {
      EvidenceCollector collector;
      CollectFacts facts;
      SeriesLink link;
      EvidenceStore store;
      Optional<ArchiveExport> export;
      try {
        if ((options.archive == null) == (options.fallbackBundle == null)) {
          throw new IllegalArgumentException("give one of --archive and --fallback-bundle");
        }
        EvidenceName.require(options.name);
        EvidenceName.require(options.name + EvidenceCollector.RECORD_SUFFIX);
        EvidenceName.require(options.name + EvidenceCollector.EXPORT_RECORD_SUFFIX);
        facts = CollectFacts.parse(environment.get(CollectFacts.ENVIRONMENT_VARIABLE));
        link = options.seriesLink();
        export = options.export(clock);
        SigningKey key = SigningKey.load(options.signingKey);
        List<OpenPgpRecipient> recipients = recipients(options.recipients);
        store = store(options);
        collector = new EvidenceCollector(store, key, recipients, clock);
      } catch (KeyFileException | IllegalArgumentException e) {
        throw new CollectionFailure(FailureReason.BadConfiguration, e.getMessage(), e);
      }
      try {
        AtomicReference<ExportResult> exported = new AtomicReference<>();
        Collected collected = options.fallbackBundle != null
            ? collector.collectFallbackBundle(options.fallbackBundle, options.name, facts)
            : collector.collect(options.archive, options.name, facts, link, options.deleteAfterStore,
                custody -> export.ifPresent(e -> exported.set(e.export(options.archive, facts, custody,
                    statement -> collector.storeExportRecord(options.name, statement).location()))));
        return new Outcome(TerminationMessage.stored(collected, Optional.ofNullable(exported.get())), STORED);
      } finally {
        if (store instanceof AutoCloseable closeable) {
          closeQuietly(closeable);
        }
      }
    } catch (CollectionFailure e) {
      return Outcome.failed(e.reason(), e.getMessage());
    } catch (RuntimeException | Error e) {
      // no stack trace in the message: the class and our own text only
      return Outcome.failed(FailureReason.CollectorError, "unexpected " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "; the node's archive is kept");
    }
  }

  /** Every *.asc, *.gpg and *.pgp file of the directory (none given: not encrypted). */
  private static List<OpenPgpRecipient> recipients(Path directory) throws KeyFileException {
    if (directory == null) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.{asc,gpg,pgp}")) {
      entries.forEach(files::add);
    } catch (IOException e) {
      throw new KeyFileException("--recipients " + directory + ": cannot list the directory ("
          + e.getClass().getSimpleName() + "); mount the recipients' Secret there", e);
    }
    if (files.isEmpty()) {
      throw new KeyFileException("--recipients " + directory + ": no *.asc, *.gpg or *.pgp file in it; export each"
          + " recipient's public key with gpg --export --armor KEYID into the Secret");
    }
    files.sort(null); // the same order every time: the record lists recipients as found
    return OpenPgpRecipient.loadAll(files);
  }

  private static EvidenceStore store(CollectOptions o) {
    return switch (o.store) {
      case file -> {
        require(o.storeRoot, "--store-root", "--store file");
        yield new FilesystemEvidenceStore(o.storeRoot);
      }
      case s3 -> {
        require(o.s3Region, "--s3-region", "--store s3");
        require(o.s3Bucket, "--s3-bucket", "--store s3");
        require(o.s3Credentials, "--s3-credentials", "--store s3");
        S3StoreSettings settings = new S3StoreSettings(Optional.ofNullable(o.s3Endpoint), o.s3Region, o.s3Bucket, "",
            o.s3PathStyle, o.retention(), o.archive == null ? S3StoreSettings.DEFAULT_PART_SIZE
                : S3StoreSettings.partSizeFor(archiveSize(o.archive)));
        yield new S3EvidenceStore(settings, new S3CredentialFiles(o.s3Credentials), Clock.systemUTC());
      }
    };
  }

  /** The archive's size, to size the upload's parts; 0 when unreadable (reading it says why). */
  private static long archiveSize(Path archive) {
    try {
      return Files.size(archive);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void require(Object value, String option, String when) {
    if (value == null) {
      throw new IllegalArgumentException(option + " is required with " + when);
    }
  }

  /** The termination log of arguments picocli refused, so the refusal still reaches the pod's status. */
  private static Path terminationLogOf(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--termination-log") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--termination-log=")) {
        return Path.of(args[i].substring("--termination-log=".length()));
      }
    }
    return CollectOptions.DEFAULT_TERMINATION_LOG;
  }

  private static void write(Path terminationLog, String line) {
    try {
      Files.writeString(terminationLog, line, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      System.err.println("collect: cannot write the termination log " + terminationLog + " ("
          + e.getClass().getSimpleName() + "); the result is on standard error only");
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      System.err.println("collect: closing the store failed (" + e.getClass().getSimpleName() + ")");
    }
  }
}
