package io.ckpt.forensics.archive;

/**
 * The bounds that keep a hostile or broken archive from exhausting memory or time.
 *
 * <p>Memory: a member is held in memory only if it is a metadata file or CRIU image of at most
 * {@code maxMemberBytes} (16 MiB by default); page data and rootfs-diff.tar are never held, they
 * are read through a window of at most 1 MiB (the search and hex dump). So inspecting needs at most
 * {@code maxMemberBytes} per image being decoded, plus the decoded model of the images (bounded by
 * their size), whatever the archive size. Time: one pass over the archive for the index; a
 * compressed archive stops once its expanded size passes {@code maxExpandedBytes} or
 * {@code maxExpansionRatio} times its compressed size (a decompression bomb). Processes: at most
 * {@code maxProcesses} distinct PIDs of pstree.img are read (duplicates and the rest are counted,
 * not decoded), and command lines plus environments kept for all processes together are at most
 * {@code maxProcessTextBytes}, so the decoded model is bounded too.
 *
 * @param maxMemberBytes largest member read into memory (metadata JSON, CRIU images)
 * @param maxMembers largest number of tar members
 * @param maxExpandedBytes largest decompressed size of a compressed archive
 * @param maxExpansionRatio largest decompressed/compressed ratio, checked once past 64 MiB
 * @param maxProcesses largest number of processes read from pstree.img
 * @param maxProcessTextBytes largest total of command-line and environment bytes kept
 */
public record ReadLimits(int maxMemberBytes, int maxMembers, long maxExpandedBytes, int maxExpansionRatio,
    int maxProcesses, long maxProcessTextBytes) {

  /** 16 MiB per member, 100 000 members, 64 GiB expanded, ratio 1000, 10 000 processes, 64 MiB of text. */
  public static final ReadLimits DEFAULT = new ReadLimits(16 << 20, 100_000, 64L << 30, 1000);

  public ReadLimits {
    if (maxMemberBytes <= 0 || maxMembers <= 0 || maxExpandedBytes <= 0 || maxExpansionRatio <= 0
        || maxProcesses <= 0 || maxProcessTextBytes <= 0) {
      throw new IllegalArgumentException("read limits must be positive");
    }
  }

  /** The archive limits with the default process limits (10 000 processes, 64 MiB of text). */
  public ReadLimits(int maxMemberBytes, int maxMembers, long maxExpandedBytes, int maxExpansionRatio) {
    this(maxMemberBytes, maxMembers, maxExpandedBytes, maxExpansionRatio, 10_000, 64L << 20);
  }
}
