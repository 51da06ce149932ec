package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.archive.CheckpointImages;
import io.ckpt.forensics.archive.CheckpointTar;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.archive.MemoryRun;
import io.ckpt.forensics.archive.MemorySearch;
import io.ckpt.forensics.archive.ProcessMemory;
import io.ckpt.forensics.archive.TarMember;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fcp memparse}: memory sizes per process, a hex dump of one, or a search in its pages. */
@Command(name = "memparse", mixinStandardHelpOptions = true,
    description = "Memory of the checkpointed processes: sizes, hex dump (--pid), search (--search / --search-regex).")
final class MemparseCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ARCHIVE", description = "checkpoint archive (OpenPGP-encrypted too; - reads standard input)")
  Path archive;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Option(names = {"-p", "--pid"}, paramLabel = "N", description = "the process to dump or search")
  Integer pid;
  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the hex dump to FILE (not compacted)")
  Path output;
  @Option(names = {"-s", "--search"}, paramLabel = "TEXT", description = "search memory for a literal string")
  String search;
  @Option(names = {"-r", "--search-regex"}, paramLabel = "RE", description = "search memory for a Java regular expression")
  String searchRegex;
  @Option(names = {"-c", "--context"}, paramLabel = "N", defaultValue = "0", description = "bytes of context around a match")
  int context;
  @Option(names = "--from", paramLabel = "ADDR", description = "first address (hex) to dump or search")
  String from;
  @Option(names = "--to", paramLabel = "ADDR", description = "end address (hex, exclusive) to dump or search")
  String to;
  @Option(names = "--max-matches", defaultValue = "10000", description = "stop after this many matches")
  int maxMatches;
  @Option(names = "--time-limit", paramLabel = "SECONDS", defaultValue = "60",
      description = "stop a search after this many seconds (default: ${DEFAULT-VALUE})")
  int timeLimitSeconds;
  @Option(names = "--format", defaultValue = "text",
      description = "text or json, for the sizes and --search (default: ${DEFAULT-VALUE}; the hex dump is text only)")
  OutputFormat format;

  /** The "schema" values of the JSON output (docs/fcp-output.schema.json). */
  static final String JSON_SCHEMA = "fcp.memparse/v1";
  static final String SEARCH_JSON_SCHEMA = "fcp.memparse-search/v1";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    boolean searching = search != null || searchRegex != null;
    // usage errors before anything is read: a stream cannot be read again after them
    Pattern pattern = searching ? pattern() : null;
    address(from, 0);
    address(to, -1);
    Integer[] onePass = {null};
    // from a stream, the process's pages are dumped or searched as they go by (CRIU's images reach
    // the tar in name order: mm-PID and pagemap-PID before pages-N); a file is read by offset below
    CheckpointTar.StreamedVisitor visitor = pid == null ? null : (soFar, member) -> {
      ProcessMemory mem = pagesPassing(soFar, member);
      if (mem != null) {
        try {
          onePass[0] = searching ? search(mem, pattern, out) : dump(mem, out);
        } catch (UserError e) {
          throw new UserErrorWhileReading(e);
        }
      }
    };
    try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), false, visitor)) {
      if (onePass[0] != null) {
        return onePass[0];
      }
      CheckpointTar tar = in.tar();
      CheckpointImages images = CheckpointImages.of(tar)
          .orElseThrow(() -> new UserError(archive + " holds no CRIU images (no checkpoint/pstree.img)"));
      if (searching) {
        return search(memoryOf(images), pattern, out);
      }
      if (pid != null) {
        if (format == OutputFormat.json) {
          throw new UserError("--format json covers the sizes and --search; the hex dump of --pid is text only"
              + " (use --output FILE for a dump to keep)");
        }
        return dump(memoryOf(images), out);
      }
      return sizes(images, out);
    } catch (UserErrorWhileReading e) {
      throw e.error;
    }
  }

  /** The memory of the process asked for, if {@code member} (passing in a one-pass read) holds its pages. */
  private ProcessMemory pagesPassing(CheckpointTar soFar, TarMember member) throws IOException {
    Optional<CheckpointImages> images = CheckpointImages.of(soFar);
    if (images.isEmpty() || !member.name().startsWith(images.get().directory() + "pages-")
        || !images.get().hasMemory(pid)
        || soFar.member(images.get().directory() + "pagemap-" + pid + ".img").isEmpty()) {
      return null;
    }
    ProcessMemory mem = images.get().memory(pid);
    return mem.pagesMember() != null && mem.pagesMember().name().equals(member.name()) ? mem : null;
  }

  /** Carries a usage error out of a one-pass read (whose visitor may throw only IOExceptions). */
  private static final class UserErrorWhileReading extends IOException {
    private static final long serialVersionUID = 1L;
    final transient UserError error;

    UserErrorWhileReading(UserError error) {
      super(error.getMessage(), error);
      this.error = error;
    }
  }

  private int sizes(CheckpointImages images, PrintWriter out) throws Exception {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PID", "Process name", "Memory size", "Shared memory size"});
    ObjectNode json = JsonOutput.document(JSON_SCHEMA).put("archive", archive.toString());
    ArrayNode processes = json.putArray("processes");
    for (CheckpointedProcess p : images.processes()) {
      if (!p.state().hasResources()) {
        continue;
      }
      ProcessMemory mem = images.memory(p.pid());
      rows.add(new String[] {Integer.toString(p.pid()), p.comm(), HumanUnits.bytes(mem.pagemapBytes()),
          HumanUnits.bytes(mem.sharedBytes())});
      processes.addObject().put("pid", p.pid()).put("command", p.comm()).put("memory_bytes", mem.pagemapBytes())
          .put("shared_memory_bytes", mem.sharedBytes());
    }
    if (format == OutputFormat.json) {
      JsonOutput.print(out, json);
      return 0;
    }
    UntrustedText.printf(out, "%nDisplaying processes memory sizes from %s%n%n", archive);
    Table.print(out, rows);
    out.flush();
    return 0;
  }

  /**
   * Opens a file that did not exist, readable by its owner only (mode 0600 where the file system
   * has POSIX modes): memory holds secrets, and an existing file (or a link planted in its place)
   * is never overwritten.
   */
  static java.io.OutputStream createNew(Path file) throws IOException, UserError {
    var options = java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      try {
        return Channels.newOutputStream(Files.newByteChannel(file, options,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
      } catch (UnsupportedOperationException e) {
        return Channels.newOutputStream(Files.newByteChannel(file, options));
      }
    } catch (FileAlreadyExistsException e) {
      throw new UserError("--output " + file + " already exists: choose a new file name (fcp never overwrites)");
    }
  }

  private ProcessMemory memoryOf(CheckpointImages images) throws Exception {
    if (pid == null) {
      throw new UserError("--search needs --pid N (use `fcp memparse ARCHIVE` to list the processes)");
    }
    CheckpointedProcess p = images.process(pid).orElseThrow(() -> new UserError("no process with PID " + pid
        + " (use `fcp inspect --ps-tree` to view all PIDs)"));
    if (!p.state().hasResources()) {
      throw new UserError("process " + pid + " has no memory pages (task state is " + p.state().label() + ")");
    }
    return images.memory(pid);
  }

  private long address(String hex, long fallback) throws UserError {
    if (hex == null) {
      return fallback;
    }
    try {
      return Long.parseUnsignedLong(hex.startsWith("0x") ? hex.substring(2) : hex, 16);
    } catch (NumberFormatException e) {
      throw new UserError("not a hex address: " + hex);
    }
  }

  /** The pattern to search for; checks the search options. */
  private Pattern pattern() throws UserError {
    if (search != null && searchRegex != null) {
      throw new UserError("use either --search or --search-regex, not both");
    }
    if (pid == null) {
      throw new UserError("--search needs --pid N (use `fcp memparse ARCHIVE` to list the processes)");
    }
    Pattern pattern;
    try {
      pattern = search != null ? MemorySearch.literal(search) : Pattern.compile(searchRegex);
    } catch (PatternSyntaxException e) {
      throw new UserError("invalid regular expression: " + e.getDescription());
    }
    if (timeLimitSeconds <= 0) {
      throw new UserError("--time-limit must be a positive number of seconds");
    }
    return pattern;
  }

  private int search(ProcessMemory mem, Pattern pattern, PrintWriter out) throws IOException, UserError {
    MemorySearch memorySearch = new MemorySearch(pattern, context, address(from, 0), address(to, -1), maxMatches,
        timeLimitSeconds * 1000L, MemorySearch.DEFAULT_MAX_HIT_BYTES);
    var hits = memorySearch.search(mem);
    String shown = search != null ? search : searchRegex;
    if (format == OutputFormat.json) {
      JsonOutput.print(out, searchJson(hits, memorySearch));
      return 0;
    }
    if (hits.isEmpty()) {
      UntrustedText.printf(out, "No matches for pattern \"%s\" in the memory of PID %d%n", shown, pid);
      stopped(memorySearch, out);
      out.flush();
      return ExitCode.FOUND; // as grep: 1 when nothing matched
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Address", "Match", "Instance"});
    for (MemorySearch.Hit h : hits) {
      rows.add(new String[] {String.format("%016x", h.address()), h.text(), Integer.toString(h.instance())});
    }
    Table.print(out, rows);
    stopped(memorySearch, out);
    out.flush();
    return 0;
  }

  private ObjectNode searchJson(List<MemorySearch.Hit> hits, MemorySearch memorySearch) {
    ObjectNode json = JsonOutput.document(SEARCH_JSON_SCHEMA).put("archive", archive.toString()).put("pid", pid);
    json.put("pattern", search != null ? search : searchRegex).put("regex", search == null).put("context", context);
    ArrayNode matches = json.putArray("matches");
    for (MemorySearch.Hit h : hits) {
      // an address is 64 bits unsigned: hex text, as registers are, since a JSON number past 2^53 loses digits
      matches.addObject().put("address", "0x" + Long.toHexString(h.address())).put("text", h.text())
          .put("instance", h.instance());
    }
    // complete: neither a limit nor --max-matches cut the search short, so no match was left out
    json.put("complete", memorySearch.stopReason().isEmpty() && hits.size() < maxMatches);
    if (!memorySearch.stopReason().isEmpty()) {
      json.put("stopped_by", memorySearch.stopReason());
    }
    return json;
  }

  private static void stopped(MemorySearch search, PrintWriter out) {
    if (!search.stopReason().isEmpty()) {
      out.printf("Search stopped early by %s: narrow it with --from/--to, simplify the expression or raise"
          + " --time-limit%n", search.stopReason());
    }
  }

  private int dump(ProcessMemory mem, PrintWriter console) throws IOException, UserError {
    long lo = address(from, 0);
    long hi = address(to, -1);
    Writer target;
    boolean compact = output == null;
    if (output != null) {
      UntrustedText.printf(console, "%nWriting memory pages content for process ID %d from checkpoint: %s to file: %s...%n", pid,
          archive, output);
      console.flush();
      target = new BufferedWriter(new OutputStreamWriter(createNew(output), StandardCharsets.UTF_8), 1 << 16);
    } else {
      UntrustedText.printf(console, "%nDisplaying memory pages content for process ID %d from checkpoint: %s%n%n", pid, archive);
      target = console;
    }
    HexDump hex = new HexDump(target, compact);
    hex.header();
    byte[] buf = new byte[64 * 1024];
    for (MemoryRun run : mem.runs()) {
      if (!run.inFile()) {
        continue;
      }
      long start = Math.max(run.vaddr(), lo);
      long end = hi < 0 ? run.end(mem.pageSize()) : Math.min(run.end(mem.pageSize()), hi);
      for (long at = start; at < end; at += buf.length) {
        int n = (int) Math.min(buf.length, end - at);
        mem.read(at, buf, 0, n);
        hex.rows(at, buf, n);
      }
    }
    target.flush();
    if (output != null) {
      target.close();
    }
    return 0;
  }
}
