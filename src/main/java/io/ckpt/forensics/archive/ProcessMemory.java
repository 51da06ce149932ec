package io.ckpt.forensics.archive;

import io.ckpt.forensics.archive.criu.Mm.mm_entry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The dumped memory of one process: pagemap runs resolved to offsets in its pages image, read by
 * offset from the archive. Nothing reads a whole pages image; callers walk it in windows.
 */
public final class ProcessMemory {

  /** Largest argument or environment block read (the kernel's own limit is far lower in practice). */
  private static final int MAX_ARGS_BYTES = 1 << 20;

  private final CheckpointTar tar;
  private final int pid;
  private final int pageSize;
  private final List<MemoryRun> runs;
  private final TarMember pages;
  private final long sharedBytes;
  private final mm_entry mm;

  ProcessMemory(CheckpointTar tar, int pid, int pageSize, List<MemoryRun> runs, TarMember pages, long sharedBytes,
      mm_entry mm) {
    this.tar = tar;
    this.pid = pid;
    this.pageSize = pageSize;
    this.runs = List.copyOf(runs);
    this.pages = pages;
    this.sharedBytes = sharedBytes;
    this.mm = mm;
  }

  public int pid() {
    return pid;
  }

  /** From the process's auxv (AT_PAGESZ), never the inspecting host's. */
  public int pageSize() {
    return pageSize;
  }

  public List<MemoryRun> runs() {
    return runs;
  }

  /** All pages the pagemap lists, times the page size (checkpointctl's "Memory size"). */
  public long pagemapBytes() {
    long pagesTotal = 0;
    for (MemoryRun r : runs) {
      pagesTotal += r.pages();
    }
    return pagesTotal * pageSize;
  }

  /** The bytes of pages held in this archive's pages image. */
  public long dumpedBytes() {
    long total = 0;
    for (MemoryRun r : runs) {
      if (r.inFile()) {
        total += r.pages() * pageSize;
      }
    }
    return total;
  }

  /** The size of the MAP_SHARED areas (checkpointctl's "Shared memory size"). */
  public long sharedBytes() {
    return sharedBytes;
  }

  /** The pages image this process's data is in, if the archive has it. */
  public TarMember pagesMember() {
    return pages;
  }

  /**
   * Reads {@code len} bytes at {@code vaddr}; returns false (buffer untouched) if any byte of the
   * range is not in the archive's pages.
   */
  public boolean read(long vaddr, byte[] buf, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      long at = vaddr + done;
      MemoryRun run = runAt(at);
      if (run == null || !run.inFile() || pages == null) {
        return false;
      }
      long within = at - run.vaddr();
      int n = (int) Math.min(len - done, run.pages() * pageSize - within);
      tar.readFully(pages, run.fileOffset() + within, buf, off + done, n);
      done += n;
    }
    return true;
  }

  private MemoryRun runAt(long vaddr) {
    int lo = 0;
    int hi = runs.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      MemoryRun r = runs.get(mid);
      if (Long.compareUnsigned(vaddr, r.vaddr()) < 0) {
        hi = mid - 1;
      } else if (Long.compareUnsigned(vaddr, r.end(pageSize)) >= 0) {
        lo = mid + 1;
      } else {
        return r;
      }
    }
    return null;
  }

  /**
   * Where the argument and environment blocks lie in the pages image, so that a streamed read can keep
   * them as the image goes by ({@link ProcessTextKeep}); empty parts are left out.
   */
  public List<CheckpointTar.MemberRange> textRanges() {
    List<CheckpointTar.MemberRange> out = new ArrayList<>();
    addRanges(out, mm.getMmArgStart(), mm.getMmArgEnd());
    addRanges(out, mm.getMmEnvStart(), mm.getMmEnvEnd());
    return out;
  }

  private void addRanges(List<CheckpointTar.MemberRange> out, long start, long end) {
    if (end - start <= 0 || end - start > MAX_ARGS_BYTES) {
      return;
    }
    for (long at = start; at < end;) {
      MemoryRun run = runAt(at);
      if (run == null || !run.inFile()) {
        return; // strings() finds it missing, as it would in a file
      }
      long within = at - run.vaddr();
      long n = Math.min(end - at, run.pages() * pageSize - within);
      out.add(new CheckpointTar.MemberRange(run.fileOffset() + within, (int) n));
      at += n;
    }
  }

  /** The command line (arguments joined by spaces, as checkpointctl shows it); empty if not dumped. */
  public String commandLine() throws IOException {
    List<String> args = strings(mm.getMmArgStart(), mm.getMmArgEnd());
    StringBuilder sb = new StringBuilder();
    for (String a : args) {
      sb.append(a).append(' ');
    }
    return sb.toString();
  }

  /** The arguments, split at NUL bytes. */
  public List<String> arguments() throws IOException {
    return strings(mm.getMmArgStart(), mm.getMmArgEnd());
  }

  /** The environment as "KEY=VALUE" strings. These hold secrets: callers redact values by default. */
  public List<String> environment() throws IOException {
    return strings(mm.getMmEnvStart(), mm.getMmEnvEnd());
  }

  private List<String> strings(long start, long end) throws IOException {
    long len = end - start;
    if (len <= 0 || len > MAX_ARGS_BYTES) {
      return List.of();
    }
    byte[] b = new byte[(int) len];
    try {
      if (!read(start, b, 0, b.length)) {
        return List.of();
      }
    } catch (CheckpointTar.NotKeptException e) {
      return List.of(); // a streamed read past its text budget, or pages before their pagemap: as if not dumped
    }
    List<String> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i <= b.length; i++) {
      if (i == b.length || b[i] == 0) {
        if (i > from) {
          out.add(new String(b, from, i - from, StandardCharsets.UTF_8));
        }
        from = i + 1;
      }
    }
    return Collections.unmodifiableList(out);
  }
}
