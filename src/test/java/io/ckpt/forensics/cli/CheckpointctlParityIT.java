package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.lab.LabAvailability;
import io.ckpt.forensics.lab.ProvisionCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the provisioned checkpointctl (operator/provision builds it from source) on the same archive
 * as fcp and compares the lines both must agree on. A cluster-phase test (*IT): failsafe's lab JVM
 * provisions first (operator/lab/java-in-netns sets FCP_LAB_BIN), so a fresh machine runs it. When
 * the binary is missing anyway it is skipped with the reason, or fails under FCP_LAB_REQUIRED=true.
 */
class CheckpointctlParityIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void inspectAllAgreesWithCheckpointctlLineByLine() throws Exception {
    Path ctl = checkpointctl();
    Path archive = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    String theirs = run(ctl, "inspect", "--all", archive.toString());
    // the digest line is fcp's own: checkpointctl prints none
    String ours = FcpRun.of("inspect", "--all", archive.toString()).out().replaceFirst("(?m)^SHA-256: .*\n", "");
    List<String> shared = List.of("Image:", "ID:", "Runtime:", "Created:", "Checkpointed:", "Engine:", "IP:",
        "Checkpoint size:", "Memory pages size:", "Freezing time:", "Frozen time:", "Memdump time:", "Memwrite time:",
        "Pages scanned:", "Pages written:", "Pod name:", "Kubernetes namespace:", "[TTY 0]", "[TTY 1]", "[TTY 2]",
        "[cwd]", "[root]");
    for (String key : shared) {
      assertThat(line(ours, key)).as(key).isEqualTo(line(theirs, key));
    }
    assertThat(ours).startsWith(theirs.substring(0, theirs.indexOf("nginx")));
    // Known checkpointctl v1.6.0 gap on this aarch64 image: it prints an empty command line for
    // --ps-tree-cmd and no environment; fcp reads both from the pages.
    assertThat(line(theirs, "[2956]").strip()).isEqualTo("└── [2956]");
    assertThat(line(ours, "[2956]").strip()).isEqualTo("└── [2956]  ./loop2");
  }

  @Test
  void memparseAgreesOnSharedMemoryAndFixesThePagemapSize() throws Exception {
    Path ctl = checkpointctl();
    Path archive = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    String theirs = line(run(ctl, "memparse", archive.toString()), "2956");
    String ours = line(FcpRun.of("memparse", archive.toString()).out(), "2956");
    String[] t = theirs.split("\\s{2,}");
    String[] o = ours.split("\\s{2,}");
    assertThat(o[0]).isEqualTo(t[0]);
    assertThat(o[1]).isEqualTo(t[1]);
    assertThat(o[3]).isEqualTo(t[3]);
    // checkpointctl v1.6.0 reports "0 B" here: it does not count this image's pagemap entries;
    // 40 pages (pages-1.img is 163840 bytes) are 160.0 KiB.
    assertThat(t[2]).isEqualTo("0 B");
    assertThat(o[2]).isEqualTo("160.0 KiB");
  }

  @Test
  void diffAgreesWithCheckpointctlOnWhatAppearedAndVanished() throws Exception {
    Path ctl = checkpointctl();
    Path before = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    // the later checkpoint opened a listening TCP socket as fd 7 (checkpointctl needs its fs image kept)
    Path after = FcpDiffTest.laterCheckpoint(true);
    String[] args = {"diff", "--ps-tree-cmd", "--files", "--sockets", "--format", "json", before.toString(),
        after.toString()};
    String theirText = run(ctl, args);
    JsonNode theirs = JSON.readTree(theirText);
    JsonNode ours = JSON.readTree(FcpRun.of(args).out());

    for (String field : List.of("container_id", "container_name", "image")) {
      assertThat(ours.path(field).asText()).as(field).isEqualTo(theirs.path(field).asText());
    }
    assertThat(ours.path("memory_changes").path("size_change_bytes").asLong())
        .isEqualTo(theirs.path("memory_changes").path("size_change_bytes").asLong());
    for (String change : List.of("added", "removed", "modified")) {
      assertThat(keys(ours.path("process_changes").path(change), "pid")).as("processes " + change)
          .isEqualTo(keys(theirs.path("process_changes").path(change), "pid"));
    }
    for (String change : List.of("added", "removed")) {
      // checkpointctl's "fd" is inspect's label ("INETSK 7", "cwd"); fcp keeps the number and the type apart
      assertThat(keys(withLabels(ours.path("file_changes").path(change)), "pid", "fd", "path"))
          .as("files " + change + ": " + theirText)
          .isEqualTo(keys(theirs.path("file_changes").path(change), "pid", "fd", "path"));
      assertThat(keys(ours.path("socket_changes").path(change), "pid", "src_port", "dst_port"))
          .as("sockets " + change + ": " + theirText)
          .isEqualTo(keys(theirs.path("socket_changes").path(change), "pid", "src_port", "dst_port"));
    }
    // the case is not empty: both see the new descriptor and the new socket
    assertThat(keys(ours.path("file_changes").path("added"), "pid", "type", "fd", "path"))
        .containsExactly("2956 INETSK 7 INETSK.100");
    assertThat(keys(ours.path("socket_changes").path("added"), "pid", "src_port", "dst_port"))
        .containsExactly("2956 8080 0");
  }

  /** fcp's file entries with checkpointctl's "fd": the type and the number, as OpenFile.label() has it. */
  private static JsonNode withLabels(JsonNode files) {
    var copy = JSON.createArrayNode();
    for (JsonNode f : files) {
      String type = f.path("type").asText();
      String fd = f.path("fd").asText();
      copy.addObject().put("pid", f.path("pid").asInt()).put("path", f.path("path").asText())
          .put("fd", new io.ckpt.forensics.archive.OpenFile(fd, type, "").label());
    }
    return copy;
  }

  /** The entries' fields joined by spaces, sorted (checkpointctl lists them in Go's map order). */
  private static List<String> keys(JsonNode entries, String... fields) {
    List<String> keys = new java.util.ArrayList<>();
    for (JsonNode e : entries) {
      // a port of 0 is missing in checkpointctl's JSON (omitempty): compared as numbers, it is 0 in both
      keys.add(java.util.Arrays.stream(fields).map(f -> f.endsWith("_port") ? Integer.toString(e.path(f).asInt())
          : e.path(f).asText()).collect(
          java.util.stream.Collectors.joining(" ")));
    }
    java.util.Collections.sort(keys);
    return keys;
  }

  private static String line(String text, String key) {
    return text.lines().filter(l -> l.contains(key)).findFirst().orElse("<missing " + key + ">").stripTrailing();
  }

  private static String run(Path ctl, String... args) throws IOException, InterruptedException {
    Path tmp = FixtureArchives.scratch("checkpointctl-tmp");
    List<String> cmd = new java.util.ArrayList<>(List.of(ctl.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TMPDIR", tmp.toString()); // checkpointctl extracts into TMPDIR: keep it in the build dir
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** -Dlab.bin / FCP_LAB_BIN, else operator/provision's cache directory for the pinned versions. */
  static Path checkpointctl() throws IOException {
    String configured = System.getProperty("lab.bin", System.getenv("FCP_LAB_BIN"));
    Path dir;
    if (configured != null && !configured.isBlank()) {
      dir = Path.of(configured);
    } else {
      Properties v = ProvisionCache.versions();
      dir = ProvisionCache.dir().resolve(Path.of("bin", "k8s-" + v.getProperty("KUBERNETES_VERSION") + "-etcd-"
          + v.getProperty("ETCD_VERSION") + "-checkpointctl-" + v.getProperty("CHECKPOINTCTL_VERSION")));
    }
    Path ctl = dir.resolve("checkpointctl");
    if (!Files.isExecutable(ctl)) {
      String reason = "no executable " + ctl + " (run operator/provision, or set FCP_LAB_BIN)";
      LabAvailability.requireOrReport("checkpointctl parity", reason);
      Assumptions.abort(reason);
    }
    return ctl;
  }
}
