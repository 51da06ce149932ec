package io.ckpt.forensics.cli;

import io.ckpt.forensics.archive.ChangedFile;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.FileChangesReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fcp extract}: one regular file's bytes from rootfs-diff.tar or a tmpfs image, to a new file
 * (mode 0600, created exclusively: an existing file or a link planted at its name is never written
 * through) or to standard output. Links are never followed; device nodes, directories and names with
 * ".." are refused. The archive is read once; the SHA-256 of what was written is reported.
 */
@Command(name = "extract", mixinStandardHelpOptions = true,
    description = "Write one file the container wrote (or kept in a tmpfs) to a new file or standard output,"
        + " and report its SHA-256.")
final class ExtractCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "ARCHIVE", description = "checkpoint archive (OpenPGP-encrypted too; - reads standard input)")
  Path archive;

  @Parameters(index = "1", paramLabel = "PATH", description = "the file's path in the container, as fcp files lists it")
  String path;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", required = true,
      description = "a new file (never overwritten; created with mode 0600), or - for standard output")
  String output;

  @Mixin
  DecryptionKeys decryptionKeys;

  private OutputStream target;
  private Path created;
  private MessageDigest sha;
  private long written;
  private ChangedFile source;

  @Override
  public Integer call() throws Exception {
    String want = path.startsWith("/") ? path : "/" + path;
    if (Arrays.asList(want.split("/", -1)).contains("..")) {
      throw new UserError("PATH " + path + " has a '..' component: fcp extract refuses it (name the file as fcp files"
          + " lists it)");
    }
    if (!output.equals("-") && (Files.exists(Path.of(output), java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
      throw new UserError("--output " + output + " already exists: choose a new file name (fcp never overwrites)");
    }
    FileChangesReader reader = new FileChangesReader(f -> f.path().equals(want), false)
        .withContent(p -> p.equals(want) && source == null, this::write);
    FileChanges found;
    try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), false, reader, false)) {
      found = reader.finish(in.tar());
    } catch (Exception e) {
      discardPartial();
      throw e;
    } finally {
      if (target != null) {
        target.close();
      }
    }
    PrintWriter report = output.equals("-") ? spec.commandLine().getErr() : spec.commandLine().getOut();
    if (source == null) {
      if (!found.entries().isEmpty()) {
        throw new UserError(refusal(found.entries().get(0))); // the path is there, but not as a file to copy
      }
      UntrustedText.println(spec.commandLine().getErr(), "fcp: " + want + " is not in the archive's rootfs-diff.tar"
          + " or tmpfs images (fcp files lists what is)");
      spec.commandLine().getErr().flush();
      return ExitCode.FOUND;
    }
    UntrustedText.printf(report, "Wrote %d bytes of %s (%s, from %s) to %s%nSHA-256 %s%n", written, source.path(),
        source.change().label(), source.member(), output.equals("-") ? "standard output" : output,
        HexFormat.of().formatHex(sha.digest()));
    if (found.entries().size() > 1) {
      UntrustedText.printf(report, "Note: the archive holds %s %d times; this is the first%n", want,
          found.entries().size());
    }
    report.flush();
    return ExitCode.OK;
  }

  private void write(ChangedFile f, InputStream data) throws IOException {
    if (f.unsafeName()) {
      return; // refused after the read, from the listing: the stored name escapes the container's root
    }
    source = f;
    sha = sha256();
    OutputStream out;
    if (output.equals("-")) {
      out = new java.io.FilterOutputStream(System.out) {
        @Override
        public void close() throws IOException {
          flush(); // standard output stays open for the report's caller
        }
      };
    } else {
      try {
        out = MemparseCommand.createNew(Path.of(output));
      } catch (UserError e) {
        // created between the check before the read and now: not a problem of the archive
        throw new java.nio.file.FileAlreadyExistsException(output);
      }
      created = Path.of(output);
    }
    target = new DigestOutputStream(new java.io.BufferedOutputStream(out, 1 << 16), sha);
    written = data.transferTo(target);
    target.flush();
  }

  private void discardPartial() {
    try {
      if (target != null) {
        target.close();
        target = null;
      }
      if (created != null) {
        Files.deleteIfExists(created); // a torn copy is not evidence
      }
    } catch (IOException e) {
      // the read's failure is what the analyst needs to see
    }
  }

  private static String refusal(ChangedFile f) {
    String p = f.path();
    if (f.unsafeName()) {
      return p + " is stored under a name that is absolute or has '..' (" + f.member() + "): fcp extract refuses it";
    }
    return switch (f.type()) {
      case "symlink" -> p + " is a symbolic link to " + f.linkTarget() + ": fcp extract never follows links; extract"
          + " the target if the container wrote it";
      case "hardlink" -> p + " is a hard link to " + f.linkTarget() + ": extract that path";
      case "char", "block" -> p + " is a device node (" + f.device() + "): it has no bytes to extract";
      case "directory" -> p + " is a directory: extract its files one by one (fcp files --path '" + p + "/**')";
      case "sparse" -> p + " is a sparse file: fcp extract does not rebuild sparse files";
      case "" -> p + " is a deleted path: the checkpoint holds only its name";
      default -> p + " is a " + f.type() + ", not a regular file";
    };
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
