package io.ckpt.forensics.collector;

import io.ckpt.forensics.evidence.store.EvidenceContent;
import io.ckpt.forensics.evidence.store.EvidenceStore;
import io.ckpt.forensics.evidence.store.StoredEvidence;
import java.io.IOException;
import java.io.InputStream;

/** A store that reads up to {@code bytesToRead} of what it is given (as a store does before it fails), then throws {@code failure}. */
record FailingStore(long bytesToRead, IOException failure) implements EvidenceStore {

  @Override
  public StoredEvidence store(String name, EvidenceContent content) throws IOException {
    long left = bytesToRead;
    byte[] buffer = new byte[64 << 10];
    for (int n; left > 0 && (n = content.stream().read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
      left -= n;
    }
    throw failure;
  }

  @Override
  public InputStream open(String name) {
    throw new UnsupportedOperationException("nothing is stored here");
  }

  @Override
  public String locationOf(String name) {
    return "test://" + name;
  }
}
