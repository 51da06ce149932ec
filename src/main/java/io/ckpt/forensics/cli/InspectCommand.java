package io.ckpt.forensics.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.analysis.CheckpointReport;
import io.ckpt.forensics.analysis.EnvironmentRedaction;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.DumpStatistics;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import io.ckpt.forensics.archive.RecordedMount;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fcp inspect}: checkpointctl's inspect, as a tree or as JSON with the schema in docs/fcp.md. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show what a checkpoint archive holds (container, statistics, processes, files, sockets, mounts).")
final class InspectCommand implements Callable<Integer> {

  /**
   * The "schema" value of the JSON output (docs/fcp-output.schema.json); bumped only on incompatible
   * changes. v2: the CRIU mount fields became snake_case ({@code criu_mounts}, {@code parent_id}).
   */
  static final String JSON_SCHEMA = "fcp.inspect/v2";

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "ARCHIVE", arity = "1..*",
      description = "checkpoint archive(s) (.tar, .tar.gz, .tar.zst, OpenPGP-encrypted; - reads standard input)")
  List<Path> archives;

  @Mixin
  DecryptionKeys decryptionKeys;

  @Option(names = ArchiveInput.NO_SHA256,
      description = "skip the SHA-256 of a plain archive file (one more sequential read; a stream is hashed anyway)")
  boolean noSha256;

  @Option(names = "--stats", description = "CRIU dump statistics")
  boolean stats;
  @Option(names = "--metadata", description = "pod, namespace and annotations")
  boolean metadata;
  @Option(names = "--mounts", description = "mounts from spec.dump")
  boolean mounts;
  @Option(names = "--ps-tree", description = "process tree")
  boolean psTree;
  @Option(names = "--ps-tree-cmd", description = "process tree with full command lines (read from memory)")
  boolean psTreeCmd;
  @Option(names = "--ps-tree-env", description = "process tree with environment variables (values redacted)")
  boolean psTreeEnv;
  @Option(names = "--files", description = "open files per process")
  boolean files;
  @Option(names = "--sockets", description = "open sockets per process")
  boolean sockets;
  @Option(names = "--pid", paramLabel = "N", description = "only this process and its children")
  Integer pid;
  @Option(names = "--all", description = "everything above")
  boolean all;
  @Option(names = "--format", defaultValue = "tree", description = "tree or json (default: ${DEFAULT-VALUE})")
  Format format;
  @Option(names = "--show-secrets", description = "print environment values (hidden by default: they hold secrets)")
  boolean showSecrets;

  enum Format { tree, json }

  @Override
  public Integer call() throws Exception {
    if (all) {
      stats = metadata = mounts = psTree = psTreeCmd = psTreeEnv = files = sockets = true;
    }
    if (psTreeCmd || psTreeEnv || files || sockets || pid != null) {
      psTree = true;
    }
    PrintWriter out = spec.commandLine().getOut();
    EnvironmentRedaction redaction = new EnvironmentRedaction(showSecrets);
    ArrayNode jsonList = FcpMain.JSON.createArrayNode();
    ArchiveInput.atMostOneStdin(archives);
    for (Path archive : archives) {
      CheckpointReport report;
      ArchiveInput.Digest digest;
      try (ArchiveInput in = ArchiveInput.open(archive, decryptionKeys, FcpMain.stdin(spec), !noSha256)) {
        report = CheckpointReport.read(in.tar());
        digest = in.digest();
      }
      if (pid != null && report.process(pid).isEmpty()) {
        throw new UserError("no process with PID " + pid + " in " + archive + " (use `fcp inspect --ps-tree` to see all PIDs)");
      }
      if (format == Format.json) {
        ObjectNode doc = json(report, redaction);
        digest.addTo(doc);
        jsonList.add(doc);
      } else {
        UntrustedText.printf(out, "%nDisplaying container checkpoint tree view from %s%nSHA-256: %s%n%n", archive,
            digest.text());
        out.println(tree(report, redaction).render());
      }
    }
    if (format == Format.json) {
      JsonOutput.print(out, jsonList);
    }
    out.flush();
    return 0;
  }

  TextTree tree(CheckpointReport r, EnvironmentRedaction redaction) {
    ContainerMetadata c = r.container();
    TextTree root = new TextTree(c.name().isEmpty() ? "Container" : c.name());
    root.add("Image: " + c.image());
    root.add("ID: " + c.id());
    root.add("Runtime: " + c.runtime());
    root.add("Created: " + c.created());
    if (!c.checkpointed().isEmpty()) {
      root.add("Checkpointed: " + c.checkpointed());
    }
    root.add("Engine: " + c.engine());
    if (!c.networks().isEmpty()) {
      TextTree nets = root.add("Network Interfaces");
      for (ContainerMetadata.Network n : c.networks()) {
        TextTree b = nets.add(n.network() + " (" + n.device() + ")");
        if (!n.ip().isEmpty()) {
          b.add("IP: " + n.ip());
        }
        if (!n.mac().isEmpty()) {
          b.add("MAC: " + n.mac());
        }
        if (!n.gateway().isEmpty()) {
          b.add("Gateway: " + n.gateway());
        }
      }
    } else if (!c.ip().isEmpty()) {
      root.add("IP: " + c.ip());
    }
    TextTree size = root.add("Checkpoint size: " + HumanUnits.bytes(r.sizes().checkpoint()));
    if (r.sizes().memoryPages() != 0) {
      size.add("Memory pages size: " + HumanUnits.bytes(r.sizes().memoryPages()));
    }
    if (r.sizes().rootFsDiff() != 0) {
      root.add("Root FS diff size: " + HumanUnits.bytes(r.sizes().rootFsDiff()));
    }
    if (stats && r.statistics().isPresent()) {
      DumpStatistics s = r.statistics().get();
      TextTree st = root.add("CRIU dump statistics");
      st.add("Freezing time: " + HumanUnits.micros(s.freezingTimeMicros()));
      st.add("Frozen time: " + HumanUnits.micros(s.frozenTimeMicros()));
      st.add("Memdump time: " + HumanUnits.micros(s.memdumpTimeMicros()));
      st.add("Memwrite time: " + HumanUnits.micros(s.memwriteTimeMicros()));
      st.add("Pages scanned: " + s.pagesScanned());
      st.add("Pages written: " + s.pagesWritten());
    }
    if (metadata) {
      TextTree m = root.add("Metadata");
      if (!c.pod().isEmpty()) {
        m.add("Pod name: " + c.pod());
      }
      if (!c.namespace().isEmpty()) {
        m.add("Kubernetes namespace: " + c.namespace());
      }
      if (!c.annotations().isEmpty()) {
        TextTree a = m.add("Annotations");
        c.annotations().forEach((k, v) -> a.add(k + ": " + v));
      }
    }
    if (psTree && !r.processes().isEmpty()) {
      TextTree ps = root.add("Process tree");
      List<CheckpointReport.Process> start = pid != null ? List.of(r.process(pid).orElseThrow()) : r.roots();
      java.util.Set<Integer> visited = new java.util.HashSet<>();
      for (CheckpointReport.Process p : start) {
        addProcess(ps, r, p, redaction, visited, 0);
      }
    }
    if (!r.problems().isEmpty()) {
      TextTree problems = root.add("Process tree problems");
      r.problems().forEach(problems::add);
    }
    if (mounts && !c.mounts().isEmpty()) {
      TextTree m = root.add("Overview of mounts");
      for (ContainerMetadata.Mount mount : c.mounts()) {
        TextTree d = m.add("Destination: " + mount.destination());
        d.add("Type: " + mount.type());
        d.add("Source: " + mount.source());
      }
    }
    if (mounts && !r.criuMounts().isEmpty()) {
      TextTree m = root.add("Mount points recorded by CRIU");
      for (RecordedMount mount : r.criuMounts()) {
        TextTree d = m.add("[" + mount.id() + "] " + mount.mountpoint());
        d.add("Source: " + mount.source() + (mount.fsname().isEmpty() ? "" : " (" + mount.fsname() + ")"));
        d.add("Root: " + mount.root());
        d.add("Options: " + mount.options());
      }
    }
    return root;
  }

  /** Deepest process tree level shown: TextTree renders recursively, and a chain is the attacker's to make. */
  private static final int MAX_DEPTH = 256;

  private void addProcess(TextTree parent, CheckpointReport r, CheckpointReport.Process p,
      EnvironmentRedaction redaction, java.util.Set<Integer> visited, int depth) {
    var t = p.task();
    if (!visited.add(t.pid())) {
      // a parent loop (reported under "Process tree problems"): never walked twice
      return;
    }
    if (depth >= MAX_DEPTH) {
      parent.add("... deeper processes not shown (more than " + MAX_DEPTH + " levels)");
      return;
    }
    String tag = t.state().label().equals("Alive") ? Integer.toString(t.pid()) : t.pid() + " (" + t.state().label() + ")";
    String name = psTreeCmd && !p.commandLine().isEmpty() ? p.commandLine() : t.comm();
    TextTree node = parent.add(tag, name);
    if (!t.state().hasResources()) {
      return;
    }
    if (psTreeEnv && !p.environment().isEmpty()) {
      TextTree env = node.add("Environment variables");
      for (String e : p.environment()) {
        env.add(redaction.name(e) + "=" + redaction.value(e));
      }
    }
    if (files && !t.files().isEmpty()) {
      TextTree f = node.add("Open files");
      for (OpenFile file : t.files()) {
        f.add(file.label(), file.path());
      }
    }
    if (sockets && !t.sockets().isEmpty()) {
      TextTree s = node.add("Open sockets");
      for (OpenSocket sk : t.sockets()) {
        s.add(socketProtocol(sk), socketText(sk));
      }
    }
    for (CheckpointReport.Process child : r.children(t.pid())) {
      addProcess(node, r, child, redaction, visited, depth + 1);
    }
  }

  static String socketProtocol(OpenSocket s) {
    return switch (s.kind()) {
      case "UNIX" -> "UNIX (" + s.type() + ")";
      case "TCP" -> s.state().isEmpty() ? "TCP" : "TCP (" + s.state() + ")";
      default -> s.kind();
    };
  }

  static String socketText(OpenSocket s) {
    String bufs = "(↑ " + goBytes(s.sendBuffer()) + " ↓ " + goBytes(s.receiveBuffer()) + ")";
    return switch (s.kind()) {
      case "UNIX" -> s.source().isEmpty() ? "@" : s.source();
      case "TCP", "UDP" -> s.source() + ":" + s.sourcePort() + " -> " + s.destination() + ":" + s.destinationPort() + " "
          + bufs;
      default -> "↑ " + goBytes(s.sendBuffer()) + " ↓ " + goBytes(s.receiveBuffer());
    };
  }

  /** go-criu's countBytes: "KB" rather than "KiB". */
  private static String goBytes(long n) {
    return HumanUnits.bytes(n).replace("iB", "B");
  }

  ObjectNode json(CheckpointReport r, EnvironmentRedaction redaction) {
    ObjectNode o = JsonOutput.document(JSON_SCHEMA);
    o.put("archive", r.archive().toString());
    o.put("archive_bytes", r.archiveBytes());
    ContainerMetadata c = r.container();
    JsonOutput.container(o.putObject("container"), c);
    ObjectNode sz = o.putObject("sizes");
    sz.put("checkpoint_bytes", r.sizes().checkpoint());
    sz.put("memory_pages_bytes", r.sizes().memoryPages());
    sz.put("rootfs_diff_bytes", r.sizes().rootFsDiff());
    if (stats && r.statistics().isPresent()) {
      DumpStatistics s = r.statistics().get();
      o.putObject("statistics").put("freezing_time_us", s.freezingTimeMicros()).put("frozen_time_us", s.frozenTimeMicros())
          .put("memdump_time_us", s.memdumpTimeMicros()).put("memwrite_time_us", s.memwriteTimeMicros())
          .put("pages_scanned", s.pagesScanned()).put("pages_written", s.pagesWritten());
    }
    if (metadata) {
      ObjectNode md = o.putObject("metadata");
      md.put("pod", c.pod());
      md.put("namespace", c.namespace());
      ObjectNode ann = md.putObject("annotations");
      c.annotations().forEach(ann::put);
    }
    if (mounts) {
      ArrayNode ms = o.putArray("mounts");
      for (ContainerMetadata.Mount mount : c.mounts()) {
        ms.addObject().put("destination", mount.destination()).put("type", mount.type()).put("source", mount.source());
      }
      ArrayNode criu = o.putArray("criu_mounts");
      for (RecordedMount mount : r.criuMounts()) {
        criu.addObject().put("id", mount.id()).put("parent_id", mount.parentId()).put("mountpoint", mount.mountpoint())
            .put("root", mount.root()).put("source", mount.source()).put("fsname", mount.fsname())
            .put("options", mount.options());
      }
    }
    if (!r.problems().isEmpty()) {
      ArrayNode problems = o.putArray("process_tree_problems");
      r.problems().forEach(problems::add);
    }
    if (psTree) {
      ArrayNode ps = o.putArray("processes");
      for (CheckpointReport.Process p : r.processes()) {
        if (pid != null && !inSubtree(r, p.task().pid(), pid)) {
          continue;
        }
        var t = p.task();
        ObjectNode pn = ps.addObject();
        pn.put("pid", t.pid()).put("ppid", t.ppid()).put("pgid", t.pgid()).put("sid", t.sid());
        pn.put("command", t.comm());
        pn.put("state", t.state().label());
        pn.put("architecture", t.architecture());
        pn.put("page_size", p.pageSize());
        pn.put("executable", t.executable());
        pn.put("memory_bytes", p.memoryBytes());
        pn.put("shared_memory_bytes", p.sharedBytes());
        ArrayNode threads = pn.putArray("threads");
        t.threads().forEach(threads::add);
        if (psTreeCmd) {
          pn.put("cmdline", p.commandLine());
        }
        if (psTreeEnv) {
          ObjectNode env = pn.putObject("environment");
          for (String e : p.environment()) {
            env.put(redaction.name(e), redaction.value(e));
          }
        }
        if (files) {
          ArrayNode fs = pn.putArray("files");
          for (OpenFile f : t.files()) {
            JsonOutput.file(fs.addObject(), f);
          }
        }
        if (sockets) {
          ArrayNode ss = pn.putArray("sockets");
          for (OpenSocket s : t.sockets()) {
            JsonOutput.socket(ss.addObject(), s);
          }
        }
        if (all) {
          ObjectNode regs = pn.putObject("registers");
          for (Map.Entry<String, String> e : t.registers().entrySet()) {
            regs.put(e.getKey(), e.getValue());
          }
        }
      }
    }
    return o;
  }

  private static boolean inSubtree(CheckpointReport r, int candidate, int top) {
    int at = candidate;
    for (int hops = 0; hops < r.processes().size() + 1; hops++) {
      if (at == top) {
        return true;
      }
      final int current = at;
      var p = r.process(current);
      if (p.isEmpty() || p.get().task().ppid() == 0 || p.get().task().ppid() == current) {
        return false;
      }
      at = p.get().task().ppid();
    }
    return false;
  }
}
