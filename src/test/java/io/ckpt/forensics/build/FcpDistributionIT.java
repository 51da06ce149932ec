package io.ckpt.forensics.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.PomVersion;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.cli.FcpMain;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What {@code ./mvnw package} ships of fcp, run as a user runs it: target/fcp-VERSION.jar with
 * nothing but a Java runtime, and target/fcp-VERSION.tar.gz unpacked (launcher, completion, man
 * pages). An IT because both exist only after the package phase. The commands and options expected
 * in the completion script and the man pages come from fcp's own command model, so that adding an
 * option needs no change here.
 */
class FcpDistributionIT {

  static final Path BUILD = Path.of(System.getProperty("operator.build.dir", "target")).toAbsolutePath();
  static final String VERSION = PomVersion.read();
  static final Path JAR = BUILD.resolve("fcp-" + VERSION + ".jar");
  static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
  /** fcp and every subcommand, at any depth, from the model the jar was built from. */
  static final List<CommandSpec> COMMANDS = commands(new CommandLine(new FcpMain()).getCommandSpec());

  @TempDir
  static Path unpacked;
  static Path home;

  @TempDir
  Path dir;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = BUILD.resolve("fcp-" + VERSION + ".tar.gz");
    assertThat(tarball).as("built by ./mvnw package").isRegularFile();
    Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", unpacked.toString()), unpacked,
        Map.of("PATH", "/usr/bin:/bin"));
    assertThat(tar.exit).as(tar.err).isZero();
    home = unpacked.resolve("fcp-" + VERSION);
  }

  // --- the jar on its own ------------------------------------------------------------------------

  @Test
  void theJarRunsWithNothingButAJavaRuntime() throws Exception {
    Result version = javaJar("--version");
    assertThat(version.exit).as(version.err).isZero();
    assertThat(version.out).isEqualTo("fcp " + VERSION + "\n");
    assertThat(version.err).isEmpty();

    Result help = javaJar("--help");
    assertThat(help.exit).as(help.err).isZero();
    for (CommandSpec command : COMMANDS.subList(1, COMMANDS.size())) {
      assertThat(help.out).as("--help lists " + command.qualifiedName()).containsPattern("(?m)^\\s+" + command.name() + "\\b");
    }
  }

  @Test
  void theJarInspectsAnArchiveAsTheClassesDo() throws Exception {
    Path archive = Files.copy(FixtureArchives.write(Flavour.CRIO_OPERATOR), dir.resolve("checkpoint.tar"));
    String[] args = {"inspect", "--all", archive.toString()};

    Result jar = javaJar(args);

    assertThat(jar.exit).as(jar.err).isZero();
    assertThat(jar.out).contains("nginx", "[2956]  ./loop2", "Frozen time: 140.21 ms").isEqualTo(inProcess(args));
  }

  /** Bouncy Castle's jars are signed; with their signatures stripped, their classes still load. */
  @Test
  void theJarVerifiesEvidenceWithBouncyCastle() throws Exception {
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path evidence = Files.write(dir.resolve("evidence.tar"), stored.stored());
    Path record = Files.write(dir.resolve("evidence.tar.dsse.json"), stored.recordFile());

    Result verify = javaJar("verify", "--key", EvidenceFixtures.publicKeyOf(signingKey).toString(), "--record",
        record.toString(), evidence.toString());

    assertThat(verify.exit).as(verify.out + verify.err).isZero();
    assertThat(verify.out).endsWith("verified: 6 checks passed\n");
  }

  /** fcp image reaches Jib's registry client, its HTTP stack and Guava: all of them must be in the jar. */
  @Test
  void theJarBuildsACheckpointImageAndReachesJibsRegistryClient() throws Exception {
    Path archive = Files.copy(FixtureArchives.write(Flavour.CRIO_OPERATOR), dir.resolve("image.tar"));

    Result layout = javaJar("image", archive.toString(), "--name", "nginx", "--output", dir.resolve("layout").toString());
    assertThat(layout.exit).as(layout.err).isZero();
    assertThat(layout.out).contains("org.criu.checkpoint.container.name=nginx");
    assertThat(dir.resolve("layout/index.json")).isRegularFile();

    // nothing listens on port 1: the push gets as far as the connection, through every class on the way
    Result push = javaJar("image", archive.toString(), "--name", "nginx", "--push", "127.0.0.1:1/forensics/nginx:t",
        "--plain-http");
    assertThat(push.exit).as(push.out + push.err).isEqualTo(5);
    assertThat(push.err).startsWith("fcp: the registry could not be reached pushing to 127.0.0.1:1/forensics/nginx:t")
        .doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
  }

  @Test
  void theJarHoldsNoKubernetesClientNorOperatorCode() throws IOException {
    List<String> names;
    try (JarFile jar = new JarFile(JAR.toFile())) {
      names = jar.stream().map(e -> e.getName()).toList();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo(FcpMain.class.getName());
    }
    assertThat(names).contains("io/ckpt/forensics/cli/FcpMain.class", "picocli/CommandLine.class");
    assertThat(names).as("classes fcp never loads").noneMatch(n -> n.startsWith("io/fabric8/")
        || n.startsWith("io/javaoperatorsdk/") || n.startsWith("okhttp3/") || n.startsWith("okio/")
        || n.startsWith("software/amazon/") || n.startsWith("io/ckpt/forensics/operator/")
        || n.startsWith("io/ckpt/forensics/kubelet/") || n.startsWith("io/ckpt/forensics/api/")
        || n.startsWith("io/ckpt/forensics/evidence/store/"));
    assertThat(names).as("signatures of the merged jars").noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)"));
  }

  /**
   * What the jar's classes name but fcp never loads, as "user -> missing" patterns: aircompressor's
   * adapters for Hadoop; Jib's main-class finder (ASM), tarball and cache code (commons-compress) and
   * Google credential retriever (google-auth), which fcp image never reaches; commons-logging's optional
   * back ends (it looks for them by reflection); annotation types (the JVM ignores absent ones).
   */
  private static final List<String> NEVER_LOADED = List.of(
      "io\\.airlift\\.compress\\.\\S+\\s+->\\s+org\\.apache\\.hadoop\\.",
      "com\\.google\\.cloud\\.tools\\.jib\\.\\S+\\s+->\\s+(org\\.objectweb\\.asm|org\\.apache\\.commons\\.compress"
          + "|com\\.google\\.auth)\\.",
      "org\\.apache\\.commons\\.logging\\.impl\\.\\S+\\s+->\\s+(org\\.apache\\.log4j|org\\.apache\\.log|org\\.apache\\.avalon"
          + "|javax\\.servlet)\\.",
      "\\S+\\s+->\\s+(javax\\.annotation|com\\.google\\.errorprone\\.annotations|com\\.google\\.j2objc\\.annotations)\\.");

  /**
   * Every class the jar's classes name is in the jar or the JDK: a package of ours that fcp uses but
   * the shade filter leaves out would fail only when a command reaches it. The exceptions are
   * {@link #NEVER_LOADED}.
   */
  @Test
  void everyClassTheJarNeedsIsInIt() {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElse(null);
    if (jdeps == null) {
      System.out.println("FcpDistributionIT: skipped the jdeps check: this Java runtime has no jdeps");
      Assumptions.abort("this Java runtime has no jdeps");
    }
    StringWriter out = new StringWriter();
    int code = jdeps.run(new PrintWriter(out), new PrintWriter(out), "--multi-release", "17", "--missing-deps",
        JAR.toString());

    assertThat(code).as(out.toString()).isZero();
    List<String> missing = out.toString().lines().filter(l -> l.contains("not found") && l.contains("->"))
        .filter(l -> !l.strip().startsWith(JAR.getFileName().toString())).toList();
    assertThat(missing).as("classes named by the jar's classes but not in it")
        .allMatch(l -> NEVER_LOADED.stream().anyMatch(never -> l.matches("\\s*" + never + ".*")));
  }

  // --- the distribution --------------------------------------------------------------------------

  @Test
  void theLauncherSharesClassDataThroughAPerUserCacheAndRunsWithoutOne() throws Exception {
    Path user = Files.createDirectories(dir.resolve("home"));
    Map<String, String> env = Map.of("HOME", user.toString(), "JAVA_HOME", JAVA.getParent().getParent().toString(),
        "PATH", "/usr/bin:/bin");
    Path launcher = home.resolve("bin/fcp");
    assertThat(Files.isExecutable(launcher)).as("bin/fcp is executable").isTrue();

    Path archive = Files.copy(FixtureArchives.write(Flavour.CRIO_OPERATOR), dir.resolve("checkpoint.tar"));
    List<String> summary = List.of(launcher.toString(), "summary", archive.toString());
    Path cache = user.resolve(".cache/fcp");

    Result version = run(List.of(launcher.toString(), "--version"), dir, env);
    assertThat(version.exit).as(version.err).isZero();
    assertThat(version.out).isEqualTo("fcp " + VERSION + "\n");
    assertThat(jsaFiles(cache)).as("--version dumps no archive (too few classes)").isEmpty();

    Result first = run(summary, dir, env);
    assertThat(jsaFiles(cache)).as("the first command dumped its classes").singleElement()
        .satisfies(n -> assertThat(n).matches("fcp-\\d+\\.jsa"));
    // the second run maps that archive: with -Xshare:on the JVM stops instead of going on without it
    Map<String, String> sharingRequired = new java.util.HashMap<>(env);
    sharingRequired.put("JAVA_OPTS", "-Xshare:on");
    Result second = run(summary, dir, sharingRequired);

    assertThat(List.of(first, second)).allSatisfy(r -> {
      assertThat(r.exit).as(r.err).isZero();
      assertThat(r.out).isEqualTo(inProcess("summary", archive.toString()));
      assertThat(r.err).isEmpty();
    });

    // no writable home: the same output, silently without sharing; and through a symlink, as installed
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("fcp"), launcher);
    Result homeless = run(List.of(bin.resolve("fcp").toString(), "--version"), dir,
        Map.of("HOME", "/nonexistent", "JAVA_HOME", env.get("JAVA_HOME"), "PATH", "/usr/bin:/bin"));
    assertThat(homeless.exit).as(homeless.err).isZero();
    assertThat(homeless.out).isEqualTo("fcp " + VERSION + "\n");
    assertThat(homeless.err).isEmpty();
  }

  /**
   * kubectl fcp's own tarball, as krew or a user unpacks it: bin/kubectl-fcp finds lib/kubectl-fcp.jar,
   * also through a symlink on PATH (KubectlFcpIT runs the plugin through kubectl against a cluster).
   */
  @Test
  void theKubectlFcpDistributionRunsThroughASymlink() throws Exception {
    Path tarball = BUILD.resolve("kubectl-fcp-" + VERSION + ".tar.gz");
    assertThat(tarball).as("built by ./mvnw package").isRegularFile();
    Result tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), dir, Map.of("PATH", "/usr/bin:/bin"));
    assertThat(tar.exit).as(tar.err).isZero();
    Path plugin = dir.resolve("kubectl-fcp-" + VERSION);
    assertThat(Files.isExecutable(plugin.resolve("bin/kubectl-fcp"))).as("bin/kubectl-fcp is executable").isTrue();
    assertThat(plugin.resolve("lib/kubectl-fcp.jar")).isRegularFile();
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("kubectl-fcp"), plugin.resolve("bin/kubectl-fcp"));

    Result version = run(List.of(bin.resolve("kubectl-fcp").toString(), "--version"), dir,
        Map.of("HOME", dir.toString(), "JAVA_HOME", JAVA.getParent().getParent().toString(), "PATH", "/usr/bin:/bin"));

    assertThat(version.exit).as(version.err).isZero();
    assertThat(version.out).isEqualTo("kubectl-fcp " + VERSION + "\n");
    assertThat(version.err).isEmpty();
  }

  /**
   * plugins/krew/fcp.yaml installs from the tarball: every file it copies is in it, its bin is the
   * launcher, its version the pom's; only the release's uri and sha256 are placeholders.
   */
  @Test
  void theKrewManifestNamesWhatTheKubectlFcpTarballHolds() throws Exception {
    Path tarball = BUILD.resolve("kubectl-fcp-" + VERSION + ".tar.gz");
    Result list = run(List.of("tar", "-tzf", tarball.toString()), dir, Map.of("PATH", "/usr/bin:/bin"));
    assertThat(list.exit).as(list.err).isZero();
    var manifest = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
        .readTree(Path.of(System.getProperty("project.root", ".")).resolve("plugins/krew/fcp.yaml").toFile());

    assertThat(manifest.at("/kind").asText()).isEqualTo("Plugin");
    assertThat(manifest.at("/metadata/name").asText()).isEqualTo("fcp");
    assertThat(manifest.at("/spec/version").asText()).isEqualTo("v" + VERSION);
    var platform = manifest.at("/spec/platforms/0");
    assertThat(platform.at("/sha256").asText()).matches("[0-9a-f]{64}");
    assertThat(platform.at("/uri").asText()).endsWith("/kubectl-fcp-" + VERSION + ".tar.gz");
    List<String> copied = new ArrayList<>();
    platform.at("/files").forEach(f -> copied.add(f.at("/from").asText()));
    assertThat(list.out.lines().toList()).as("the tarball holds every file krew copies").containsAll(copied);
    assertThat(copied).contains("kubectl-fcp-" + VERSION + "/bin/kubectl-fcp", "kubectl-fcp-" + VERSION
        + "/lib/kubectl-fcp.jar");
    assertThat(platform.at("/bin").asText()).isEqualTo("kubectl-fcp");
  }

  /**
   * C1 alone (-XX:TieredStopAtLevel=1) compiles no SHA-256 or AES intrinsics: under it every hashing
   * command ran about 8 times slower (docs/benchmarks.md, fcp files). The JVM's own final flags, not
   * the script's text, so that a flag added through another route counts too.
   */
  @Test
  void theLauncherLeavesC2OnForHashing() throws Exception {
    Map<String, String> env = Map.of("HOME", dir.toString(), "JAVA_HOME", JAVA.getParent().getParent().toString(),
        "PATH", "/usr/bin:/bin", "JAVA_OPTS", "-XX:+PrintFlagsFinal");
    Result flags = run(List.of(home.resolve("bin/fcp").toString(), "--version"), dir, env);

    assertThat(flags.exit).as(flags.err).isZero();
    assertThat(flags.out.lines().filter(l -> l.matches("\\s*intx TieredStopAtLevel\\s.*")))
        .singleElement().satisfies(l -> assertThat(l).matches(".*=\\s*4\\s.*"));
    assertThat(flags.out.lines().filter(l -> l.matches("\\s*bool UseSerialGC\\s.*")))
        .singleElement().satisfies(l -> assertThat(l).matches(".*=\\s*true\\s.*"));
    assertThat(flags.out).endsWith("fcp " + VERSION + "\n");
  }

  @Test
  void theBashCompletionOffersEveryCommandAndOption() throws Exception {
    Path script = home.resolve("share/bash-completion/completions/fcp");
    assertThat(script).isRegularFile();
    List<String> subcommands = COMMANDS.subList(1, COMMANDS.size()).stream()
        .filter(c -> c.parent() == COMMANDS.get(0)).map(CommandSpec::name).toList();

    assertThat(complete(script, "fcp", "")).containsAll(subcommands);
    for (CommandSpec command : COMMANDS) {
      List<String> words = new ArrayList<>(List.of(command.qualifiedName().split(" ")));
      words.add("--");
      assertThat(complete(script, words.toArray(String[]::new))).as("completions of " + String.join(" ", words))
          .containsAll(longOptions(command));
    }
  }

  @Test
  void theCompletionScriptLoadsInZsh() throws Exception {
    Path zsh = Stream.of("/usr/bin/zsh", "/bin/zsh").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    if (zsh == null) {
      System.out.println("FcpDistributionIT: skipped the zsh check: no zsh on this machine (apt-get install zsh)");
      Assumptions.abort("no zsh on this machine (apt-get install zsh)");
    }
    Path script = home.resolve("share/bash-completion/completions/fcp");
    Result r = run(List.of(zsh.toString(), "-f", "-c", "source " + script + " && complete -p fcp"), dir,
        Map.of("PATH", "/usr/bin:/bin", "HOME", dir.toString()));
    assertThat(r.exit).as(r.err).isZero();
    assertThat(r.out).contains("_complete_fcp");
  }

  @Test
  void thereIsAManPageForEveryCommandWithEveryOption() throws IOException {
    for (CommandSpec command : COMMANDS) {
      Path page = home.resolve("share/man/man1/" + command.qualifiedName("-") + ".1");
      assertThat(page).as("man page of " + command.qualifiedName()).isRegularFile();
      String roff = Files.readString(page);
      // the text as man shows it: roff's escaped hyphens and font changes removed
      String text = roff.replace("\\-", "-").replaceAll("\\\\f[BIRP]", "").replaceAll("\\\\\\(.{2}", "");
      assertThat(roff).as("a roff page, not AsciiDoc").startsWith("'\\\" t").contains(".TH ");
      assertThat(text).as(page.toString()).contains(command.qualifiedName("-") + " - ", "fcp " + VERSION)
          .contains(longOptions(command));
    }
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static List<String> jsaFiles(Path cache) throws IOException {
    if (!Files.isDirectory(cache)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cache)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsa")).toList();
    }
  }

  private static List<CommandSpec> commands(CommandSpec spec) {
    List<CommandSpec> all = new ArrayList<>(List.of(spec));
    for (CommandLine sub : spec.subcommands().values()) {
      if (sub.getCommandSpec().parent() == spec && !all.contains(sub.getCommandSpec())) { // aliases map twice
        all.addAll(commands(sub.getCommandSpec()));
      }
    }
    return Collections.unmodifiableList(all);
  }

  private static List<String> longOptions(CommandSpec command) {
    return command.options().stream().filter(o -> !o.hidden()).map(OptionSpec::longestName).toList();
  }

  /** What bash offers after the given words (the last one being completed). */
  private List<String> complete(Path script, String... words) throws Exception {
    String line = String.join(" ", words);
    String bash = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); COMP_LINE=\"" + line
        + "\"; COMP_POINT=${#COMP_LINE}; _complete_fcp; printf '%s\\n' \"${COMPREPLY[@]}\"";
    List<String> command = new ArrayList<>(List.of("/bin/bash", "--norc", "-c", bash, "bash", script.toString()));
    command.addAll(List.of(words));
    Result r = run(command, dir, Map.of("PATH", "/usr/bin:/bin"));
    assertThat(r.exit).as(r.err).isZero();
    return r.out.lines().map(String::strip).toList();
  }

  private Result javaJar(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    return run(command, dir, Map.of()); // no environment at all: no CLASSPATH, no JAVA_TOOL_OPTIONS
  }

  private static String inProcess(String... args) {
    StringWriter out = new StringWriter();
    int code = FcpMain.run(args, new PrintWriter(out), new PrintWriter(new StringWriter()));
    assertThat(code).isZero();
    return out.toString();
  }

  record Result(int exit, String out, String err) {}

  private static Result run(List<String> command, Path cwd, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(cwd.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Path out = Files.createTempFile(cwd, "out", ".txt");
    Path err = Files.createTempFile(cwd, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(command + " did not finish in 120 s");
    }
    Result r = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }
}
