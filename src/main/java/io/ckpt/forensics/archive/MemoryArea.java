package io.ckpt.forensics.archive;

/**
 * One VMA of a process.
 *
 * @param start first address
 * @param end address after the last byte
 * @param protection "r-x" style
 * @param shared MAP_SHARED
 * @param resource the mapped file, [stack], [vdso], ... or empty for anonymous memory
 */
public record MemoryArea(long start, long end, String protection, boolean shared, String resource) {

  public long size() {
    return end - start;
  }
}
