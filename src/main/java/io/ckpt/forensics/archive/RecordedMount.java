package io.ckpt.forensics.archive;

/**
 * A mount point as CRIU recorded it in a mountpoints-*.img (what the container really had mounted,
 * as opposed to what spec.dump asked for).
 *
 * @param id the mount id
 * @param parentId the id of the mount it sits on
 * @param mountpoint where it is mounted, inside the container
 * @param root the mounted directory of the source filesystem
 * @param source the device or source name
 * @param fsname the filesystem type's name, empty when CRIU did not record one
 * @param options the mount options
 * @param rootDev the mounted filesystem's device number as CRIU stores it (the number in a
 *     {@code tmpfs-dev-<N>.tar.gz.img} that holds this tmpfs's contents)
 */
public record RecordedMount(int id, int parentId, String mountpoint, String root, String source, String fsname,
    String options, long rootDev) {
}
