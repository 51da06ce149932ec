package io.ckpt.forensics.archive;

/**
 * One pagemap entry: {@code pages} pages from {@code vaddr}; when {@code inFile}, their bytes sit in
 * the pages image at {@code fileOffset}.
 */
public record MemoryRun(long vaddr, long pages, boolean inFile, long fileOffset, int flags) {

  public long end(int pageSize) {
    return vaddr + pages * pageSize;
  }
}
