package io.ckpt.forensics.archive;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.ckpt.forensics.archive.criu.Core.core_entry;
import io.ckpt.forensics.archive.criu.Core.task_kobj_ids_entry;
import io.ckpt.forensics.archive.criu.Fdinfo.fd_types;
import io.ckpt.forensics.archive.criu.Fdinfo.fdinfo_entry;
import io.ckpt.forensics.archive.criu.Fdinfo.file_entry;
import io.ckpt.forensics.archive.criu.Fs.fs_entry;
import io.ckpt.forensics.archive.criu.Inventory.inventory_entry;
import io.ckpt.forensics.archive.criu.Mm.mm_entry;
import io.ckpt.forensics.archive.criu.Mnt.mnt_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_head;
import io.ckpt.forensics.archive.criu.Pstree.pstree_entry;
import io.ckpt.forensics.archive.criu.Regfile.reg_file_entry;
import io.ckpt.forensics.archive.criu.Seccomp.seccomp_entry;
import io.ckpt.forensics.archive.criu.SkInet.inet_sk_entry;
import io.ckpt.forensics.archive.criu.SkUnix.unix_sk_entry;
import io.ckpt.forensics.archive.criu.Stats.stats_entry;
import io.ckpt.forensics.archive.criu.Timens.timens_entry;
import io.ckpt.forensics.archive.criu.Tty.tty_info_entry;
import io.ckpt.forensics.archive.criu.Vma.vma_entry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CRIU images inside a checkpoint archive (the {@code checkpoint/} directory, or the archive
 * root for a bare CRIU image directory), decoded on demand from the archive without extraction.
 * Architecture, page size and register sets come from the images; nothing assumes x86_64.
 */
public final class CheckpointImages {

  private static final int AT_PAGESZ = 6;
  private static final int MAP_SHARED = 0x01;
  private static final int PE_PARENT = 1;
  private static final int PE_PRESENT = 4;

  private final CheckpointTar tar;
  private final String prefix;
  private Map<Integer, file_entry> files;
  private Map<Integer, reg_file_entry> regFiles;
  private List<CheckpointedProcess> processes;
  private List<String> treeProblems = List.of();

  private CheckpointImages(CheckpointTar tar, String prefix) {
    this.tar = tar;
    this.prefix = prefix;
  }

  /** The images of the archive, if it has any (a pstree.img under checkpoint/ or at the root). */
  public static Optional<CheckpointImages> of(CheckpointTar tar) {
    for (String prefix : List.of("checkpoint/", "")) {
      if (tar.member(prefix + "pstree.img").isPresent() || tar.member(prefix + "inventory.img").isPresent()) {
        return Optional.of(new CheckpointImages(tar, prefix));
      }
    }
    return Optional.empty();
  }

  /** The archive these images are read from. */
  public CheckpointTar archive() {
    return tar;
  }

  /** Where the images sit in the archive: "checkpoint/" or "". */
  public String directory() {
    return prefix;
  }

  private Optional<TarMember> image(String name) {
    return tar.member(prefix + name);
  }

  private byte[] require(String name) throws IOException {
    TarMember m = image(name).orElseThrow(() -> new ArchiveFormatException(prefix + name, 0,
        "image missing from the archive"));
    return tar.readAll(m);
  }

  // inventory, time namespace and TTYs: no caller outside this package yet; when one needs them, give
  // them records of their own like RecordedMount, so that the generated types stay inside archive.

  /** CRIU's inventory: image version and LSM, if present. */
  Optional<inventory_entry> inventory() throws IOException {
    Optional<TarMember> m = image("inventory.img");
    if (m.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(CriuImageDecoder.single(m.get().name(), tar.readAll(m.get()), CriuMagic.INVENTORY,
        inventory_entry.parser()));
  }

  /** Dump statistics from stats-dump (at the archive root as CRI-O puts it, or among the images). */
  public static Optional<DumpStatistics> statistics(CheckpointTar tar) throws IOException {
    for (String name : List.of("stats-dump", "checkpoint/stats-dump")) {
      Optional<TarMember> m = tar.member(name);
      if (m.isPresent()) {
        stats_entry s = CriuImageDecoder.single(name, tar.readAll(m.get()), CriuMagic.STATS, stats_entry.parser());
        var d = s.getDump();
        return Optional.of(new DumpStatistics(d.getFreezingTime() & 0xffffffffL, d.getFrozenTime() & 0xffffffffL,
            d.getMemdumpTime() & 0xffffffffL, d.getMemwriteTime() & 0xffffffffL, d.getPagesScanned(),
            d.getPagesWritten(), d.getPagesSkippedParent(), d.getPagesLazy()));
      }
    }
    return Optional.empty();
  }

  /** The time-namespace offsets (monotonic, boottime) in seconds, if a timens image exists. */
  Optional<timens_entry> timeNamespace() throws IOException {
    Optional<TarMember> m = image("timens-0.img");
    if (m.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(CriuImageDecoder.single(m.get().name(), tar.readAll(m.get()), CriuMagic.TIMENS,
        timens_entry.parser()));
  }

  /** TTYs the tree holds (tty-info.img). */
  List<tty_info_entry> ttys() throws IOException {
    Optional<TarMember> m = image("tty-info.img");
    if (m.isEmpty()) {
      return List.of();
    }
    return CriuImageDecoder.entries(m.get().name(), tar.readAll(m.get()), CriuMagic.TTY_INFO,
        tty_info_entry.parser());
  }

  /**
   * The mount points CRIU recorded, from every {@code mountpoints-<id>.img} (one per mount
   * namespace), in image order.
   */
  public List<RecordedMount> mountpoints() throws IOException {
    List<RecordedMount> mounts = new ArrayList<>();
    for (TarMember m : tar.members()) {
      String name = m.name();
      if (name.startsWith(prefix + "mountpoints-") && name.endsWith(".img")
          && name.indexOf('/', prefix.length()) < 0) {
        for (mnt_entry e : CriuImageDecoder.entries(name, tar.readAll(m), CriuMagic.MNTS, mnt_entry.parser())) {
          mounts.add(new RecordedMount(e.getMntId(), e.getParentMntId(), e.getMountpoint(), e.getRoot(),
              e.getSource(), e.hasFsname() ? e.getFsname() : "", e.getOptions(), e.getRootDev() & 0xffffffffL));
        }
      }
    }
    return mounts;
  }

  /** The processes in pstree order (the root first). */
  public List<CheckpointedProcess> processes() throws IOException {
    if (processes != null) {
      return processes;
    }
    // pstree.img is the attacker's: a PID may repeat (kept once), and only maxProcesses distinct
    // PIDs are decoded further, so the model stays bounded whatever the image holds
    int max = tar.limits().maxProcesses();
    Map<Integer, pstree_entry> distinct = new LinkedHashMap<>();
    Map<Integer, Integer> duplicates = new java.util.TreeMap<>();
    int[] beyond = {0};
    CriuImageDecoder.each(prefix + "pstree.img", require("pstree.img"), CriuMagic.PSTREE, pstree_entry.parser(), e -> {
      if (distinct.containsKey(e.getPid())) {
        duplicates.merge(e.getPid(), 1, Integer::sum);
      } else if (distinct.size() < max) {
        distinct.put(e.getPid(), e);
      } else {
        beyond[0]++;
      }
      return true;
    });
    List<String> notes = new ArrayList<>();
    duplicates.forEach((pid, n) -> notes.add("pstree.img lists PID " + pid + " " + (n + 1) + " times; shown once"));
    if (beyond[0] > 0) {
      notes.add("pstree.img holds " + beyond[0] + " more entries beyond the limit of " + max
          + " processes; they are not read");
    }
    treeProblems = List.copyOf(notes);
    List<CheckpointedProcess> out = new ArrayList<>();
    for (pstree_entry p : distinct.values()) {
      int pid = p.getPid();
      core_entry core = core(pid);
      TaskState state = TaskState.of(core.getTc().getTaskState());
      List<OpenFile> openFiles = new ArrayList<>();
      List<OpenSocket> sockets = new ArrayList<>();
      String exe = "";
      if (state.hasResources()) {
        task_kobj_ids_entry ids = ids(pid, core);
        for (fdinfo_entry fd : fdinfo(pid, ids)) {
          file_entry f = files().get(fd.getId());
          openFiles.add(new OpenFile(Integer.toString(fd.getFd()), fd.getType().name(), path(fd.getId(), fd.getType())));
          OpenSocket s = socket(fd, f);
          if (s != null) {
            sockets.add(s);
          }
        }
        Optional<TarMember> fsImage = image("fs-" + pid + ".img");
        if (fsImage.isPresent()) {
          fs_entry fs = CriuImageDecoder.single(fsImage.get().name(), tar.readAll(fsImage.get()), CriuMagic.FS,
              fs_entry.parser());
          openFiles.add(new OpenFile("cwd", "", path(fs.getCwdId(), fd_types.REG)));
          openFiles.add(new OpenFile("root", "", path(fs.getRootId(), fd_types.REG)));
        }
        Optional<mm_entry> mm = mm(pid);
        if (mm.isPresent()) {
          exe = path(mm.get().getExeFileId(), fd_types.REG);
        }
      }
      String seccompMode = core.getThreadCore().hasSeccompMode() ? core.getThreadCore().getSeccompMode().name()
          : core.getTc().hasOldSeccompMode() ? core.getTc().getOldSeccompMode().name() : "disabled";
      out.add(new CheckpointedProcess(pid, p.getPpid(), p.getPgid(), p.getSid(), List.copyOf(p.getThreadsList()),
          core.getTc().getComm(), state, core.getMtype().name(), registers(core), seccompMode, exe,
          List.copyOf(openFiles), List.copyOf(sockets)));
    }
    processes = List.copyOf(out);
    return processes;
  }

  /**
   * What was wrong with pstree.img (repeated PIDs, entries beyond {@link ReadLimits#maxProcesses()}),
   * one sentence each; empty for a sound image. Valid after {@link #processes()}.
   */
  public List<String> treeProblems() throws IOException {
    processes();
    return treeProblems;
  }

  /** The process with this pid, if the tree has it. */
  public Optional<CheckpointedProcess> process(int pid) throws IOException {
    return processes().stream().filter(p -> p.pid() == pid).findFirst();
  }

  core_entry core(int pid) throws IOException {
    String name = "core-" + pid + ".img";
    return CriuImageDecoder.single(prefix + name, require(name), CriuMagic.CORE, core_entry.parser());
  }

  private task_kobj_ids_entry ids(int pid, core_entry core) throws IOException {
    Optional<TarMember> m = image("ids-" + pid + ".img");
    if (m.isPresent()) {
      return CriuImageDecoder.single(m.get().name(), tar.readAll(m.get()), CriuMagic.IDS,
          task_kobj_ids_entry.parser());
    }
    return core.getIds();
  }

  private List<fdinfo_entry> fdinfo(int pid, task_kobj_ids_entry ids) throws IOException {
    // fdinfo_per_id images are named by the files id, older ones by the pid
    for (String name : List.of("fdinfo-" + ids.getFilesId() + ".img", "fdinfo-" + pid + ".img")) {
      Optional<TarMember> m = image(name);
      if (m.isPresent()) {
        return CriuImageDecoder.entries(m.get().name(), tar.readAll(m.get()), CriuMagic.FDINFO,
            fdinfo_entry.parser());
      }
    }
    return List.of();
  }

  /** Whether the process's memory was dumped (it has an mm image), so that {@link #memory} can read it. */
  public boolean hasMemory(int pid) {
    return image("mm-" + pid + ".img").isPresent();
  }

  /** The memory descriptor (VMAs, auxv, argument and environment addresses) of a process. */
  Optional<mm_entry> mm(int pid) throws IOException {
    Optional<TarMember> m = image("mm-" + pid + ".img");
    if (m.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(CriuImageDecoder.single(m.get().name(), tar.readAll(m.get()), CriuMagic.MM, mm_entry.parser()));
  }

  /** The page size the process ran with (AT_PAGESZ from its saved auxv); 4096 when absent. */
  static int pageSize(mm_entry mm) {
    List<Long> auxv = mm.getMmSavedAuxvList();
    for (int i = 0; i + 1 < auxv.size(); i += 2) {
      if (auxv.get(i) == AT_PAGESZ) {
        long v = auxv.get(i + 1);
        if (v >= 1024 && v <= (1 << 24) && Long.bitCount(v) == 1) {
          return (int) v;
        }
      }
    }
    return 4096;
  }

  /** The memory areas of a process, with the resource each maps (as crit's "x mems" shows them). */
  public List<MemoryArea> memoryAreas(int pid) throws IOException {
    Optional<mm_entry> mm = mm(pid);
    if (mm.isEmpty()) {
      return List.of();
    }
    List<MemoryArea> out = new ArrayList<>();
    for (vma_entry v : mm.get().getVmasList()) {
      int status = v.getStatus();
      String resource = "";
      if ((status & ((1 << 7) | (1 << 6))) != 0) {
        resource = path((int) v.getShmid(), fd_types.REG);
      } else if ((status & (1 << 3)) != 0) {
        resource = "[vdso]";
      } else if ((status & (1 << 2)) != 0) {
        resource = "[vsyscall]";
      } else if ((status & (1 << 1)) != 0) {
        resource = "[stack]";
      } else if ((status & (1 << 8)) != 0) {
        resource = "[shmem]";
      }
      int prot = v.getProt();
      String protection = ((prot & 1) != 0 ? "r" : "-") + ((prot & 2) != 0 ? "w" : "-") + ((prot & 4) != 0 ? "x" : "-");
      out.add(new MemoryArea(v.getStart(), v.getEnd(), protection, (v.getFlags() & MAP_SHARED) != 0, resource));
    }
    return out;
  }

  /**
   * The process's memory as the pagemap describes it. Every entry is checked against the pages
   * image: an entry that claims more pages than the image holds (an "endless" pagemap) fails here,
   * naming the pagemap member and the entry.
   */
  public ProcessMemory memory(int pid) throws IOException {
    mm_entry mm = mm(pid).orElseThrow(() -> new ArchiveFormatException(prefix + "mm-" + pid + ".img", 0,
        "image missing from the archive"));
    int pageSize = pageSize(mm);
    String pagemapName = prefix + "pagemap-" + pid + ".img";
    var pagemap = CriuImageDecoder.pagemap(pagemapName, require("pagemap-" + pid + ".img"), pagemap_head.parser(),
        pagemap_entry.parser());
    int pagesId = pagemap.head().getPagesId();
    Optional<TarMember> pages = image("pages-" + pagesId + ".img");
    long pagesSize = pages.map(TarMember::size).orElse(0L);
    List<MemoryRun> runs = new ArrayList<>();
    long offset = 0;
    long lastEnd = Long.MIN_VALUE;
    int index = 0;
    for (pagemap_entry e : pagemap.entries()) {
      index++;
      long count = e.hasNrPages() ? e.getNrPages() : e.getCompatNrPages() & 0xffffffffL;
      boolean inFile = e.hasFlags() ? (e.getFlags() & PE_PRESENT) != 0 && (e.getFlags() & PE_PARENT) == 0
          : !e.getInParent();
      long maxPages = (Long.MAX_VALUE - e.getVaddr()) / pageSize;
      if (count < 0 || count > maxPages || Long.compareUnsigned(e.getVaddr(), lastEnd) < 0 && lastEnd != Long.MIN_VALUE) {
        throw new ArchiveFormatException(pagemapName, index, "pagemap entry " + index + " is out of order or"
            + " overflows the address space (vaddr 0x" + Long.toHexString(e.getVaddr()) + ", " + count + " pages)");
      }
      if (inFile) {
        if (count > (pagesSize - offset) / pageSize) {
          throw new ArchiveFormatException(pagemapName, index, "pagemap entry " + index + " needs " + count
              + " pages at offset " + offset + " but pages-" + pagesId + ".img holds " + pagesSize + " bytes");
        }
        runs.add(new MemoryRun(e.getVaddr(), count, true, offset, e.getFlags()));
        offset += count * pageSize;
      } else {
        runs.add(new MemoryRun(e.getVaddr(), count, false, -1, e.getFlags()));
      }
      lastEnd = e.getVaddr() + count * pageSize;
    }
    long shared = 0;
    for (vma_entry v : mm.getVmasList()) {
      if ((v.getFlags() & MAP_SHARED) != 0) {
        shared += v.getEnd() - v.getStart();
      }
    }
    return new ProcessMemory(tar, pid, pageSize, runs, pages.orElse(null), shared, mm);
  }

  /** How many seccomp filters the tree installed (seccomp.img); 0 when there is no image. */
  public int seccompFilterCount() throws IOException {
    Optional<TarMember> m = image("seccomp.img");
    if (m.isEmpty()) {
      return 0;
    }
    return CriuImageDecoder.single(m.get().name(), tar.readAll(m.get()), CriuMagic.SECCOMP,
        seccomp_entry.parser()).getSeccompFiltersCount();
  }

  private Map<Integer, file_entry> files() throws IOException {
    if (files == null) {
      Map<Integer, file_entry> map = new HashMap<>();
      Optional<TarMember> m = image("files.img");
      if (m.isPresent()) {
        for (file_entry f : CriuImageDecoder.entries(m.get().name(), tar.readAll(m.get()), CriuMagic.FILES,
            file_entry.parser())) {
          map.put(f.getId(), f);
        }
      }
      files = map;
    }
    return files;
  }

  private Map<Integer, reg_file_entry> regFiles() throws IOException {
    if (regFiles == null) {
      Map<Integer, reg_file_entry> map = new HashMap<>();
      Optional<TarMember> m = image("reg-files.img");
      if (m.isPresent()) {
        for (reg_file_entry f : CriuImageDecoder.entries(m.get().name(), tar.readAll(m.get()), CriuMagic.REG_FILES,
            reg_file_entry.parser())) {
          map.put(f.getId(), f);
        }
      }
      regFiles = map;
    }
    return regFiles;
  }

  /** A file's name as crit shows it: the path of a regular file, else "TYPE.id". */
  private String path(int id, fd_types type) throws IOException {
    file_entry f = files().get(id);
    switch (type) {
      case REG -> {
        if (f != null) {
          return f.hasReg() ? f.getReg().getName() : "unknown";
        }
        reg_file_entry r = regFiles().get(id);
        return r != null ? r.getName() : "unknown";
      }
      case PIPE -> {
        return f != null && f.hasPipe() ? "pipe[" + f.getPipe().getPipeId() + "]" : "pipe[?]";
      }
      case UNIXSK -> {
        if (f != null && f.hasUsk()) {
          return "socket:[" + f.getUsk().getIno() + "]";
        }
        return "socket:[?]";
      }
      default -> {
        return type.name() + "." + id;
      }
    }
  }

  private OpenSocket socket(fdinfo_entry fd, file_entry f) {
    if (f == null) {
      return null;
    }
    if (fd.getType() == fd_types.INETSK && f.hasIsk()) {
      inet_sk_entry s = f.getIsk();
      String kind = switch (s.getProto()) {
        case 6 -> "TCP";
        case 17 -> "UDP";
        case 132 -> "SCTP";
        default -> "IP(" + s.getProto() + ")";
      };
      return new OpenSocket(fd.getFd(), kind, family(s.getFamily()), sockType(s.getType()),
          "TCP".equals(kind) ? tcpState(s.getState()) : "", address(s.getSrcAddrList()), s.getSrcPort(),
          address(s.getDstAddrList()), s.getDstPort(), s.getOpts().getSoSndbuf() & 0xffffffffL,
          s.getOpts().getSoRcvbuf() & 0xffffffffL);
    }
    if (fd.getType() == fd_types.UNIXSK && f.hasUsk()) {
      unix_sk_entry s = f.getUsk();
      byte[] name = s.getName().toByteArray();
      String path = name.length > 0 && name[0] == 0
          ? "@" + new String(name, 1, name.length - 1, java.nio.charset.StandardCharsets.UTF_8)
          : new String(name, java.nio.charset.StandardCharsets.UTF_8);
      return new OpenSocket(fd.getFd(), "UNIX", "UNIX", sockType(s.getType()), tcpState(s.getState()), path, 0, "", 0,
          s.getOpts().getSoSndbuf() & 0xffffffffL, s.getOpts().getSoRcvbuf() & 0xffffffffL);
    }
    if (fd.getType() == fd_types.PACKETSK || fd.getType() == fd_types.NETLINKSK) {
      return new OpenSocket(fd.getFd(), fd.getType().name(), "", "", "", "", 0, "", 0, 0, 0);
    }
    return null;
  }

  private static String family(int f) {
    return switch (f) {
      case 1 -> "UNIX";
      case 2 -> "IPv4";
      case 10 -> "IPv6";
      default -> Integer.toString(f);
    };
  }

  private static String sockType(int t) {
    return switch (t) {
      case 1 -> "STREAM";
      case 2 -> "DGRAM";
      case 3 -> "RAW";
      case 5 -> "SEQPACKET";
      default -> Integer.toString(t);
    };
  }

  private static String tcpState(int s) {
    return switch (s) {
      case 0 -> "";
      case 1 -> "ESTABLISHED";
      case 2 -> "SYN_SENT";
      case 3 -> "SYN_RECV";
      case 4 -> "FIN_WAIT1";
      case 5 -> "FIN_WAIT2";
      case 6 -> "TIME_WAIT";
      case 7 -> "CLOSE";
      case 8 -> "CLOSE_WAIT";
      case 9 -> "LAST_ACK";
      case 10 -> "LISTEN";
      case 11 -> "CLOSING";
      default -> Integer.toString(s);
    };
  }

  /** CRIU stores addresses as little-endian u32 words: one for IPv4, four for IPv6. */
  static String address(List<Integer> words) {
    byte[] b = new byte[words.size() * 4];
    for (int i = 0; i < words.size(); i++) {
      int w = words.get(i);
      b[i * 4] = (byte) w;
      b[i * 4 + 1] = (byte) (w >>> 8);
      b[i * 4 + 2] = (byte) (w >>> 16);
      b[i * 4 + 3] = (byte) (w >>> 24);
    }
    if (b.length != 4 && b.length != 16) {
      return "";
    }
    try {
      String s = java.net.InetAddress.getByAddress(b).getHostAddress();
      return b.length == 16 ? compressIpv6(s) : s;
    } catch (java.net.UnknownHostException e) {
      return "";
    }
  }

  private static String compressIpv6(String full) {
    // Java prints 0:0:0:0:0:0:0:1; Go (and the analyst) expect ::1
    String s = full.replaceAll("(^|:)0+(?=[0-9a-f])", "$1");
    String best = null;
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(^|:)(0(:0)+)(:|$)").matcher(s);
    while (m.find()) {
      if (best == null || m.group(2).length() > best.length()) {
        best = m.group(2);
      }
    }
    if (best == null) {
      return s;
    }
    int at = s.indexOf(best);
    String head = s.substring(0, at);
    String tail = s.substring(at + best.length());
    if (head.endsWith(":")) {
      head = head.substring(0, head.length() - 1);
    }
    if (tail.startsWith(":")) {
      tail = tail.substring(1);
    }
    return head + "::" + tail;
  }

  /** The general-purpose registers of whatever architecture the core image names, by reflection. */
  private static Map<String, String> registers(core_entry core) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<FieldDescriptor, Object> f : core.getAllFields().entrySet()) {
      String name = f.getKey().getName();
      if (!(name.startsWith("ti_") || name.equals("thread_info")) || !(f.getValue() instanceof Message ti)) {
        continue;
      }
      FieldDescriptor gp = ti.getDescriptorForType().findFieldByName("gpregs");
      if (gp == null || !ti.hasField(gp)) {
        continue;
      }
      Message regs = (Message) ti.getField(gp);
      for (Map.Entry<FieldDescriptor, Object> r : regs.getAllFields().entrySet()) {
        FieldDescriptor d = r.getKey();
        if (d.isRepeated()) {
          List<?> values = (List<?>) r.getValue();
          for (int i = 0; i < values.size(); i++) {
            out.put(d.getName() + "[" + i + "]", hex(values.get(i)));
          }
        } else {
          out.put(d.getName(), hex(r.getValue()));
        }
      }
    }
    return out;
  }

  private static String hex(Object v) {
    if (v instanceof Long l) {
      return "0x" + Long.toHexString(l);
    }
    if (v instanceof Integer i) {
      return "0x" + Integer.toHexString(i);
    }
    return String.valueOf(v);
  }
}
