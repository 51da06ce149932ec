package io.ckpt.forensics.analysis;

import io.ckpt.forensics.archive.ChangedFile;
import io.ckpt.forensics.archive.ChangedFile.Change;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.OpenFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The file changes worth a responder's look: executables dropped in scratch places, files written
 * where they run at boot, login or for every program (binary and library directories, cron, shell
 * profiles, ssh keys, the preload list), deleted files a process still holds open, hidden names in a
 * tmpfs, and names that would escape the root if extracted. Heuristics, like {@link SuspiciousSigns}.
 */
public final class FileChangeSigns {

  private static final List<String> SCRATCH = List.of("/tmp/", "/var/tmp/", "/dev/shm/");
  private static final List<String> SYSTEM_DIRS = List.of("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/",
      "/usr/local/bin/", "/usr/local/sbin/", "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/local/lib/",
      "/etc/cron.d/", "/etc/cron.daily/", "/etc/cron.hourly/", "/etc/cron.weekly/", "/etc/cron.monthly/",
      "/var/spool/cron/", "/etc/profile.d/", "/etc/init.d/", "/etc/systemd/", "/etc/sudoers.d/");
  private static final Set<String> SYSTEM_FILES = Set.of("/etc/crontab", "/etc/profile", "/etc/bash.bashrc",
      "/etc/bashrc", "/etc/environment", "/etc/ld.so.preload", "/etc/rc.local", "/etc/passwd", "/etc/shadow",
      "/etc/sudoers");
  private static final Set<String> PROFILE_NAMES = Set.of(".bashrc", ".bash_profile", ".bash_login", ".profile",
      ".zshrc", ".zprofile", "authorized_keys", "authorized_keys2");

  private FileChangeSigns() {}

  /** One sentence per finding, in listing order; the processes give the open files. */
  public static List<String> of(FileChanges changes, List<CheckpointReport.Process> processes) {
    List<String> out = new ArrayList<>();
    Set<String> deleted = new HashSet<>();
    for (ChangedFile f : changes.entries()) {
      if (f.change() == Change.DELETED) {
        deleted.add(f.path());
        continue;
      }
      String where = f.change() == Change.TMPFS ? "kept in tmpfs " + f.mountPoint() : "written";
      if (f.unsafeName()) {
        out.add(f.member() + " holds a name that escapes the container's root: " + f.path());
      }
      if (f.executable() && inScratch(f.path())) {
        out.add("executable " + where + " in a scratch directory: " + f.path() + " (" + (f.elf() ? "ELF" : "exec bits")
            + ")");
      } else if (f.change() == Change.WRITTEN && !f.type().equals("directory") && isPersistence(f.path())) {
        out.add("file written into a system or persistence location: " + f.path());
      }
      if (f.change() == Change.TMPFS && isHidden(f.baseName())) {
        out.add("hidden name in tmpfs " + f.mountPoint() + ": " + f.path());
      }
    }
    for (CheckpointReport.Process p : processes) {
      for (OpenFile o : p.task().files()) {
        String path = o.path().endsWith(" (deleted)") ? o.path().substring(0, o.path().length() - 10) : o.path();
        if (deleted.contains(path)) {
          out.add("pid " + p.task().pid() + " (" + p.task().comm() + ") still has deleted " + path + " open (fd " + o.fd()
              + ")");
        }
      }
    }
    return out;
  }

  /**
   * The entries a person should see first, at most {@code max}, each as "CHANGE PATH": a name that escapes
   * the root, then executables in scratch places (tmpfs ones first: they leave no trace on disk), files in
   * persistence locations, hidden tmpfs names, other executables, the rest; in listing order within each.
   */
  public static List<String> topEntries(FileChanges changes, int max) {
    List<ChangedFile> ranked = new ArrayList<>();
    for (ChangedFile f : changes.entries()) {
      if (!f.type().equals("directory")) {
        ranked.add(f);
      }
    }
    ranked.sort(java.util.Comparator.comparingInt(FileChangeSigns::rank)); // stable: listing order within a rank
    return ranked.stream().limit(max)
        .map(f -> f.change().label() + " " + f.path() + (f.executable() ? " (executable)" : "")).toList();
  }

  private static int rank(ChangedFile f) {
    if (f.unsafeName()) {
      return 0;
    }
    if (f.executable() && inScratch(f.path())) {
      return f.change() == Change.TMPFS ? 1 : 2;
    }
    if (f.change() == Change.WRITTEN && isPersistence(f.path())) {
      return 3;
    }
    if (f.change() == Change.TMPFS && isHidden(f.baseName())) {
      return 4;
    }
    return f.executable() ? 5 : 6;
  }

  static boolean inScratch(String path) {
    return SCRATCH.stream().anyMatch(path::startsWith);
  }

  static boolean isPersistence(String path) {
    String base = path.substring(path.lastIndexOf('/') + 1);
    return SYSTEM_DIRS.stream().anyMatch(path::startsWith) || SYSTEM_FILES.contains(path)
        || PROFILE_NAMES.contains(base);
  }

  /** A leading dot, or leading or trailing white space (a name that hides in ls output). */
  static boolean isHidden(String base) {
    return !base.isEmpty() && (base.startsWith(".") || !base.equals(base.strip()));
  }
}
