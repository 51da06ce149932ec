package io.ckpt.forensics.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.api.CheckpointPhase;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.cluster.ChartRelease;
import io.ckpt.forensics.cluster.ChartedLab;
import io.ckpt.forensics.cluster.OperatorProcess;
import io.ckpt.forensics.lab.Lab;
import io.ckpt.forensics.lab.LabAvailability;
import io.ckpt.forensics.lab.LabOptions;
import io.ckpt.forensics.operator.CollectorPods;
import io.ckpt.forensics.operator.OperatorMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator image that `package` builds (target/jib-image.tar, pom.xml), taken as a cluster
 * would take it: its config (user, entrypoint with the shipped JVM flags, name), and its filesystem
 * unpacked and run ({@link ImageRoot}) as the operator against the lab's API server, as fcp and as
 * the evidence collector. Nothing of the build's classpath or JDK is used: only what is in the image.
 */
class OperatorImageIT {

  @RegisterExtension
  static final ChartedLab CLUSTER = new ChartedLab(LabOptions.defaults().name("image-it").nodes(1), Map.of());
  static final Path ROOT = ChartRelease.projectRoot();
  static final String NONROOT = "65532";

  static ImageTarball image;
  static ImageRoot container;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("operator.build.dir", ROOT.resolve("target").toString()))
        .resolve("jib-image.tar");
    assertThat(tarball).as("the image the build writes in `package` (pom.xml, jib-maven-plugin buildTar); run the"
        + " cluster tests through `verify`, and without -Dimage.ci.phase=none").exists();
    image = ImageTarball.read(tarball);
    Path rootfs = CLUSTER.lab().runDir().resolve("image-rootfs");
    image.unpack(rootfs, ImageRoot.unavailableReason().isEmpty());
    container = new ImageRoot(image, rootfs);
  }

  /** The unpacked image is 130 MiB; the lab's run directory keeps the logs only. */
  @AfterAll
  static void removeFilesystem() throws IOException {
    if (container == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(container.root())) { // links are removed, never followed
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Test
  void theImageIsTheChartsDefaultAndRunsTheOperatorAsNonrootWithTheShippedFlags() throws Exception {
    assertThat(image.repoTags()).as("the chart's default image (image.repository:appVersion) is the one built")
        .containsExactly(CLUSTER.chart().operatorImage());
    assertThat(image.user()).isEqualTo(NONROOT + ":" + NONROOT);
    List<String> flags = ImageJvmFlags.fromPom(ROOT);
    List<String> entrypoint = image.entrypoint();
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(1, 1 + flags.size())).as("the JVM flags of pom.xml, before the main class")
        .containsExactlyElementsOf(flags);
    assertThat(entrypoint.subList(1 + flags.size(), entrypoint.size()))
        .containsExactly("-cp", "@/app/jib-classpath-file", OperatorMain.class.getName());
    assertThat(image.cmd()).as("no arguments: the operator; `collect ...` and `fcp ...` select the other modes")
        .isEmpty();

    Path rootfs = container.root();
    assertThat(rootfs.resolve("app/jib-classpath-file")).isRegularFile();
    assertThat(Files.readString(rootfs.resolve("etc/passwd")))
        .contains("nonroot:x:" + NONROOT + ":" + NONROOT + ":");
    assertThat((int) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777)
        .as("/tmp: sticky, writable by all").isEqualTo(01777);
  }

  @Test
  void theImagesFilesystemStartsTheOperatorWhichCheckpointsAContainer() throws Exception {
    requireImageRoot("running the operator from the image's filesystem");
    assertThat(Files.getAttribute(container.root().resolve("home/nonroot"), "unix:uid"))
        .as("the nonroot user's home is its own").isEqualTo(Integer.valueOf(NONROOT));
    Lab lab = CLUSTER.lab();
    lab.createRunningPod("dev", "image-victim", lab.nodes().get(0), "app");
    // as a mounted secret: readable by the container's user only
    Path kubeconfig = CLUSTER.chart().operatorKubeconfig(container.root().resolve("tmp/kubeconfig"));
    Files.setAttribute(kubeconfig, "unix:uid", Integer.valueOf(NONROOT));
    Map<String, String> env = new LinkedHashMap<>(CLUSTER.chart().operatorEnvironment());
    env.put("KUBECONFIG", "/tmp/kubeconfig");
    env.put("FCP_HEALTH_PORT", "0");
    env.put("HOSTNAME", "operator-from-image");

    try (OperatorProcess operator = OperatorProcess.start(container.process(List.of(), env),
        lab.runDir().resolve("operator-from-image.log"))) {
      int port = operator.healthPort(Duration.ofSeconds(90));
      Path processRoot = Files.readSymbolicLink(Path.of("/proc", String.valueOf(operator.pid()), "root"));
      assertThat(processRoot).as("the operator's root directory is the image's filesystem").isEqualTo(container.root());
      assertThat(Files.readString(Path.of("/proc", String.valueOf(operator.pid()), "status")))
          .as("it runs as the image's user").containsPattern("(?m)^Uid:\\s+" + NONROOT + "\\s");
      Awaitility.await("/readyz answers 200").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> OperatorProcess.get(port, "/readyz").getKey() == 200);

      CLUSTER.fcps().create("dev", "from-image", "image-victim", "app");
      ForensicCheckpoint done = CLUSTER.fcps().awaitTerminal("dev", "from-image", Duration.ofSeconds(90));

      assertThat(done.getStatus().getPhase()).as(operator.log()).isEqualTo(CheckpointPhase.Succeeded);
    }
  }

  @Test
  void theSameImageRunsFcpAndTheEvidenceCollector() throws Exception {
    requireImageRoot("running fcp and the collector from the image's filesystem");

    Finished fcp = run(List.of("fcp", "--version"));
    assertThat(fcp.exitCode()).as(fcp.output()).isZero();
    assertThat(fcp.output()).contains("fcp " + PomVersion.read());

    Finished collect = run(List.of("collect", "--help"));
    assertThat(collect.exitCode()).as(collect.output()).isZero();
    assertThat(collect.output()).contains("Usage: collect").contains("--archive").contains("--store");

    // as the collector pod runs it: its own command and JVM options, not the operator's C1-only flags
    Process pod = container.process(CollectorPods.COMMAND, List.of("collect", "--help"), Map.of("HOSTNAME",
        "image-it", "JAVA_TOOL_OPTIONS", CollectorPods.JVM_OPTIONS + " -XX:+PrintFlagsFinal"))
        .redirectErrorStream(true).start();
    pod.getOutputStream().close();
    String podOutput = new String(pod.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(pod.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(pod.exitValue()).as(podOutput).isZero();
    assertThat(podOutput).contains("Usage: collect");
    assertThat(podOutput.lines().filter(l -> l.matches("\\s*intx TieredStopAtLevel\\s.*")))
        .as("C2 stays on for hashing and encryption").singleElement().asString().contains("= 4");
    assertThat(podOutput.lines().filter(l -> l.matches("\\s*bool TieredCompilation\\s.*")))
        .as("C2 alone, without C1's tiers").singleElement().asString().contains("= false");
    assertThat(podOutput.lines().filter(l -> l.matches("\\s*size_t MaxHeapSize\\s.*")))
        .as("the pod's heap bound, not the operator's").singleElement().asString().contains("= 41943040");
    assertThat(podOutput.lines().filter(l -> l.matches("\\s*intx MaxNodeLimit\\s.*")))
        .as("the C2 graph cap that bounds the compiler's arena").singleElement().asString().contains("= 10000");
  }

  record Finished(int exitCode, String output) {}

  private static Finished run(List<String> args) throws Exception {
    Process process = container.process(args, Map.of("HOSTNAME", "image-it")).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the image with " + args + " did not exit within 60 s:\n" + output);
    }
    return new Finished(process.exitValue(), output);
  }

  /** Fails under FCP_LAB_REQUIRED=true (CI), else skips with the reason, when this JVM cannot run the image. */
  private static void requireImageRoot(String what) {
    ImageRoot.unavailableReason().ifPresent(reason -> {
      LabAvailability.requireOrReport(what, reason);
      Assumptions.abort(reason);
    });
  }
}
