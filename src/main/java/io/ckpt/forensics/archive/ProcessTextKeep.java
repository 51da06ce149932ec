package io.ckpt.forensics.archive;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@link CheckpointTar#streamed streamed} read keeps so that command lines and environments
 * can be shown: as each {@code pages-N.img} goes by, the parts of it that hold the argument and
 * environment blocks of the processes whose pagemap names it. CRIU's images reach the tar in name
 * order (the runtimes tar the image directory sorted), so {@code mm-PID.img} and
 * {@code pagemap-PID.img} are already in memory when their pages arrive. At most
 * {@link ReadLimits#maxProcessTextBytes()} are kept in all; a process past that shows no text.
 */
public final class ProcessTextKeep implements CheckpointTar.StreamedKeep {

  private static final Pattern PAGEMAP = Pattern.compile("pagemap-(\\d{1,9})\\.img");

  private long left;

  public ProcessTextKeep(ReadLimits limits) {
    this.left = limits.maxProcessTextBytes();
  }

  @Override
  public List<CheckpointTar.MemberRange> ranges(CheckpointTar soFar, TarMember member) throws IOException {
    var images = CheckpointImages.of(soFar);
    if (images.isEmpty() || !member.name().startsWith(images.get().directory() + "pages-")) {
      return List.of();
    }
    String prefix = images.get().directory();
    List<CheckpointTar.MemberRange> out = new ArrayList<>();
    for (TarMember m : soFar.members()) {
      if (!m.name().startsWith(prefix)) {
        continue;
      }
      Matcher pagemap = PAGEMAP.matcher(m.name().substring(prefix.length()));
      if (!pagemap.matches() || !images.get().hasMemory(Integer.parseInt(pagemap.group(1)))) {
        continue;
      }
      ProcessMemory memory;
      try {
        memory = images.get().memory(Integer.parseInt(pagemap.group(1)));
      } catch (ArchiveFormatException e) {
        continue; // the report reads the same images afterwards and says what is wrong with them
      }
      if (memory.pagesMember() == null || !memory.pagesMember().name().equals(member.name())) {
        continue;
      }
      for (CheckpointTar.MemberRange r : memory.textRanges()) {
        if (r.length() > left) {
          return out;
        }
        left -= r.length();
        out.add(r);
      }
    }
    return out;
  }
}
