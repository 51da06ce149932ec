package io.ckpt.forensics.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.archive.ChangedFile;
import io.ckpt.forensics.archive.ChangedFile.Change;
import io.ckpt.forensics.archive.CheckpointedProcess;
import io.ckpt.forensics.archive.FileChanges;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each file-change rule of {@link FileChangeSigns} fires on an entry made to trigger it, with the sentence the
 * summary shows, and none fires on ordinary writes (a log, a cache, a directory in /tmp, a non-executable).
 */
class FileChangeSignsTest {

  @Test
  void ordinaryWritesShowNothing() {
    FileChanges c = changes(written("/var/log/nginx/access.log", "file", 0644, false),
        written("/tmp", "directory", 01777, false), written("/tmp/session.json", "file", 0600, false),
        written("/usr/local/bin", "directory", 0755, false), deleted("/etc/motd"),
        tmpfs("/dev/shm/queue", "file", 0644, false));

    assertThat(FileChangeSigns.of(c, List.of())).isEmpty();
  }

  @Test
  void executablesInScratchPlacesByExecBitsOrElfMagic() {
    FileChanges c = changes(written("/tmp/x.sh", "file", 0755, false), written("/var/tmp/lib.so", "file", 0644, true),
        tmpfs("/dev/shm/miner", "file", 0700, true));

    assertThat(FileChangeSigns.of(c, List.of())).containsExactly(
        "executable written in a scratch directory: /tmp/x.sh (exec bits)",
        "executable written in a scratch directory: /var/tmp/lib.so (ELF)",
        "executable kept in tmpfs /dev/shm in a scratch directory: /dev/shm/miner (ELF)");
  }

  @Test
  void persistenceLocations() {
    FileChanges c = changes(written("/usr/bin/sshd", "file", 0755, true), written("/lib64/libc.so.6", "symlink", 0777,
        false), written("/etc/cron.d/job", "file", 0644, false), written("/etc/ld.so.preload", "file", 0644, false),
        written("/home/app/.bashrc", "file", 0644, false), written("/root/.ssh/authorized_keys", "file", 0600, false));

    assertThat(FileChangeSigns.of(c, List.of())).containsExactly(
        "file written into a system or persistence location: /usr/bin/sshd",
        "file written into a system or persistence location: /lib64/libc.so.6",
        "file written into a system or persistence location: /etc/cron.d/job",
        "file written into a system or persistence location: /etc/ld.so.preload",
        "file written into a system or persistence location: /home/app/.bashrc",
        "file written into a system or persistence location: /root/.ssh/authorized_keys");
  }

  @Test
  void aDeletedFileStillOpenIsNamedWithItsProcessAndDescriptor() {
    FileChanges c = changes(deleted("/app/payload"), deleted("/etc/motd"));
    CheckpointedProcess task = new CheckpointedProcess(7, 1, 7, 1, List.of(7), "worker", TaskState.ALIVE, "X86_64",
        Map.of(), "disabled", "/app/worker", List.of(new OpenFile("4", "REG", "/app/payload (deleted)"),
            new OpenFile("5", "REG", "/etc/hosts")), List.of());
    CheckpointReport.Process p = new CheckpointReport.Process(task, "", List.of(), List.of(), 0, 0, 4096);

    assertThat(FileChangeSigns.of(c, List.of(p))).containsExactly("pid 7 (worker) still has deleted /app/payload open"
        + " (fd 4)");
  }

  @Test
  void hiddenTmpfsNamesAndEscapingNames() {
    ChangedFile escaping = new ChangedFile(Change.WRITTEN, "/../x", "file", 1, 0644, 0, 0, "", "", 0, "", "", "",
        false, "", "rootfs-diff.tar", true);
    FileChanges c = changes(tmpfs("/dev/shm/.x", "file", 0644, false), tmpfs("/dev/shm/ ", "file", 0644, false),
        tmpfs("/dev/shm/a b", "file", 0644, false), escaping);

    assertThat(FileChangeSigns.of(c, List.of())).containsExactly("hidden name in tmpfs /dev/shm: /dev/shm/.x",
        "hidden name in tmpfs /dev/shm: /dev/shm/ ", "rootfs-diff.tar holds a name that escapes the container's root:"
            + " /../x");
    assertThat(FileChangeSigns.topEntries(c, 2)).containsExactly("written /../x", "tmpfs /dev/shm/.x");
  }

  private static FileChanges changes(ChangedFile... entries) {
    long w = 0;
    long d = 0;
    long t = 0;
    for (ChangedFile f : entries) {
      switch (f.change()) {
        case WRITTEN -> w++;
        case DELETED -> d++;
        case TMPFS -> t++;
      }
    }
    return new FileChanges(List.of(entries), w, d, t, false, List.of());
  }

  private static ChangedFile written(String path, String type, int mode, boolean elf) {
    return new ChangedFile(Change.WRITTEN, path, type, 10, mode, 0, 0, "", "", 0, "", "", "", elf, "", "rootfs-diff.tar",
        false);
  }

  private static ChangedFile tmpfs(String path, String type, int mode, boolean elf) {
    return new ChangedFile(Change.TMPFS, path, type, 10, mode, 0, 0, "", "", 0, "", "", "", elf, "/dev/shm",
        "checkpoint/tmpfs-dev-5.tar.gz.img", false);
  }

  private static ChangedFile deleted(String path) {
    return new ChangedFile(Change.DELETED, path, "", 0, 0, -1, -1, "", "", -1, "", "", "", false, "", "deleted.files",
        false);
  }
}
