package io.ckpt.forensics.analysis;

import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Things in a checkpoint worth a responder's look: interactive shells and download tools, executables
 * run from writable scratch places or deleted, processes that are not the image's entrypoint,
 * sockets listening on every address. Heuristics: they point, they do not judge.
 */
public final class SuspiciousSigns {

  private static final Set<String> SHELLS = Set.of("sh", "bash", "ash", "dash", "zsh", "ksh", "csh", "tcsh", "fish",
      "busybox");
  private static final Set<String> TOOLS = Set.of("nc", "ncat", "netcat", "socat", "curl", "wget", "nmap", "tcpdump",
      "python", "python3", "perl", "ruby", "php", "xmrig", "kubectl");
  private static final List<String> SCRATCH = List.of("/tmp/", "/dev/shm/", "/var/tmp/", "/run/");

  private SuspiciousSigns() {}

  /** The findings for one archive, one sentence each, in process order; empty when nothing stands out. */
  public static List<String> of(CheckpointReport r) {
    List<String> out = new ArrayList<>();
    String entry = r.container().entrypoint().isEmpty() ? "" : base(r.container().entrypoint().get(0));
    for (CheckpointReport.Process p : r.processes()) {
      var t = p.task();
      String who = "pid " + t.pid() + " (" + t.comm() + ")";
      if (SHELLS.contains(t.comm())) {
        out.add(who + " is a shell" + (ttyOf(t.files()) ? " attached to a terminal" : ""));
      } else if (TOOLS.contains(t.comm())) {
        out.add(who + " is a network or scripting tool often used after an intrusion");
      }
      String exe = t.executable();
      if (exe.endsWith(" (deleted)")) {
        out.add(who + " runs a deleted executable: " + exe);
      }
      for (String s : SCRATCH) {
        if (exe.startsWith(s)) {
          out.add(who + " runs an executable from a writable scratch directory: " + exe);
        }
      }
      if (!entry.isEmpty() && !base(exe).equals(entry) && !t.comm().equals(entry)) {
        out.add(who + " is not the image entrypoint (" + entry + ")");
      }
      for (OpenSocket s : t.sockets()) {
        if (s.listening() && (s.source().equals("0.0.0.0") || s.source().equals("::"))) {
          out.add(who + " listens on all addresses, " + s.kind() + " port " + s.sourcePort());
        }
      }
    }
    return out;
  }

  private static boolean ttyOf(List<OpenFile> files) {
    return files.stream().anyMatch(f -> f.type().equals("TTY"));
  }

  private static String base(String path) {
    String p = path.endsWith(" (deleted)") ? path.substring(0, path.length() - 10) : path;
    return p.substring(p.lastIndexOf('/') + 1);
  }
}
