package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * fcp's outputs on archives built from every fixture, checked field by field against
 * src/test/resources/fixtures/README.md (values from the crit decodes committed upstream).
 */
class FcpGoldenTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void versionIsThePomVersion() {
    FcpRun r = FcpRun.of("--version");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out().strip()).isEqualTo("fcp " + PomVersion.read());
  }

  @Test
  void inspectTreeMatchesTheFixtureValues() {
    Path a = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun r = FcpRun.of("inspect", "--all", a.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<String> lines = r.out().lines().map(String::strip).toList();
    assertThat(lines).contains("nginx", "├── Image: docker.io/library/nginx:latest", "├── Runtime: runc",
        "├── Engine: CRI-O", "├── IP: 10.85.0.72", "├── Checkpointed: 2024-01-28T00:10:45+05:30",
        "│   ├── Freezing time: 582 µs", "│   ├── Frozen time: 140.21 ms", "│   ├── Memdump time: 2.109 ms",
        "│   ├── Memwrite time: 941 µs", "│   ├── Pages scanned: 6874", "│   └── Pages written: 40",
        "│   ├── Pod name: podname", "│   ├── Kubernetes namespace: namespace",
        "└── [2956]  ./loop2", "├── [TTY 0]  TTY.5", "├── [TTY 1]  TTY.5", "├── [TTY 2]  TTY.5",
        "├── [cwd]  /data/local/tmp", "└── [root]  /", "│   └── Memory pages size: 160.0 KiB");
    // environment names are shown, values are not
    assertThat(r.out()).contains("ANDROID_ROOT=<redacted>").doesNotContain("/system");
    FcpRun plain = FcpRun.of("inspect", "--ps-tree", a.toString());
    assertThat(plain.out().lines().map(String::strip)).contains("└── [2956]  loop2");
    FcpRun cmd = FcpRun.of("inspect", "--ps-tree-cmd", a.toString());
    assertThat(cmd.out()).contains("[2956]  ./loop2 \n");
  }

  @Test
  void showSecretsRevealsEnvironmentValues() {
    Path a = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun r = FcpRun.of("inspect", "--ps-tree-env", "--show-secrets", a.toString());
    assertThat(r.out()).contains("ANDROID_ROOT=/system", "ANDROID_DATA=/data", "HOSTNAME=console");
  }

  @Test
  void inspectJsonFollowsTheDocumentedSchema() throws Exception {
    Path a = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun r = FcpRun.of("inspect", "--all", "--format", "json", a.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    JsonNode doc = JSON.readTree(r.out()).get(0);
    assertThat(doc.path("schema").asText()).isEqualTo("fcp.inspect/v2");
    assertThat(doc.path("container").path("engine").asText()).isEqualTo("CRI-O");
    assertThat(doc.path("container").path("name").asText()).isEqualTo("nginx");
    assertThat(doc.path("container").path("pod").asText()).isEqualTo("podname");
    assertThat(doc.path("sizes").path("memory_pages_bytes").asLong()).isEqualTo(163840);
    JsonNode stats = doc.path("statistics");
    assertThat(stats.path("freezing_time_us").asLong()).isEqualTo(582);
    assertThat(stats.path("frozen_time_us").asLong()).isEqualTo(140205);
    assertThat(stats.path("memdump_time_us").asLong()).isEqualTo(2109);
    assertThat(stats.path("memwrite_time_us").asLong()).isEqualTo(941);
    assertThat(stats.path("pages_scanned").asLong()).isEqualTo(6874);
    assertThat(stats.path("pages_written").asLong()).isEqualTo(40);
    JsonNode p = doc.path("processes").get(0);
    assertThat(p.path("pid").asInt()).isEqualTo(2956);
    assertThat(p.path("ppid").asInt()).isZero();
    assertThat(p.path("pgid").asInt()).isEqualTo(2956);
    assertThat(p.path("sid").asInt()).isEqualTo(1945);
    assertThat(p.path("command").asText()).isEqualTo("loop2");
    assertThat(p.path("state").asText()).isEqualTo("Alive");
    assertThat(p.path("architecture").asText()).isEqualTo("AARCH64");
    assertThat(p.path("page_size").asInt()).isEqualTo(4096);
    assertThat(p.path("executable").asText()).isEqualTo("/data/local/tmp/loop2");
    assertThat(p.path("memory_bytes").asLong()).isEqualTo(160 * 1024);
    assertThat(p.path("shared_memory_bytes").asLong()).isEqualTo(268 * 1024);
    assertThat(p.path("cmdline").asText()).isEqualTo("./loop2 ");
    assertThat(p.path("environment").size()).isEqualTo(13);
    assertThat(p.path("environment").path("PATH").asText()).isEqualTo("<redacted>");
    assertThat(p.path("files").get(0).path("type").asText()).isEqualTo("TTY");
    assertThat(p.path("files").get(0).path("path").asText()).isEqualTo("TTY.5");
    assertThat(p.path("files").get(3).path("fd").asText()).isEqualTo("cwd");
    assertThat(p.path("registers").path("pc").asText()).isEqualTo("0x40053ea4");
    assertThat(r.out()).doesNotContain("/sbin:/system/sbin");
  }

  @Test
  void memparseSizesHexDumpAndSearch() throws Exception {
    Path a = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun sizes = FcpRun.of("memparse", a.toString());
    String row = sizes.out().lines().filter(l -> l.startsWith("2956")).findFirst().orElseThrow();
    assertThat(Arrays.asList(row.split("\\s{2,}"))).containsExactly("2956", "loop2", "160.0 KiB", "268.0 KiB");

    FcpRun search = FcpRun.of("memparse", "--pid", "2956", "--search", "ANDROID_ROOT", "--context", "4", a.toString());
    assertThat(search.out()).contains("0000007ffca47bf1  ata.ANDROID_ROOT=/sy  1");
    FcpRun regex = FcpRun.of("memparse", "--pid", "2956", "--search-regex", "HOSTNAME=[a-z]+", a.toString());
    assertThat(regex.out()).contains("HOSTNAME=console");
    FcpRun none = FcpRun.of("memparse", "--pid", "2956", "--search", "no-such-text-anywhere", a.toString());
    assertThat(none.out()).contains("No matches for pattern \"no-such-text-anywhere\" in the memory of PID 2956");

    Path dump = FixtureArchives.scratch("cli").resolve("2956.hex");
    Files.deleteIfExists(dump); // --output refuses an existing file
    FcpRun hex = FcpRun.of("memparse", "--pid", "2956", "--output", dump.toString(), a.toString());
    assertThat(hex.exitCode()).as(hex.err()).isZero();
    List<String> lines = Files.readAllLines(dump);
    assertThat(lines.get(0)).startsWith("Address           Hexadecimal");
    assertThat(lines).hasSize(2 + 163840 / 16);
    assertThat(lines.get(2)).startsWith("0000000040050000  ");
    FcpRun ranged = FcpRun.of("memparse", "--pid", "2956", "--from", "7ffca47bc0", "--to", "7ffca47be0", a.toString());
    assertThat(ranged.out()).contains("0000007ffca47bc0", "|............./lo|").doesNotContain("0000000040050000");
  }

  @ParameterizedTest
  @EnumSource(Flavour.class)
  void everyCommandWorksOnEveryFixtureLayout(Flavour flavour) {
    Path a = FixtureArchives.write(flavour);
    for (String[] args : List.of(new String[] {"inspect", "--all"}, new String[] {"inspect", "--all", "--format", "json"},
        new String[] {"memparse"}, new String[] {"summary"})) {
      String[] full = Arrays.copyOf(args, args.length + 1);
      full[args.length] = a.toString();
      FcpRun r = FcpRun.of(full);
      assertThat(r.exitCode()).as(String.join(" ", full) + ": " + r.err()).isZero();
      assertThat(r.out()).contains("2956");
    }
  }

  @Test
  void engineSpecificFields() throws Exception {
    FcpRun podman = FcpRun.of("inspect", "--mounts", FixtureArchives.write(Flavour.PODMAN).toString());
    assertThat(podman.out().lines().map(String::strip)).contains("├── Engine: Podman", "│   └── podman (eth0)",
        "│       ├── IP: 10.88.0.9/16", "│       ├── MAC: f2:99:8d:fb:5a:57", "│       └── Gateway: 10.88.0.1",
        "├── Destination: /proc", "└── Destination: /etc/hostname");
    FcpRun ctl = FcpRun.of("inspect", "--stats", FixtureArchives.write(Flavour.CRIO_CHECKPOINTCTL).toString());
    assertThat(ctl.out().lines().map(String::strip)).contains("container-name", "├── Freezing time: 105.41 ms",
        "├── Frozen time: 1.377 s", "├── Memdump time: 504.4 ms", "├── Memwrite time: 446.57 ms",
        "├── Pages scanned: 492153", "└── Pages written: 88689", "├── Created: 2024-01-27T14:45:26Z");
    FcpRun containerd = FcpRun.of("inspect", "--format", "json", "--metadata",
        FixtureArchives.write(Flavour.CONTAINERD).toString());
    JsonNode c = JSON.readTree(containerd.out()).get(0).path("container");
    assertThat(c.path("engine").asText()).isEqualTo("containerd");
    assertThat(c.path("pod").asText()).isEqualTo("web-0");
    assertThat(c.path("namespace").asText()).isEqualTo("shop");
    assertThat(containerd.out()).doesNotContain("s3cr3t");
  }

  @Test
  void listSummaryAndDiff() throws Exception {
    Path dir = FixtureArchives.scratch("list-dir");
    Files.copy(FixtureArchives.write(Flavour.CRIO_OPERATOR), dir.resolve("checkpoint-podname_namespace-nginx-2024.tar"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.copy(FixtureArchives.write(Flavour.CONTAINERD), dir.resolve("checkpoint-web-0_shop-app-2024.tar"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("broken.tar"), "not a tar");
    FcpRun list = FcpRun.of("list", dir.toString());
    assertThat(list.out()).contains("NAMESPACE", "POD", "CONTAINER", "ENGINE", "TIME", "FILE", "SIZE");
    String crio = list.out().lines().filter(l -> l.contains("nginx-2024")).findFirst().orElseThrow();
    assertThat(crio.split("\\s{2,}")).containsExactly("namespace", "podname", "nginx", "CRI-O",
        "2024-01-28T00:10:45+05:30", "checkpoint-podname_namespace-nginx-2024.tar", "188.5 KiB");
    assertThat(list.out()).contains("shop", "web-0", "containerd");
    assertThat(list.err()).contains("skipping broken.tar");
    assertThat(list.exitCode()).as("a skipped unreadable archive").isEqualTo(3);

    Path a = FixtureArchives.write(Flavour.CRIO_OPERATOR);
    FcpRun summary = FcpRun.of("summary", a.toString());
    assertThat(summary.out()).contains("Container     nginx  pod namespace/podname", "Architecture  AARCH64, page size 4096",
        "Processes     1 (1 with memory)", "2956   ./loop2", "Memory        160.0 KiB in pagemaps");
    FcpRun shell = FcpRun.of("summary", FixtureArchives.write(Flavour.CONTAINERD).toString());
    assertThat(shell.out()).contains("Worth a look  none");

    FcpRun same = FcpRun.of("diff", a.toString(), a.toString());
    assertThat(same.out()).contains("No differences");
    assertThat(same.exitCode()).as(same.err()).isZero();
  }

  @Test
  void errorsAreOneLineWithoutStackTraces() throws Exception {
    Path junk = FixtureArchives.scratch("cli").resolve("junk.tar");
    Files.write(junk, new byte[1024 + 7]);
    Files.write(junk, "garbage-garbage".repeat(100).getBytes());
    FcpRun r = FcpRun.of("inspect", junk.toString());
    assertThat(r.exitCode()).as("an invalid archive").isEqualTo(3);
    assertThat(r.err()).startsWith("fcp: not a tar header").contains("offset 0").doesNotContain("\tat ");
    FcpRun missing = FcpRun.of("memparse", "--pid", "1", FixtureArchives.write(Flavour.CRIO_OPERATOR).toString());
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("no process with PID 1");
  }
}
