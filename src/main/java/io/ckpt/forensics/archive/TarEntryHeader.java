package io.ckpt.forensics.archive;

/**
 * What a tar header says beyond {@link TarMember}, for the archives fcp lists rather than reads
 * (rootfs-diff.tar and tmpfs images).
 *
 * @param type the typeflag byte ('0' file, '2' symlink, '3' character device, 'S' GNU sparse, ...)
 * @param rawName the name as the header (or GNU long name, or PAX path) gives it
 * @param unsafeName the name is absolute or has a ".." component (extracting it would escape)
 * @param linkTarget the link target of a symbolic or hard link; empty otherwise
 * @param sparse a GNU sparse file (old 'S' header or PAX GNU.sparse records): the data is its map, not its bytes
 * @param realSize the file's size; for a sparse file the size with its holes
 */
record TarEntryHeader(char type, String rawName, boolean unsafeName, String linkTarget, long uid, long gid,
    String user, String group, int devMajor, int devMinor, boolean sparse, long realSize) {
}
