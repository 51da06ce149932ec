package io.ckpt.forensics.archive;

import java.util.List;

/**
 * What the container wrote, deleted and kept in memory-backed mounts, as one checkpoint records it.
 *
 * @param entries the matching entries in archive order: rootfs-diff.tar, then deleted.files, then the tmpfs
 *     images; at most {@link FileChangesReader#MAX_ENTRIES} (see {@code truncated})
 * @param written how many rootfs-diff.tar entries matched (all of them, also past the cut)
 * @param deleted how many deleted.files paths matched
 * @param tmpfs how many tmpfs image entries matched
 * @param truncated entries past the memory bound were counted but not kept
 * @param problems inner archives that could not be read whole, one sentence each
 */
public record FileChanges(List<ChangedFile> entries, long written, long deleted, long tmpfs, boolean truncated,
    List<String> problems) {

  public FileChanges {
    entries = List.copyOf(entries);
    problems = List.copyOf(problems);
  }

  /** Nothing recorded (an archive without rootfs-diff.tar, deleted.files or tmpfs images). */
  public static final FileChanges NONE = new FileChanges(List.of(), 0, 0, 0, false, List.of());
}
