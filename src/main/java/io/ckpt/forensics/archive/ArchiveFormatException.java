package io.ckpt.forensics.archive;

import java.io.IOException;

/**
 * An archive or CRIU image that cannot be read as it claims to be: truncated, wrong magic, a length
 * beyond its member, a limit exceeded. The message names the member and the byte offset, so an
 * analyst can look at the exact spot with a hex viewer.
 */
public class ArchiveFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String member;
  private final long offset;

  public ArchiveFormatException(String member, long offset, String problem) {
    super(problem + " (member " + (member == null || member.isEmpty() ? "<archive>" : member)
        + ", offset " + offset + ")");
    this.member = member;
    this.offset = offset;
  }

  public ArchiveFormatException(String member, long offset, String problem, Throwable cause) {
    this(member, offset, problem);
    initCause(cause);
  }

  /** The archive member (tar path) where reading stopped; empty for the archive container itself. */
  public String member() {
    return member == null ? "" : member;
  }

  /** Byte offset inside the member (or inside the decompressed archive for tar headers). */
  public long offset() {
    return offset;
  }
}
