package io.ckpt.forensics.archive;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one CRIU image: checks the magic numbers, then walks the {@code [u32 length][protobuf]}
 * entries, each of which must lie inside the image. The images are held in memory (they are
 * bounded by {@link ReadLimits#maxMemberBytes()}), so a bogus length such as 4 GiB is caught
 * before anything is allocated.
 */
public final class CriuImageDecoder {

  private CriuImageDecoder() {}

  /** Every entry of an image of the given type. */
  public static <T extends MessageLite> List<T> entries(String member, byte[] image, CriuMagic type,
      Parser<T> parser) throws ArchiveFormatException {
    int pos = checkMagic(member, image, type);
    List<T> out = new ArrayList<>();
    while (pos < image.length) {
      out.add(entryAt(member, image, pos, parser));
      pos += 4 + (int) u32(image, pos);
    }
    return out;
  }

  /**
   * Decodes the entries one at a time and hands each to {@code visitor} until it returns false, so
   * that a caller can keep a bounded part of an image with millions of tiny entries.
   */
  public static <T extends MessageLite> void each(String member, byte[] image, CriuMagic type, Parser<T> parser,
      java.util.function.Predicate<T> visitor) throws ArchiveFormatException {
    int pos = checkMagic(member, image, type);
    while (pos < image.length) {
      if (!visitor.test(entryAt(member, image, pos, parser))) {
        return;
      }
      pos += 4 + (int) u32(image, pos);
    }
  }

  /** How many entries an image holds, from their length prefixes alone. */
  public static int count(String member, byte[] image, CriuMagic type) throws ArchiveFormatException {
    int pos = checkMagic(member, image, type);
    int n = 0;
    while (pos < image.length) {
      if (pos + 4 > image.length || u32(image, pos) > image.length - pos - 4L) {
        throw new ArchiveFormatException(member, pos, "entry length runs past the end of the image");
      }
      pos += 4 + (int) u32(image, pos);
      n++;
    }
    return n;
  }

  /** The first entry of an image; images such as core, mm, fs, ids have exactly one. */
  public static <T extends MessageLite> T single(String member, byte[] image, CriuMagic type, Parser<T> parser)
      throws ArchiveFormatException {
    int pos = checkMagic(member, image, type);
    if (pos >= image.length) {
      throw new ArchiveFormatException(member, pos, "image has no entry");
    }
    return entryAt(member, image, pos, parser);
  }

  /**
   * The pagemap: the head entry (which pages-N.img holds the data) is parsed with {@code headParser},
   * the rest with {@code entryParser}.
   */
  public static <H extends MessageLite, E extends MessageLite> PagemapImage<H, E> pagemap(String member,
      byte[] image, Parser<H> headParser, Parser<E> entryParser) throws ArchiveFormatException {
    int pos = checkMagic(member, image, CriuMagic.PAGEMAP);
    if (pos >= image.length) {
      throw new ArchiveFormatException(member, pos, "pagemap has no head entry");
    }
    H head = entryAt(member, image, pos, headParser);
    pos += 4 + (int) u32(image, pos);
    List<E> entries = new ArrayList<>();
    while (pos < image.length) {
      entries.add(entryAt(member, image, pos, entryParser));
      pos += 4 + (int) u32(image, pos);
    }
    return new PagemapImage<>(head, entries);
  }

  /** The head and the entries of a pagemap image. */
  public record PagemapImage<H, E>(H head, List<E> entries) {
  }

  private static int checkMagic(String member, byte[] image, CriuMagic type) throws ArchiveFormatException {
    if (image.length < 4) {
      throw new ArchiveFormatException(member, 0, "image too short for a CRIU magic (" + image.length + " bytes)");
    }
    int first = (int) u32(image, 0);
    if (type == CriuMagic.INVENTORY) {
      if (first != type.value()) {
        throw new ArchiveFormatException(member, 0, "wrong magic " + CriuMagic.describe(first) + ", expected "
            + CriuMagic.describe(type.value()));
      }
      return 4;
    }
    int expectedPrefix = type.isService() ? CriuMagic.IMG_SERVICE : CriuMagic.IMG_COMMON;
    if (first != expectedPrefix) {
      throw new ArchiveFormatException(member, 0, "wrong magic " + CriuMagic.describe(first) + ", expected "
          + CriuMagic.describe(expectedPrefix) + " then " + CriuMagic.describe(type.value()));
    }
    if (image.length < 8) {
      throw new ArchiveFormatException(member, 4, "image ends before its type magic");
    }
    int second = (int) u32(image, 4);
    if (second != type.value()) {
      throw new ArchiveFormatException(member, 4, "wrong image type " + CriuMagic.describe(second) + ", expected "
          + CriuMagic.describe(type.value()));
    }
    return 8;
  }

  private static <T extends MessageLite> T entryAt(String member, byte[] image, int pos, Parser<T> parser)
      throws ArchiveFormatException {
    if (pos + 4 > image.length) {
      throw new ArchiveFormatException(member, pos, "truncated entry length (" + (image.length - pos)
          + " bytes left)");
    }
    long len = u32(image, pos);
    if (len > image.length - pos - 4L) {
      throw new ArchiveFormatException(member, pos, "entry length " + len + " runs past the end of the image ("
          + (image.length - pos - 4) + " bytes left)");
    }
    try {
      // partial: an image from an older CRIU may lack a field a newer .proto marks required
      return parser.parsePartialFrom(image, pos + 4, (int) len);
    } catch (InvalidProtocolBufferException e) {
      throw new ArchiveFormatException(member, pos, "entry is not a valid protobuf message: " + e.getMessage(), e);
    }
  }

  static long u32(byte[] b, int pos) {
    return (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
  }
}
