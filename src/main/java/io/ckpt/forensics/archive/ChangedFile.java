package io.ckpt.forensics.archive;

/**
 * One file the container changed: an entry of rootfs-diff.tar (written), a path of deleted.files
 * (deleted), or an entry of a tmpfs image (in a memory-backed mount, which leaves nothing on disk).
 *
 * @param change written, deleted or tmpfs
 * @param path the path inside the container ("/tmp/x"; a tmpfs entry under its mount point)
 * @param type file, directory, symlink, hardlink, char, block, fifo, sparse or other; empty for a deleted path
 * @param size bytes (a sparse file's size with its holes); 0 for a deleted path
 * @param mode permission and set-id bits (07777)
 * @param mtimeSeconds modification time; -1 when unknown (a deleted path)
 * @param linkTarget a link's target, as stored (never resolved); empty otherwise
 * @param device "major,minor" of a device node; empty otherwise
 * @param sha256 of a regular file's bytes, computed while streaming; empty for everything else
 * @param elf the file starts with the ELF magic
 * @param mountPoint a tmpfs entry's mount point; empty otherwise (or when no mount has its device)
 * @param member the checkpoint member the entry comes from (rootfs-diff.tar, deleted.files, checkpoint/tmpfs-dev-N.tar.gz.img)
 * @param unsafeName the stored name is absolute or has a ".." component: {@code fcp extract} refuses it
 */
public record ChangedFile(Change change, String path, String type, long size, int mode, long uid, long gid,
    String user, String group, long mtimeSeconds, String linkTarget, String device, String sha256, boolean elf,
    String mountPoint, String member, boolean unsafeName) {

  /** How the file changed. */
  public enum Change {
    WRITTEN, DELETED, TMPFS;

    /** The lower-case word output uses. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A regular file that is an ELF binary or has an execute bit. */
  public boolean executable() {
    return type.equals("file") && (elf || (mode & 0111) != 0);
  }

  /** The last path component. */
  public String baseName() {
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
