package io.ckpt.forensics.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maven Wrapper (mvnw) installs only a Maven whose archive has the pinned SHA-512, and never
 * installs system packages. Each case runs the real script with a PATH of its own and a fresh
 * MAVEN_USER_HOME, so nothing on this machine is touched.
 */
class MavenWrapperTest {

  static final Path ROOT = Paths.get(System.getProperty("project.root", "")).toAbsolutePath();
  /** What the script may run; anything else on the real PATH stays out of reach. */
  static final List<String> TOOLS = List.of("bash", "env", "id", "dirname", "mktemp", "rm", "tar", "mkdir", "mv",
      "cut", "sha512sum", "cat", "touch");

  @TempDir
  Path dir;

  @Test
  void theMavenVersionAndTheArchivesSha512ArePinnedInTheScript() throws IOException {
    String script = Files.readString(ROOT.resolve("mvnw"));
    assertThat(script).containsPattern("(?m)^version=3\\.9\\.\\d+$").containsPattern("(?m)^sha512=[0-9a-f]{128}$");
    // quoted text may tell the user what to install; commands outside quotes may not install it
    String commands = script.replaceAll("\"[^\"\n]*\"", "\"\"");
    assertThat(commands).as("mvnw installs no system packages").doesNotContainPattern(
        "(?m)^[^#]*\\b(apt-get|apt|dnf|yum|apk|brew|zypper|sudo) +(-\\S+ +)*(install|update|add)\\b");
    assertThat(script).as("no download address in the repository").doesNotContain("http://", "https://");
  }

  @Test
  void anArchiveWithAnotherSha512IsRefusedAndNotInstalled() throws Exception {
    Path bin = toolbox();
    // a "mvn" that fetches a tampered archive: a valid tarball with a Maven-looking tree
    Path fake = Files.createDirectories(dir.resolve("fake/apache-maven-" + pinnedVersion() + "/bin"));
    Files.writeString(fake.resolve("mvn"), "#!/usr/bin/env bash\ntouch \"$MARKER\"\n");
    fake.resolve("mvn").toFile().setExecutable(true);
    Path tarball = dir.resolve("tampered.tar.gz");
    assertThat(run(List.of("tar", "-czf", tarball.toString(), "-C", dir.resolve("fake").toString(), "."),
        Map.of()).exitCode).isZero();
    script(bin, "mvn", """
        for arg in "$@"; do
          case "$arg" in -DoutputDirectory=*) cp "%s" "${arg#-DoutputDirectory=}/apache-maven-%s-bin.tar.gz";; esac
        done
        """.formatted(tarball, pinnedVersion()));
    link(bin, "cp");

    Result result = mvnw(bin);

    assertThat(result.exitCode).as(result.stderr).isNotZero();
    assertThat(result.stderr).contains("mvnw: refusing Maven " + pinnedVersion(), "SHA-512", "not the pinned");
    assertThat(dir.resolve("m2/wrapper")).as("nothing installed").satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    assertThat(dir.resolve("ran")).as("the tampered Maven never ran").doesNotExist();
  }

  @Test
  void withoutAnyMavenItSaysWhatToInstallAndInstallsNothing() throws Exception {
    Path bin = toolbox();
    for (String manager : List.of("apt-get", "apt", "dnf", "yum", "apk", "sudo")) {
      script(bin, manager, "touch \"$MARKER\"\n");
    }

    Result result = mvnw(bin);

    assertThat(result.exitCode).isNotZero();
    assertThat(result.stderr).contains("needs any Maven 3 on PATH", "install Maven 3");
    assertThat(dir.resolve("ran")).as("no package manager was run").doesNotExist();
  }

  // --- running the script ------------------------------------------------------------------------

  record Result(int exitCode, String stderr) {}

  private Result mvnw(Path bin) throws Exception {
    return run(List.of(ROOT.resolve("mvnw").toString(), "-v"), Map.of("PATH", bin.toString(),
        "MAVEN_USER_HOME", dir.resolve("m2").toString(), "HOME", dir.toString(), "MARKER",
        dir.resolve("ran").toString()));
  }

  private Result run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    if (!env.isEmpty()) {
      builder.environment().clear();
      builder.environment().putAll(env);
    }
    Process process = builder.start();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("finished").isTrue();
    return new Result(process.exitValue(), stderr);
  }

  private Path toolbox() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    for (String tool : TOOLS) {
      link(bin, tool);
    }
    return bin;
  }

  private static void link(Path bin, String tool) throws IOException {
    for (String dir : List.of("/usr/bin", "/bin")) {
      Path real = Paths.get(dir, tool);
      if (Files.isExecutable(real)) {
        Files.createSymbolicLink(bin.resolve(tool), real);
        return;
      }
    }
    throw new IllegalStateException(tool + " not found in /usr/bin or /bin");
  }

  private static void script(Path bin, String name, String body) throws IOException {
    Path file = bin.resolve(name);
    Files.writeString(file, "#!/usr/bin/env bash\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String pinnedVersion() throws IOException {
    Matcher version = Pattern.compile("(?m)^version=(\\S+)$").matcher(Files.readString(ROOT.resolve("mvnw")));
    assertThat(version.find()).isTrue();
    return version.group(1);
  }
}
