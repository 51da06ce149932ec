package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.archive.ArchiveFormatException;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.ProcessTextKeep;
import io.ckpt.forensics.archive.ReadLimits;
import io.ckpt.forensics.evidence.MeasuringInputStream;
import io.ckpt.forensics.evidence.OpenPgpDecryption;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One archive argument of an fcp command, opened: a file, or {@code -} for standard input, plain or
 * OpenPGP-encrypted (opened with {@link DecryptionKeys}), with the archive's SHA-256.
 *
 * <p>A plain file keeps its fast path: {@link CheckpointTar#open} indexes it by seeking and reads
 * pages by offset. Its SHA-256 needs every byte, so when asked for it is one sequential read on a
 * thread of its own while the archive is analysed (the index itself reads only headers): about 0.75 s
 * of CPU per GiB with the JDK's SHA-256 on a CPU with SHA extensions, which {@value #NO_SHA256} saves.
 *
 * <p>Standard input, a named pipe and an encrypted archive are read once, as a stream: the digests are taken as
 * the bytes go by, the plaintext is never written anywhere, and only the metadata, the CRIU images
 * and the argument and environment parts of the pages are kept ({@link ProcessTextKeep}), so
 * memory is bounded as for a file. What needs all of one process's pages (memparse's dump and
 * search) reads them as they go by, through a {@link CheckpointTar.StreamedVisitor}.
 */
final class ArchiveInput implements AutoCloseable {

  /** The option of inspect and summary that skips hashing a plain file (a stream is hashed anyway). */
  static final String NO_SHA256 = "--no-sha256";

  /** The argument that means standard input. */
  static final Path STDIN = Path.of("-");

  private static final int BUFFER = 1 << 16;

  private final CheckpointTar tar;
  private final CompletableFuture<Digest> digest;

  private ArchiveInput(CheckpointTar tar, CompletableFuture<Digest> digest) {
    this.tar = tar;
    this.digest = digest;
  }

  /**
   * The SHA-256 of the archive fcp read ({@code sha256}: for an encrypted archive, of the decrypted
   * plaintext, which is what a custody record's plaintext sha256 is of) and of the bytes as given
   * ({@code storedSha256}: the custody record's stored sha256; the same value for a plain archive).
   */
  record Digest(String sha256, String storedSha256, boolean encrypted) {

    /** For a plain file opened without hashing ({@code --no-sha256}). */
    static final Digest NOT_COMPUTED = new Digest(null, null, false);

    /** One line of text: the digest, and for an encrypted archive what it is of and the stored one. */
    String text() {
      if (sha256 == null) {
        return "not computed (" + NO_SHA256 + ")";
      }
      return encrypted ? sha256 + " (of the decrypted archive; of the encrypted file: " + storedSha256 + ")" : sha256;
    }

    /** Adds {@code sha256}, {@code stored_sha256} and {@code encrypted} to a JSON object (nothing if not computed). */
    void addTo(ObjectNode o) {
      if (sha256 != null) {
        o.put("sha256", sha256).put("stored_sha256", storedSha256).put("encrypted", encrypted);
      }
    }
  }

  /**
   * Opens {@code archive} ({@link #STDIN} reads {@code stdin}).
   *
   * @param hash whether to compute the digest of a plain file (a stream is hashed anyway: it costs no read)
   */
  static ArchiveInput open(Path archive, DecryptionKeys keys, InputStream stdin, boolean hash)
      throws IOException, UserError {
    return open(archive, keys, stdin, hash, null);
  }

  /**
   * As {@link #open(Path, DecryptionKeys, InputStream, boolean)}; a stream's large members are also
   * shown to {@code visitor} as they go by (and then no process text is kept: the visitor reads the
   * pages itself). A file is opened as always, without the visitor.
   */
  static ArchiveInput open(Path archive, DecryptionKeys keys, InputStream stdin, boolean hash,
      CheckpointTar.StreamedVisitor visitor) throws IOException, UserError {
    return open(archive, keys, stdin, hash, visitor, false, false);
  }

  /**
   * As {@link #open(Path, DecryptionKeys, InputStream, boolean, CheckpointTar.StreamedVisitor)} for a
   * visitor that reads what it is shown whole (fcp files, extract, summary and diff list the archives inside
   * the checkpoint): a gzip or zstd file is then read as a stream too, so it is decompressed once rather than
   * once to index it and again to read its rootfs-diff.tar. With {@code keepProcessText} a stream also keeps
   * the command lines and environments (summary and diff show them).
   */
  static ArchiveInput open(Path archive, DecryptionKeys keys, InputStream stdin, boolean hash,
      CheckpointTar.StreamedVisitor visitor, boolean keepProcessText) throws IOException, UserError {
    return open(archive, keys, stdin, hash, visitor, keepProcessText, true);
  }

  private static ArchiveInput open(Path archive, DecryptionKeys keys, InputStream stdin, boolean hash,
      CheckpointTar.StreamedVisitor visitor, boolean keepProcessText, boolean compressedAsStream)
      throws IOException, UserError {
    if (archive.equals(STDIN)) {
      return streamed(archive, stdin, keys, visitor, keepProcessText);
    }
    if (!Files.exists(archive)) {
      throw new NoSuchFileException(archive.toString());
    }
    if (!Files.isRegularFile(archive)) {
      // a pipe (fcp summary <(gpg -d x.gpg), /dev/stdin) can be read once, as standard input; through a
      // FileInputStream, whose available() works on a pipe (a channel's asks for a position: "Illegal seek")
      try (InputStream in = new java.io.FileInputStream(archive.toFile())) {
        return streamed(archive, in, keys, visitor, keepProcessText);
      }
    }
    if (Files.size(archive) == 0) {
      throw empty(archive);
    }
    if (!encrypted(archive) && !(compressedAsStream && compressed(archive))) {
      CompletableFuture<Digest> digest = hash ? sha256InBackground(archive) : null;
      return new ArchiveInput(CheckpointTar.open(archive), digest);
    }
    try (InputStream in = Files.newInputStream(archive)) {
      return streamed(archive, in, keys, visitor, keepProcessText);
    }
  }

  /** Refuses a list of archives that names standard input more than once (it can be read once). */
  static void atMostOneStdin(List<Path> archives) throws UserError {
    if (archives.stream().filter(STDIN::equals).count() > 1) {
      throw new UserError("standard input (-) can be read once: name it at most once (a file named - is ./-)");
    }
  }

  CheckpointTar tar() {
    return tar;
  }

  /** The digest; waits for a file's hashing to finish. */
  Digest digest() throws IOException {
    if (digest == null) {
      return Digest.NOT_COMPUTED;
    }
    try {
      return digest.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while hashing " + tar.path(), e);
    }
  }

  @Override
  public void close() throws IOException {
    tar.close();
  }

  private static boolean compressed(Path file) throws IOException {
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    return io.ckpt.forensics.archive.Compression.detect(head, n) != io.ckpt.forensics.archive.Compression.NONE;
  }

  private static boolean encrypted(Path file) throws IOException {
    byte[] head = new byte[OpenPgpDecryption.HEAD_BYTES];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    }
    return OpenPgpDecryption.looksEncrypted(head, n);
  }

  private static ArchiveInput streamed(Path name, InputStream raw, DecryptionKeys keys,
      CheckpointTar.StreamedVisitor visitor, boolean keepProcessText) throws IOException, UserError {
    MeasuringInputStream stored = new MeasuringInputStream(raw);
    // the mark lives above the hashing stream, so the peeked bytes are hashed once
    BufferedInputStream peek = new BufferedInputStream(stored, BUFFER);
    peek.mark(OpenPgpDecryption.HEAD_BYTES);
    byte[] head = peek.readNBytes(OpenPgpDecryption.HEAD_BYTES);
    peek.reset();
    if (head.length == 0) {
      throw empty(name);
    }
    boolean encrypted = OpenPgpDecryption.looksEncrypted(head, head.length);
    MeasuringInputStream plaintext = stored;
    InputStream archive = peek;
    if (encrypted) {
      OpenPgpDecryption decryption = keys.load();
      if (decryption == null) {
        throw new UserError((name.equals(STDIN) ? "standard input" : name.toString()) + " is an OpenPGP-encrypted"
            + " archive: give a recipient's secret key with " + DecryptionKeys.OPTION + " SECRET_KEY");
      }
      plaintext = new MeasuringInputStream(decryption.decrypt(peek));
      archive = plaintext;
    }
    ReadLimits limits = ReadLimits.DEFAULT;
    // streamed reads the plaintext to its end, which checks an encrypted message's integrity code
    CheckpointTar tar = CheckpointTar.streamed(archive, name, limits,
        visitor == null || keepProcessText ? new ProcessTextKeep(limits) : null, visitor);
    peek.transferTo(OutputStream.nullOutputStream()); // anything after the message counts in the stored digest
    String storedSha256 = stored.drainAndMeasure().sha256();
    Digest digest = new Digest(encrypted ? plaintext.drainAndMeasure().sha256() : storedSha256, storedSha256, encrypted);
    return new ArchiveInput(tar, CompletableFuture.completedFuture(digest));
  }

  /** An empty input is a tar without members to the tar readers, but to a person a mistake (nothing piped in). */
  private static ArchiveFormatException empty(Path name) {
    return new ArchiveFormatException("", 0, (name.equals(STDIN) ? "standard input" : name.toString())
        + " is empty: no archive to read");
  }

  /** One sequential read of the file on its own daemon thread, so it overlaps the analysis. */
  private static CompletableFuture<Digest> sha256InBackground(Path file) {
    CompletableFuture<Digest> result = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (MeasuringInputStream in = new MeasuringInputStream(Files.newInputStream(file))) {
        String hex = in.drainAndMeasure().sha256();
        result.complete(new Digest(hex, hex, false));
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    }, "fcp-sha256");
    t.setDaemon(true);
    t.start();
    return result;
  }
}
