package io.ckpt.forensics.archive;

/**
 * A file a process holds: a descriptor, or its cwd / root.
 *
 * @param fd the descriptor number as text, or "cwd" / "root"
 * @param type CRIU's fd type (REG, PIPE, TTY, INETSK, ...); empty for cwd and root
 * @param path the path for regular files, else CRIU's "TYPE.id" style name
 */
public record OpenFile(String fd, String type, String path) {

  /** checkpointctl's label: "REG 3", "TTY 0", or just "cwd". */
  public String label() {
    return (type.isEmpty() ? fd : type + " " + fd).trim();
  }
}
