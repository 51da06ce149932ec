package io.ckpt.forensics.archive;

/** CRIU's dump statistics (stats-dump), times in microseconds. */
public record DumpStatistics(long freezingTimeMicros, long frozenTimeMicros, long memdumpTimeMicros,
    long memwriteTimeMicros, long pagesScanned, long pagesWritten, long pagesSkippedParent, long pagesLazy) {
}
