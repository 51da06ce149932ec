package io.ckpt.forensics.archive;

/**
 * One member of a checkpoint tar, as its header describes it.
 *
 * @param name normalised path (no leading "./", no trailing "/")
 * @param kind regular file, directory, link or other
 * @param size data size in bytes
 * @param dataOffset where the data starts in the (decompressed) tar stream
 * @param mode permission bits
 * @param mtimeSeconds modification time
 */
public record TarMember(String name, Kind kind, long size, long dataOffset, int mode, long mtimeSeconds) {

  /** The member types a checkpoint archive uses; everything else is OTHER and ignored. */
  public enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, OTHER }

  public boolean isFile() {
    return kind == Kind.FILE;
  }
}
