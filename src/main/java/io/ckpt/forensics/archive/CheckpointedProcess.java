package io.ckpt.forensics.archive;

import java.util.List;
import java.util.Map;

/**
 * One task of the dumped process tree with what its images say about it.
 *
 * @param pid process id (in the container's pid namespace)
 * @param ppid parent pid, 0 for the root
 * @param pgid process group
 * @param sid session
 * @param threads thread ids
 * @param comm the kernel's 16-byte command name
 * @param state task state
 * @param architecture from core.mtype (X86_64, AARCH64, ...), never assumed
 * @param registers the main thread's general-purpose registers, name to hex value
 * @param seccompMode disabled / strict / filter
 * @param executable the path of the mapped executable (mm.exe_file_id), empty if unknown
 * @param files descriptors plus cwd and root
 * @param sockets sockets among the descriptors
 */
public record CheckpointedProcess(int pid, int ppid, int pgid, int sid, List<Integer> threads, String comm,
    TaskState state, String architecture, Map<String, String> registers, String seccompMode, String executable,
    List<OpenFile> files, List<OpenSocket> sockets) {
}
