package io.ckpt.forensics.bench;

import com.google.protobuf.MessageLite;
import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.archive.CriuImageDecoder;
import io.ckpt.forensics.archive.CriuMagic;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.bench.TimedProcess.Sample;
import io.ckpt.forensics.archive.criu.Mm.mm_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_entry;
import io.ckpt.forensics.archive.criu.Pagemap.pagemap_head;
import io.ckpt.forensics.archive.criu.Vma.vma_entry;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.lab.TarWriter;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The archive benchmark (a command, not a test; {@code operator/bench-archive} runs it): fcp versus
 * checkpointctl, start-up ({@code --help}), {@code inspect --all} and {@code memparse --search}, on
 * the fixture archive and on a generated archive with 1 GiB of pages, and {@code summary} (against
 * {@code checkpointctl show}) on the latter, each command run several times
 * as a separate process, reporting median wall time and peak RSS. fcp runs four ways: the
 * distribution's launcher (bin/fcp of target/fcp-VERSION.tar.gz, unpacked under target/bench/),
 * {@code operator/fcp} (the same launcher on target/fcp-VERSION.jar, after its staleness check), the
 * distribution's launcher with {@code JAVA_OPTS=-XX:TieredStopAtLevel=1} (C1 only, as it ran before), and a
 * plain {@code java -jar} without the launcher's JVM options. Writes a Markdown table to
 * {@code target/bench/archive-results.md} and prints it.
 *
 * <p>System properties: {@code project.root} (default "."), {@code bench.runs} (5),
 * {@code bench.pagesMiB} (1024), {@code bench.checkpointctl} (path of the binary, required),
 * {@code bench.inProcess} (true: also time fcp warmed inside this JVM).
 */
public final class ArchiveBench {

  static final String NEEDLE = "FCP-BENCH-NEEDLE-5e1f7c93";
  /** Where the large archive's extra memory area starts (inside aarch64's 39-bit user space). */
  static final long BIG_AREA = 0x50_0000_0000L;
  static final int PID = 2956;
  static final int PAGE = 4096;
  /** The fixture's stack holds the environment; ANDROID_ROOT is in it (docs/fcp.md example). */
  static final String FIXTURE_NEEDLE = "ANDROID_ROOT";

  private final Path root;
  private final Path benchDir;
  private final Path checkpointctl;
  private final int runs;
  private final long pagesBytes;
  private final boolean inProcess;
  private final boolean timeBinary;

  private ArchiveBench(Path root, Path checkpointctl, int runs, long pagesBytes, boolean inProcess) {
    this.root = root;
    this.benchDir = root.resolve("target/bench");
    this.checkpointctl = checkpointctl;
    this.runs = runs;
    this.pagesBytes = pagesBytes;
    this.inProcess = inProcess;
    this.timeBinary = TimedProcess.usesTimeBinary();
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();
    String ctl = System.getProperty("bench.checkpointctl", "");
    if (ctl.isBlank() || !Files.isExecutable(Path.of(ctl))) {
      System.err.println("archive bench: no checkpointctl binary (-Dbench.checkpointctl=PATH; operator/provision builds it)");
      System.exit(2);
    }
    int runs = Integer.getInteger("bench.runs", 5);
    long pagesMiB = Long.getLong("bench.pagesMiB", 1024);
    boolean inProcess = Boolean.parseBoolean(System.getProperty("bench.inProcess", "true"));
    if (runs < 1 || runs > 50 || pagesMiB < 1 || pagesMiB > 8192) {
      System.err.println("archive bench: bench.runs must be 1..50 and bench.pagesMiB 1..8192");
      System.exit(2);
    }
    new ArchiveBench(root, Path.of(ctl), runs, pagesMiB << 20, inProcess).run();
  }

  // ---------------------------------------------------------------- archives

  /** What the bench needs to know about an archive it built. */
  record Archive(String label, Path file, String needle, long needleAddress) {
  }

  private Archive fixtureArchive() throws IOException {
    Path file = benchDir.resolve("archives/checkpoint-fixture.tar");
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(FixtureArchives.members(Flavour.CRIO_OPERATOR), out);
    }
    return new Archive("fixture", file, FIXTURE_NEEDLE, -1);
  }

  /**
   * The fixture archive with process 2956's pagemap, pages and mm scaled up: one extra anonymous
   * read-write area at {@link #BIG_AREA} whose pages bring pages-1.img to exactly {@code pagesBytes}.
   * The pages are written sequentially (a 1 MiB pseudo-random block repeated), with the needle in
   * the last page of the area; only the 24 pages of the fixture's later areas follow it in the file.
   * Streams to disk with bounded memory; reused when an earlier run built the same file.
   */
  private Archive largeArchive() throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    String pagemapName = "checkpoint/pagemap-" + PID + ".img";
    String mmName = "checkpoint/mm-" + PID + ".img";
    String pagesName = "checkpoint/pages-1.img";
    byte[] pagemapImage = members.get(pagemapName);
    byte[] pages = members.get(pagesName);
    var pagemap = CriuImageDecoder.pagemap(pagemapName, pagemapImage, pagemap_head.parser(), pagemap_entry.parser());
    long fixturePages = pages.length / PAGE;
    long bigPages = pagesBytes / PAGE - fixturePages;
    if (bigPages < 1) {
      throw new IllegalStateException("bench.pagesMiB is smaller than the fixture's pages");
    }
    // the fixture's entries with nr_pages set as today's CRIU writes it (the aarch64 fixture has
    // only compat_nr_pages, which checkpointctl v1.6.0 ignores), plus the big area in address order
    List<pagemap_entry> entries = new ArrayList<>();
    long pagesBefore = 0;
    boolean inserted = false;
    for (pagemap_entry e : pagemap.entries()) {
      if (!inserted && Long.compareUnsigned(e.getVaddr(), BIG_AREA) > 0) {
        entries.add(bigEntry(bigPages));
        inserted = true;
      }
      long n = e.hasNrPages() ? e.getNrPages() : e.getCompatNrPages() & 0xffffffffL;
      if (!inserted) {
        pagesBefore += n;
      }
      entries.add(e.toBuilder().setCompatNrPages((int) n).setNrPages(n).buildPartial());
    }
    if (!inserted) {
      entries.add(bigEntry(bigPages));
    }
    long needleInArea = (bigPages - 1) * PAGE + 0x123;
    long needleAddress = BIG_AREA + needleInArea;
    long needleFileOffset = pagesBefore * PAGE + needleInArea;
    // checkpointctl searches each pagemap entry in 10 MiB chunks from the entry's start and misses a
    // match across a chunk boundary; keep the needle inside one chunk so both can find it
    long chunk = 10L << 20;
    if (needleInArea / chunk != (needleInArea + NEEDLE.length() - 1) / chunk) {
      throw new IllegalStateException("needle straddles a 10 MiB chunk; change its offset");
    }

    ByteArrayOutputStream pm = new ByteArrayOutputStream();
    pm.write(pagemapImage, 0, 8); // the two magics
    entry(pm, pagemap_head.newBuilder().setPagesId(pagemap.head().getPagesId()).build());
    for (pagemap_entry e : entries) {
      entry(pm, e);
    }
    byte[] mmImage = members.get(mmName);
    mm_entry mm = CriuImageDecoder.single(mmName, mmImage, CriuMagic.MM, mm_entry.parser());
    vma_entry template = mm.getVmasList().stream()
        .filter(v -> v.getStart() == 0x744ca00000L).findFirst().orElseThrow(); // anonymous, private, rw-
    List<vma_entry> vmas = new ArrayList<>(mm.getVmasList());
    int at = 0;
    while (at < vmas.size() && Long.compareUnsigned(vmas.get(at).getStart(), BIG_AREA) < 0) {
      at++;
    }
    vmas.add(at, template.toBuilder().setStart(BIG_AREA).setEnd(BIG_AREA + bigPages * PAGE).buildPartial());
    ByteArrayOutputStream mmOut = new ByteArrayOutputStream();
    mmOut.write(mmImage, 0, 8);
    entry(mmOut, mm.toBuilder().clearVmas().addAllVmas(vmas).buildPartial());

    Path file = benchDir.resolve("archives/checkpoint-large-" + (pagesBytes >> 20) + "mib.tar");
    Path stamp = file.resolveSibling(file.getFileName() + ".needle");
    String stampText = NEEDLE + " " + Long.toHexString(needleAddress) + " " + needleFileOffset + " v1\n";
    if (Files.exists(file) && Files.exists(stamp) && Files.readString(stamp).equals(stampText)) {
      return new Archive("large", file, NEEDLE, needleAddress);
    }
    Files.deleteIfExists(stamp);
    System.err.printf("archive bench: writing %s (%d MiB of pages)%n", file, pagesBytes >> 20);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long fixtureBytesBefore = pagesBefore * PAGE;
    try (TarWriter tar = new TarWriter(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
      for (Map.Entry<String, byte[]> m : members.entrySet()) {
        String name = m.getKey();
        if (name.endsWith("/")) {
          tar.directory(name, 0700, 1706380245L);
        } else if (name.equals(pagemapName)) {
          tar.file(name, 0600, 1706380245L, pm.toByteArray());
        } else if (name.equals(mmName)) {
          tar.file(name, 0600, 1706380245L, mmOut.toByteArray());
        } else if (name.equals(pagesName)) {
          tar.file(name, 0600, 1706380245L, pagesBytes, out -> {
            out.write(pages, 0, (int) fixtureBytesBefore);
            writeArea(out, bigPages * PAGE, needleInArea);
            out.write(pages, (int) fixtureBytesBefore, (int) (pages.length - fixtureBytesBefore));
          });
        } else {
          tar.file(name, 0600, 1706380245L, m.getValue());
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(stamp, stampText);
    return new Archive("large", file, NEEDLE, needleAddress);
  }

  private static pagemap_entry bigEntry(long pages) {
    return pagemap_entry.newBuilder().setVaddr(BIG_AREA).setCompatNrPages((int) pages).setNrPages(pages)
        .setFlags(4 /* PE_PRESENT */).build();
  }

  private static void entry(ByteArrayOutputStream out, MessageLite m) {
    byte[] b = m.toByteArray();
    int n = b.length;
    out.write(n);
    out.write(n >>> 8);
    out.write(n >>> 16);
    out.write(n >>> 24);
    out.write(b, 0, n);
  }

  /** {@code size} bytes of pseudo-random memory with the needle at {@code needleAt}, 1 MiB at a time. */
  private static void writeArea(OutputStream out, long size, long needleAt) throws IOException {
    byte[] block = new byte[1 << 20];
    new SplittableRandom(20240128L).nextBytes(block);
    byte[] needle = NEEDLE.getBytes(StandardCharsets.US_ASCII);
    byte[] patched = block.clone();
    for (long pos = 0; pos < size; pos += block.length) {
      int n = (int) Math.min(block.length, size - pos);
      if (needleAt >= pos && needleAt < pos + n) {
        int off = (int) (needleAt - pos);
        if (off + needle.length > n) {
          throw new IllegalStateException("needle crosses a 1 MiB block");
        }
        System.arraycopy(needle, 0, patched, off, needle.length);
        out.write(patched, 0, n);
      } else {
        out.write(block, 0, n);
      }
    }
  }

  // ---------------------------------------------------------------- processes

  private static Sample runProcess(List<String> command, Path stdout, Map<String, String> env) throws Exception {
    return TimedProcess.run(command, stdout, env);
  }

  private static long longField(String text, String regex) {
    return TimedProcess.longField(text, regex);
  }

  // ---------------------------------------------------------------- scenarios

  record Scenario(String name, Archive archive, List<String> fcpArgs, List<String> ctlArgs) {
  }

  /** One way of running a tool: the command before the scenario's arguments, and its environment. */
  record Tool(String name, List<String> command, Map<String, String> env) {
  }

  /** Each tool's measured samples, in the order of {@link #tools}; checkpointctl's are the last. */
  record Result(Scenario scenario, Map<String, List<Sample>> samples, double inProcessMs, String agreement) {
  }

  private String loadAtStart = "";

  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private void run() throws Exception {
    loadAtStart = load();
    Files.createDirectories(benchDir.resolve("out"));
    Path ctlTmp = benchDir.resolve("tmp");
    Files.createDirectories(ctlTmp);
    Archive fixture = fixtureArchive();
    Archive large = largeArchive();
    List<Scenario> scenarios = new ArrayList<>();
    for (Archive a : List.of(fixture, large)) {
      String f = a.file().toString();
      scenarios.add(new Scenario("inspect --all, " + a.label(), a, List.of("inspect", "--all", f),
          List.of("inspect", "--all", f)));
      List<String> search = List.of("memparse", "--pid", Integer.toString(PID), "--search", a.needle(), f);
      scenarios.add(new Scenario("memparse --search, " + a.label(), a, search, search));
    }
    // summary hashes the whole archive too; checkpointctl's nearest command is show
    String big = large.file().toString();
    scenarios.add(new Scenario("summary, large", large, List.of("summary", big), List.of("show", big)));
    // last: the launchers' class-data archives hold the classes of the run that dumped them, the
    // first one (a warm-up), and a user's first command is rather an inspect than --help
    scenarios.add(new Scenario("start-up (--help)", null, List.of("--help"), List.of("--help")));
    List<Tool> tools = tools(ctlTmp);
    List<Result> results = new ArrayList<>();
    for (Scenario s : scenarios) {
      System.err.printf("archive bench: %s (1 warm-up + %d runs each, interleaved)%n", s.name(), runs);
      Map<String, List<Sample>> samples = new LinkedHashMap<>();
      String slug = s.name().replaceAll("[^a-z0-9]+", "-");
      for (int i = 0; i <= runs; i++) {
        for (Tool tool : tools) {
          List<String> command = new ArrayList<>(tool.command());
          command.addAll(tool == tools.get(tools.size() - 1) ? s.ctlArgs() : s.fcpArgs());
          String toolSlug = tool.name().replaceAll("[^a-z0-9]+", "-");
          Sample a = runProcess(command, benchDir.resolve("out/" + slug + "-" + toolSlug + "-" + i + ".txt"), tool.env());
          if (a.exit() != 0) {
            throw new IllegalStateException(s.name() + ": " + tool.name() + " exited with " + a.exit() + " (see "
                + benchDir.resolve("out") + ")");
          }
          if (i > 0) { // run 0 warms the page cache, and dumps the launchers' class-data archives
            samples.computeIfAbsent(tool.name(), k -> new ArrayList<>()).add(a);
          }
        }
      }
      double warm = inProcess && s.archive() != null ? inProcessMedian(s.fcpArgs()) : -1;
      results.add(new Result(s, samples, warm, agreement(s, samples.get(tools.get(0).name()).get(0),
          samples.get(CHECKPOINTCTL).get(0))));
    }
    String reads = bytesRead(large);
    String table = table(results, fixture, large, reads);
    Path md = benchDir.resolve("archive-results.md");
    Files.writeString(md, table);
    System.out.print(table);
    System.err.println("archive bench: written to " + md);
  }

  static final String CHECKPOINTCTL = "checkpointctl";
  static final String C1_ONLY = "bin/fcp, C1 only";

  /**
   * fcp's four ways and checkpointctl (last). The launchers keep their class-data archives under
   * target/bench/cds, so each one's warm-up run dumps its own.
   */
  private List<Tool> tools(Path ctlTmp) throws Exception {
    String version = PomVersion.read();
    Path tarball = root.resolve("target/fcp-" + version + ".tar.gz");
    Path jar = root.resolve("target/fcp-" + version + ".jar");
    if (!Files.isRegularFile(tarball) || !Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + tarball + " or " + jar + ": run ./mvnw package first");
    }
    Path dist = benchDir.resolve("dist");
    if (Files.isDirectory(dist)) {
      try (var old = Files.walk(dist)) {
        old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(dist);
    Sample untar = runProcess(List.of("tar", "-xzf", tarball.toString(), "-C", dist.toString()),
        benchDir.resolve("out/untar.txt"), Map.of());
    if (untar.exit() != 0) {
      throw new IllegalStateException("cannot unpack " + tarball);
    }
    Map<String, String> cds = Map.of("XDG_CACHE_HOME", benchDir.resolve("cds").toString());
    Map<String, String> checkout = new java.util.HashMap<>(cds);
    checkout.put("FCP_BUILD_DIR", root.resolve("target").toString());
    // the launcher's options before they kept C2 (JAVA_OPTS comes last, so it wins), with its own
    // class-data archive: what dropping C1-only changed, in the same run
    Map<String, String> c1Only = Map.of("XDG_CACHE_HOME", benchDir.resolve("cds-c1").toString(),
        "JAVA_OPTS", "-XX:TieredStopAtLevel=1");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        new Tool("fcp (bin/fcp)", List.of(dist.resolve("fcp-" + version + "/bin/fcp").toString()), cds),
        new Tool("operator/fcp", List.of(root.resolve("operator/fcp").toString()), checkout),
        new Tool(C1_ONLY, List.of(dist.resolve("fcp-" + version + "/bin/fcp").toString()), c1Only),
        new Tool("java -jar", List.of(java, "-jar", jar.toString()), Map.of()),
        new Tool(CHECKPOINTCTL, List.of(checkpointctl.toString()), Map.of("TMPDIR", ctlTmp.toString())));
  }

  /** fcp inside this JVM: 3 warm-up calls, then the median of the configured number of runs. */
  private double inProcessMedian(List<String> args) {
    String[] a = args.toArray(String[]::new);
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    for (int i = 0; i < 3; i++) {
      FcpMain.run(a, sink, sink);
    }
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t = System.nanoTime();
      FcpMain.run(a, sink, sink);
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return median(ms);
  }

  /** rchar of fcp (in a plain `java -cp` process) during inspect --all and the search on the large archive. */
  private String bytesRead(Archive large) throws Exception {
    long size = Files.size(large.file());
    StringBuilder sb = new StringBuilder();
    String cp = root.resolve("target/test-classes") + ":" + root.resolve("target/classes") + ":"
        + Files.readString(root.resolve("target/test-classpath.txt")).strip();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (List<String> args : List.of(List.of("inspect", "--all", large.file().toString()),
        List.of("memparse", "--pid", Integer.toString(PID), "--search", large.needle(), large.file().toString()))) {
      List<String> cmd = new ArrayList<>(List.of(java, "-cp", cp, ReadCounter.class.getName()));
      cmd.addAll(args);
      Path out = benchDir.resolve("out/read-counter-" + args.get(0) + ".txt");
      Sample s = runProcess(cmd, out, Map.of());
      String line = Files.readString(out).strip();
      long rchar = longField(line, "rchar=(\\d+)");
      long first = longField(line, "first=(\\d+)");
      sb.append(String.format(Locale.ROOT, "- `fcp %s` on the large archive (%s): reads %s = %.5f x the archive size"
              + " (rchar from /proc/self/io around a second run in one JVM; the first run, with class loading from"
              + " the jars of the full test classpath, read %s).%n",
          String.join(" ", args.subList(0, args.size() - 1)).replace(large.needle(), "NEEDLE"), mib(size),
          mib(rchar), rchar / (double) size, mib(first)));
      if (s.exit() != 0) {
        sb.append("  (exit ").append(s.exit()).append(")\n");
      }
    }
    return sb.toString();
  }

  private static final List<String> SHARED_INSPECT_KEYS = List.of("Image:", "ID:", "Runtime:", "Created:",
      "Checkpointed:", "Engine:", "IP:", "Checkpoint size:", "Memory pages size:", "Freezing time:", "Frozen time:",
      "Memdump time:", "Memwrite time:", "Pages scanned:", "Pages written:", "Pod name:", "Kubernetes namespace:",
      "[TTY 0]", "[TTY 1]", "[TTY 2]", "[cwd]", "[root]");

  private String agreement(Scenario s, Sample fcp, Sample ctl) throws IOException {
    if (s.archive() == null) {
      return "not compared (help texts)";
    }
    if (s.fcpArgs().get(0).equals("summary")) {
      return "not compared (fcp summary and checkpointctl show print different things)";
    }
    String ours = Files.readString(fcp.stdout());
    String theirs = Files.readString(ctl.stdout());
    if (s.fcpArgs().get(0).equals("inspect")) {
      List<String> differ = new ArrayList<>();
      for (String key : SHARED_INSPECT_KEYS) {
        if (!line(ours, key).equals(line(theirs, key))) {
          differ.add(key);
        }
      }
      return differ.isEmpty()
          ? "both outputs agree on all " + SHARED_INSPECT_KEYS.size() + " shared lines (" + line(ours, "Memory pages size:").strip() + ")"
          : "outputs differ on " + differ;
    }
    List<String> a = addresses(ours);
    List<String> b = addresses(theirs);
    String want = s.archive().needleAddress() < 0 ? null : String.format("%016x", s.archive().needleAddress());
    String fcpSays = a.isEmpty() ? "fcp found no match" : "fcp found " + a.size() + " match(es) at " + a;
    String ctlSays = b.isEmpty() ? "checkpointctl found no match" : "checkpointctl found " + b.size() + " match(es) at " + b;
    String verdict;
    if (want != null) {
      verdict = a.equals(List.of(want)) && b.equals(List.of(want)) ? "both found the needle at its known address "
          + want : "needle expected at " + want;
    } else {
      verdict = a.equals(b) ? "agree" : "disagree";
    }
    return fcpSays + "; " + ctlSays + "; " + verdict;
  }

  private static List<String> addresses(String out) {
    List<String> list = new ArrayList<>();
    for (String l : out.lines().toList()) {
      Matcher m = Pattern.compile("^([0-9a-f]{16})\\s").matcher(l);
      if (m.find()) {
        list.add(m.group(1));
      }
    }
    return list;
  }

  private static String line(String text, String key) {
    return text.lines().filter(l -> l.contains(key)).findFirst().orElse("<missing " + key + ">").stripTrailing();
  }

  // ---------------------------------------------------------------- report

  private String table(List<Result> results, Archive fixture, Archive large, String reads) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("## Archive benchmark: fcp vs checkpointctl\n\n");
    sb.append(String.format(Locale.ROOT, "%s; %d runs per command after one warm-up run, medians; %d CPUs (shared);"
            + " Java %s; checkpointctl %s.%n",
        Instant.now().toString().substring(0, 19) + "Z", runs, Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), checkpointctl));
    sb.append(String.format(Locale.ROOT, "Archives: fixture %s (%s), large %s (%s, pages-1.img %s).%n",
        root.relativize(fixture.file()), mib(Files.size(fixture.file())), root.relativize(large.file()),
        mib(Files.size(large.file())), mib(pagesBytes)));
    sb.append("fcp runs as the distribution's `bin/fcp` (one JVM per command: ").append(fcpJvmOptions())
        .append("; `operator/fcp` is the same launcher on target/fcp-VERSION.jar after its staleness check;"
            + " `" + C1_ONLY + "` adds `JAVA_OPTS=-XX:TieredStopAtLevel=1`; `java -jar` has no JVM options")
        .append("); peak RSS from ").append(timeBinary ? "`/usr/bin/time -v`" : "polling VmHWM")
        .append("; checkpointctl's TMPDIR is target/bench/tmp. Load average (1/5/15 min) at the start ")
        .append(loadAtStart).append(", at the end ").append(load())
        .append(": the CPUs are shared with other builds, so expect noise between runs.\n\n");
    sb.append("| scenario | run as | median ms | peak RSS MiB | speed ratio (ctl/fcp) | RSS ratio (fcp/ctl) |\n");
    sb.append("|---|---|---:|---:|---:|---:|\n");
    for (Result r : results) {
      double c = median(r.samples().get(CHECKPOINTCTL).stream().mapToDouble(Sample::wallMs).toArray());
      double cr = median(r.samples().get(CHECKPOINTCTL).stream().mapToDouble(x -> x.peakRssKiB() / 1024.0).toArray());
      for (Map.Entry<String, List<Sample>> tool : r.samples().entrySet()) {
        double f = median(tool.getValue().stream().mapToDouble(Sample::wallMs).toArray());
        double fr = median(tool.getValue().stream().mapToDouble(x -> x.peakRssKiB() / 1024.0).toArray());
        boolean ctl = tool.getKey().equals(CHECKPOINTCTL);
        sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.1f | %s | %s |%n", r.scenario().name(), tool.getKey(),
            f, fr, ctl ? "" : String.format(Locale.ROOT, "%.2fx", c / f),
            ctl ? "" : String.format(Locale.ROOT, "%.2f", fr / cr)));
      }
    }
    sb.append("\nfcp warmed inside one JVM (median ms; what start-up costs is the difference):");
    for (Result r : results) {
      if (r.inProcessMs() >= 0) {
        sb.append(String.format(Locale.ROOT, " %s %.0f;", r.scenario().name(), r.inProcessMs()));
      }
    }
    sb.append("\n");
    sb.append("\nOutputs (first measured run of each):\n");
    for (Result r : results) {
      sb.append("- ").append(r.scenario().name()).append(": ").append(r.agreement()).append(".\n");
    }
    sb.append("\nBytes read and written:\n");
    sb.append(reads);
    for (Result r : results) {
      if (r.scenario().archive() == null) {
        continue;
      }
      long fo = (long) median(r.samples().values().iterator().next().stream().mapToDouble(Sample::fsOutputBytes).toArray());
      long co = (long) median(r.samples().get(CHECKPOINTCTL).stream().mapToDouble(Sample::fsOutputBytes).toArray());
      if (fo >= 0 && co >= 0) {
        sb.append(String.format(Locale.ROOT, "- %s: file-system writes (time -v, median) fcp %s, checkpointctl %s.%n",
            r.scenario().name(), mib(fo), mib(co)));
      }
    }
    sb.append("\nTargets (issue 6): speed ratio >= 2x, RSS ratio <= 0.5, inspect of the large archive reads it at"
        + " most once.\n");
    sb.append("Raw outputs: target/bench/out/. Spread of the measured runs (min-max ms):\n");
    for (Result r : results) {
      sb.append("- ").append(r.scenario().name()).append(":");
      r.samples().forEach((tool, samples) -> sb.append(" ").append(tool).append(" ").append(spread(samples)).append(";"));
      sb.append("\n");
    }
    return sb.toString();
  }

  /** The JVM options the launcher passes (its {@code jvm_opts=} line), for the report. */
  private String fcpJvmOptions() throws IOException {
    for (String l : Files.readAllLines(root.resolve("src/dist/bin/fcp"))) {
      if (l.startsWith("jvm_opts=")) {
        return "`" + l.substring("jvm_opts=".length()).replace("\"", "") + "`";
      }
    }
    return "no extra JVM options";
  }

  private static String spread(List<Sample> s) {
    double[] v = s.stream().mapToDouble(Sample::wallMs).sorted().toArray();
    return String.format(Locale.ROOT, "%.0f-%.0f", v[0], v[v.length - 1]);
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  private static String mib(long bytes) {
    if (bytes >= (1L << 30)) {
      return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= (1L << 20)) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
  }
}
