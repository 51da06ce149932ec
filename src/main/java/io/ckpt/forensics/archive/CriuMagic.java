package io.ckpt.forensics.archive;

/**
 * The magic numbers CRIU writes at the start of its images (criu/include/magic.h): a common or
 * service magic, then the image type's own magic. Only the types this inspector decodes are here.
 */
public enum CriuMagic {
  INVENTORY(0x58313116),
  PSTREE(0x50273030),
  FDINFO(0x56213732),
  PAGEMAP(0x56084025),
  CORE(0x55053847),
  IDS(0x54432030),
  REG_FILES(0x50363636),
  FS(0x51403912),
  MM(0x57492820),
  UNIXSK(0x54373943),
  INETSK(0x56443851),
  TTY_FILES(0x59433025),
  TTY_INFO(0x59453036),
  MNTS(0x55563928),
  CGROUP(0x59383330),
  SECCOMP(0x64413049),
  FILES(0x56303138),
  TIMENS(0x43114433),
  CREDS(0x54023547),
  STATS(0x57093306);

  /** Precedes most image types. */
  public static final int IMG_COMMON = 0x54564319;
  /** Precedes the service images (stats, irmap, kdat). */
  public static final int IMG_SERVICE = 0x55105940;

  private final int value;

  CriuMagic(int value) {
    this.value = value;
  }

  public int value() {
    return value;
  }

  /** Whether CRIU writes the service magic (rather than the common one) in front of this type. */
  boolean isService() {
    return this == STATS;
  }

  static String describe(int magic) {
    for (CriuMagic m : values()) {
      if (m.value == magic) {
        return m.name() + String.format(" (0x%08x)", magic);
      }
    }
    if (magic == IMG_COMMON) {
      return "IMG_COMMON (0x54564319)";
    }
    if (magic == IMG_SERVICE) {
      return "IMG_SERVICE (0x55105940)";
    }
    return String.format("0x%08x", magic);
  }
}
