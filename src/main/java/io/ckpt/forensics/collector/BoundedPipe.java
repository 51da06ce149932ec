package io.ckpt.forensics.collector;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A one-writer, one-reader pipe between two threads that holds at most a few chunks, so memory stays
 * fixed whatever flows through it. Either side can fail it: a writer's failure reaches the reader
 * as an {@link IOException} (so a store aborts its upload), a reader that stops makes the writer's
 * next write fail (so the copy stops reading the archive). Not {@code java.io.PipedInputStream}:
 * that one ties the pipe to the liveness of the threads and polls once a second.
 *
 * <p>Chunks are recycled: the reader hands each chunk it has finished back to the writer. A chunk
 * that waited in the queue through a young collection would otherwise be copied into the old
 * generation, and a GiB through the pipe would fill the collector's small heap with dead chunks
 * and force full collections; recycled, the pipe allocates its few chunks once.
 */
final class BoundedPipe {

  static final int CHUNK_BYTES = 1 << 17;
  static final int CHUNKS = 8;
  private static final byte[] END = new byte[0];
  private static final long POLL_MILLIS = 100;

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(CHUNKS);
  // full-size chunks the reader is done with: at most the queue's, the writer's and the reader's own
  private final BlockingQueue<byte[]> spare = new ArrayBlockingQueue<>(CHUNKS + 2);
  private int chunksAllocated; // the writer's alone
  private final long writerPatienceNanos;
  private long writerWaitedNanos;
  private volatile Throwable writerFailure;
  private volatile boolean readerGone;
  private final Output output = new Output();
  private final Input input = new Input();

  /** A pipe whose writer waits for the reader as long as it takes. */
  BoundedPipe() {
    this(Duration.ofNanos(Long.MAX_VALUE));
  }

  /**
   * A pipe whose writer, once it has waited {@code writerPatience} in all for room, fails its write
   * instead of waiting more: for a reader that must never hold the writer back for long.
   */
  BoundedPipe(Duration writerPatience) {
    this.writerPatienceNanos = writerPatience.toNanos();
  }

  /** How many full-size chunks the writer has allocated so far: a few, however much went through. */
  int chunksAllocated() {
    return chunksAllocated;
  }

  OutputStream output() {
    return output;
  }

  InputStream input() {
    return input;
  }

  /** The writer failed: the reader's next read throws with {@code cause}. */
  void failWriter(Throwable cause) {
    writerFailure = cause;
  }

  /** The reader stops: the writer's next write throws, and what waits in the pipe is dropped. */
  void closeReader() {
    readerGone = true;
    chunks.clear();
  }

  private final class Output extends OutputStream {
    private byte[] chunk = freshChunk();
    private int filled;
    private boolean closed;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("the pipe to the store is closed");
      }
      while (len > 0) {
        int n = Math.min(len, chunk.length - filled);
        System.arraycopy(b, off, chunk, filled, n);
        filled += n;
        off += n;
        len -= n;
        if (filled == chunk.length) {
          hand(chunk);
          chunk = freshChunk();
          filled = 0;
        }
      }
    }

    /** Ends the stream: the reader sees the end once it has read everything before it. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (filled > 0) {
        byte[] last = new byte[filled];
        System.arraycopy(chunk, 0, last, 0, filled);
        hand(last);
      }
      hand(END);
    }

    private byte[] freshChunk() {
      byte[] recycled = spare.poll();
      if (recycled != null) {
        return recycled;
      }
      chunksAllocated++;
      return new byte[CHUNK_BYTES];
    }

    private void hand(byte[] bytes) throws IOException {
      try {
        while (!chunks.offer(bytes)) {
          long start = System.nanoTime();
          boolean taken = chunks.offer(bytes, POLL_MILLIS, TimeUnit.MILLISECONDS);
          writerWaitedNanos += System.nanoTime() - start;
          requireReader();
          if (taken) {
            break;
          }
          if (writerWaitedNanos >= writerPatienceNanos) {
            throw new ReaderTooSlowException(writerWaitedNanos);
          }
        }
        requireReader();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while handing bytes to the store");
      }
    }

    private void requireReader() throws IOException {
      if (readerGone) {
        throw new ReaderGoneException();
      }
    }
  }

  /** Whether a writer's failure only says that the reader had stopped (the reader's own failure is the cause). */
  static boolean stoppedByReader(Throwable failure) {
    return failure instanceof ReaderGoneException;
  }

  private static final class ReaderGoneException extends IOException {
    private static final long serialVersionUID = 1L;

    ReaderGoneException() {
      super("the store stopped reading");
    }
  }

  /** The reader kept the writer waiting longer than the pipe's patience. */
  static final class ReaderTooSlowException extends IOException {
    private static final long serialVersionUID = 1L;

    ReaderTooSlowException(long waitedNanos) {
      super("the reader kept the writer waiting " + TimeUnit.NANOSECONDS.toMillis(waitedNanos) + " ms in all");
    }
  }

  private final class Input extends InputStream {
    private byte[] current = END;
    private int position;
    private boolean ended;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (position == current.length) {
        if (ended) {
          return -1;
        }
        next();
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      return n;
    }

    private void next() throws IOException {
      if (current.length == CHUNK_BYTES) {
        spare.offer(current); // read to its end: the writer may fill it again
      }
      current = END;
      position = 0;
      try {
        byte[] taken;
        while ((taken = chunks.poll(POLL_MILLIS, TimeUnit.MILLISECONDS)) == null) {
          requireWriter();
        }
        // a failure after the last chunk was handed over still fails the read: never a silent short stream
        requireWriter();
        if (taken == END) {
          ended = true;
        }
        current = taken;
        position = 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the custody copy");
      }
    }

    private void requireWriter() throws IOException {
      Throwable failure = writerFailure;
      if (failure != null) {
        throw new IOException("the custody copy failed: " + failure.getMessage(), failure);
      }
    }

    @Override
    public void close() {
      closeReader();
    }
  }
}
