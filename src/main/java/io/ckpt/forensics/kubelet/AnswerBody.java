package io.ckpt.forensics.kubelet;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The body of one answer while it is read, the same way by both transports: keeps at most
 * {@link KubeletAnswer#MAX_BODY_BYTES}, counts what arrived, and turns into a {@link KubeletAnswer}
 * that says how reading ended.
 */
final class AnswerBody {

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private long received;

  /** Takes the next bytes; false once the body is over the limit, when the caller must stop reading. */
  synchronized boolean add(byte[] bytes, int offset, int length) {
    received += length;
    int room = KubeletAnswer.MAX_BODY_BYTES - kept.size();
    if (room > 0) {
      kept.write(bytes, offset, Math.min(room, length));
    }
    return !overLimit();
  }

  /** As {@link #add(byte[], int, int)}, for the buffers an asynchronous client hands over. */
  synchronized boolean add(List<ByteBuffer> buffers) {
    for (ByteBuffer buffer : buffers) {
      byte[] chunk = new byte[buffer.remaining()];
      buffer.get(chunk);
      if (!add(chunk, 0, chunk.length)) {
        return false;
      }
    }
    return true;
  }

  synchronized boolean overLimit() {
    return received > KubeletAnswer.MAX_BODY_BYTES;
  }

  /** The body ended normally, or reading stopped at the limit. */
  synchronized KubeletAnswer complete(int status, String contentType) {
    return answer(status, contentType, overLimit() ? KubeletAnswer.Ending.OVER_LIMIT : KubeletAnswer.Ending.COMPLETE,
        null);
  }

  /** Reading stopped because the body deadline passed. */
  synchronized KubeletAnswer tooSlow(int status, String contentType) {
    return answer(status, contentType, KubeletAnswer.Ending.TOO_SLOW, null);
  }

  /** The connection broke before the body was complete; {@code error} says how. */
  synchronized KubeletAnswer broken(int status, String contentType, Throwable error) {
    return overLimit() ? complete(status, contentType)
        : answer(status, contentType, KubeletAnswer.Ending.BROKEN, KubeletAnswerClassifier.describeCause(error));
  }

  private KubeletAnswer answer(int status, String contentType, KubeletAnswer.Ending ending, String error) {
    return new KubeletAnswer(status, contentType, kept.toString(StandardCharsets.UTF_8), ending, received, error);
  }
}
