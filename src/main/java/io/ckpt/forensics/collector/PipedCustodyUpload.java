package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.CustodyCopy;
import io.ckpt.forensics.evidence.OpenPgpRecipient;
import io.ckpt.forensics.evidence.store.EvidenceContent;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import io.ckpt.forensics.evidence.store.StoredEvidence;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * One read of an archive into a store: the custody copy (hashing, optional encryption) runs on a
 * second thread and writes into a {@link BoundedPipe}; the store reads the other end on the calling
 * thread, checks the SHA-256 the copy measured, and reads the object back. A failure on either side
 * stops the other: the copy's failure aborts the upload, the store's failure stops the copy.
 */
final class PipedCustodyUpload {

  /** What the copy measured and where the store put it. */
  record Uploaded(CustodyCopy.Result copy, StoredEvidence stored) {}

  private PipedCustodyUpload() {}

  /**
   * Copies {@code archive} (not closed here) into {@code store} under {@code name}.
   *
   * @param plaintextLength the archive's size when stored as it is, so the store checks it too
   * @throws ArchiveReadException when reading the archive failed (the upload was aborted)
   * @throws CopyFailedException when the copy failed otherwise (encryption)
   * @throws IOException as the store throws it
   */
  static Uploaded upload(InputStream archive, long plaintextLength, List<OpenPgpRecipient> recipients,
      EvidenceStore store, String name) throws IOException {
    BoundedPipe pipe = new BoundedPipe();
    CopyTask task = new CopyTask(archive, pipe, recipients);
    Thread copier = new Thread(task, "custody-copy");
    copier.setDaemon(true);
    copier.start();
    long length = recipients.isEmpty() ? plaintextLength : EvidenceContent.UNKNOWN_LENGTH;
    StoredEvidence stored;
    try {
      stored = store.store(name, EvidenceContent.hashedAlongside(pipe.input(), length, task::storedSha256));
    } catch (IOException | RuntimeException e) {
      pipe.closeReader();
      join(copier);
      // the copy's own failure is the cause when it made the store fail: say that, not "the pipe broke"
      if (task.failure != null && !BoundedPipe.stoppedByReader(task.failure)) {
        throw rethrowable(task.failure, e);
      }
      throw e;
    } finally {
      pipe.closeReader();
    }
    join(copier);
    if (task.failure != null) {
      throw rethrowable(task.failure, null);
    }
    return new Uploaded(task.result, stored);
  }

  private static IOException rethrowable(Throwable failure, Exception storeFailure) {
    IOException out = failure instanceof ArchiveReadException archive ? archive : new CopyFailedException(failure);
    if (storeFailure != null && storeFailure.getCause() != failure) {
      out.addSuppressed(storeFailure);
    }
    return out;
  }

  private static void join(Thread thread) throws IOException {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the custody copy to stop");
    }
  }

  /** The custody copy failed for another reason than reading the archive. */
  static final class CopyFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    CopyFailedException(Throwable cause) {
      super("the custody copy failed (" + cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")", cause);
    }
  }

  private static final class CopyTask implements Runnable {
    private final InputStream archive;
    private final BoundedPipe pipe;
    private final List<OpenPgpRecipient> recipients;
    private volatile CustodyCopy.Result result;
    private volatile Throwable failure;

    CopyTask(InputStream archive, BoundedPipe pipe, List<OpenPgpRecipient> recipients) {
      this.archive = archive;
      this.pipe = pipe;
      this.recipients = recipients;
    }

    @Override
    public void run() {
      try {
        OutputStream out = pipe.output();
        result = CustodyCopy.copy(archive, out, recipients);
        out.close(); // after the result is set: the store asks for the digest once it reads the end
      } catch (Throwable e) { // an Error too: the reader must not wait for bytes that never come
        failure = e;
        pipe.failWriter(e);
      }
    }

    /** Asked by the store after the last byte, which the copy hands over only once its result is set. */
    String storedSha256() {
      CustodyCopy.Result done = result;
      if (done == null) {
        throw new IllegalStateException("the store asked for the digest before the custody copy finished");
      }
      return done.stored().sha256();
    }
  }
}
