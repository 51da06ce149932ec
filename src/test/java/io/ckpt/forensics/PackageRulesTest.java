package io.ckpt.forensics;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.ckpt.forensics.operator.KubeconfigClientKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of DESIGN.md, checked on the compiled classes of src/main. Plain
 * {@code ArchRule.check} in JUnit tests: ArchUnit's own test engine is not needed.
 */
class PackageRulesTest {

  private static final String OURS = "io.ckpt.forensics..";
  private static final String API = "io.ckpt.forensics.api..";
  private static final String KUBELET = "io.ckpt.forensics.kubelet..";
  private static final String ARCHIVE = "io.ckpt.forensics.archive..";
  private static final String CRIU = "io.ckpt.forensics.archive.criu..";
  /**
   * Write-once evidence stores (S3 with Object Lock, a filesystem): what the collector uses to
   * store evidence, without a cluster. Its SDKs are not on fcp's classpath, so fcp does not load it.
   */
  private static final String EVIDENCE_STORES = "io.ckpt.forensics.evidence.store..";
  /**
   * The evidence collector: the operator image's collect mode, run in a pod without API rights.
   * It uses the stores and the evidence package, never the Kubernetes client nor the operator.
   */
  private static final String COLLECTOR = "io.ckpt.forensics.collector..";
  /**
   * What runs on a laptop without a cluster: fcp, the analysis a collector reuses, and evidence
   * itself (hashing, encryption, custody records and their verification, which fcp verify loads;
   * the package alone, not its stores). A library that these use must be in the fcp jar too: add it
   * to {@link #FCP_LIBRARIES} and to the fcp-jar shade execution's artifactSet in pom.xml.
   */
  private static final String[] OFFLINE = {ARCHIVE, "io.ckpt.forensics.analysis..", "io.ckpt.forensics.cli..",
      "io.ckpt.forensics.evidence", "io.ckpt.forensics.export.."};
  /**
   * The libraries the offline packages may use, by package, with the artifact the fcp jar takes
   * each from (the jar holds nothing else: no Kubernetes client, which would also slow start-up).
   */
  private static final Map<String, String> FCP_LIBRARIES = Map.of("picocli..", "picocli",
      "com.fasterxml.jackson.core..", "jackson-core", "com.fasterxml.jackson.databind..", "jackson-databind",
      "com.fasterxml.jackson.annotation..", "jackson-annotations", "com.google.protobuf..", "protobuf-java",
      "io.airlift.compress..", "aircompressor",
      // evidence (fcp verify): OpenPGP, the curve arithmetic it and SigningKey use, and the ASN.1
      // identifiers bcpg loads at run time (PGPUtil needs asn1.cryptlib from bcutil)
      "org.bouncycastle.openpgp..", "bcpg-jdk18on", "org.bouncycastle..", "bcprov-jdk18on",
      "org.bouncycastle.asn1.cryptlib..", "bcutil-jdk18on",
      // export (fcp image): Jib's registry client; what it loads at run time is JIB_RUNTIME
      "com.google.cloud.tools.jib..", "jib-core");
  /**
   * What jib-core loads when fcp image pushes, though no class of ours names it: ArchUnit cannot see
   * it, so it is listed here, checked against the fcp-jar artifactSet, and FcpDistributionIT pushes
   * with the built jar.
   */
  private static final List<String> JIB_RUNTIME = List.of("jib-build-plan", "google-http-client",
      "google-http-client-apache-v2", "httpclient", "httpcore", "commons-logging", "commons-codec", "opencensus-api",
      "opencensus-contrib-http-util", "grpc-context", "guava", "failureaccess", "jackson-datatype-jsr310");
  /**
   * {@code kubectl fcp}: talks to the API server as its user (Fabric8) and to S3 with the user's own
   * credentials (the AWS SDK), and reuses the API types and what fcp runs offline (custody verification, fcp inspect). It never reaches the operator's machinery (reconciler, kubelet transports,
   * JOSDK) nor the collector; the one operator class it shares reads a kubeconfig's EC client key.
   */
  private static final String PLUGIN = "io.ckpt.forensics.plugin..";
  /** Everything the plugin may use; the kubectl-fcp-jar shade execution in pom.xml takes these. */
  private static final String[] PLUGIN_REACHES = {PLUGIN, API, ARCHIVE, "io.ckpt.forensics.analysis..",
      "io.ckpt.forensics.cli..", "io.ckpt.forensics.evidence", "java..", "picocli..", "io.fabric8.kubernetes..",
      "com.fasterxml.jackson..", "software.amazon.awssdk.."};
  /** Packages that exist only under src/test. */
  private static final String[] TEST_PACKAGES = {"io.ckpt.forensics.lab..", "io.ckpt.forensics.cluster..",
      "io.ckpt.forensics.bench..", "io.ckpt.forensics.k3s..", "io.ckpt.forensics.chart.."};

  private static JavaClasses main;
  private static Set<String> testOnlyClasses;

  @BeforeAll
  static void importClasses() {
    Path build = Path.of(System.getProperty("build.directory", "target"));
    Path mainClasses = build.resolve("classes");
    Path testClasses = build.resolve("test-classes");
    if (!Files.isDirectory(mainClasses.resolve("io/ckpt/forensics"))) {
      throw new IllegalStateException("no compiled classes under " + mainClasses + "; run through Maven");
    }
    // the generated CRIU classes are most of the bytecode; what uses them is still seen from the other side
    main = new ClassFileImporter().withImportOption(at -> !at.contains("/io/ckpt/forensics/archive/criu/"))
        .importPath(mainClasses);
    Set<String> mainNames = main.stream().map(JavaClass::getName).collect(Collectors.toSet());
    // names are enough here: parsing the test classes would double the import time
    try (Stream<Path> files = Files.walk(testClasses)) {
      testOnlyClasses = files.filter(f -> f.toString().endsWith(".class"))
          .map(f -> testClasses.relativize(f).toString().replaceAll("\\.class$", "").replace('/', '.'))
          .filter(name -> !mainNames.contains(name)).collect(Collectors.toSet());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void apiDependsOnNothingElseOfOurs() {
    noClasses().that().resideInAPackage(API)
        .should().dependOnClassesThat(resideInAPackage(OURS).and(describe("outside api",
            c -> !resideInAPackage(API).test(c))))
        .check(main);
  }

  @Test
  void kubeletDependsOnlyOnApiOfOurs() {
    noClasses().that().resideInAPackage(KUBELET)
        .should().dependOnClassesThat(resideInAPackage(OURS).and(describe("outside kubelet and api",
            c -> !resideInAnyPackage(KUBELET, API).test(c))))
        .check(main);
  }

  /** The evidence stores and the collector too: the collector stores evidence without a cluster. */
  @Test
  void offlinePackagesReachNoClusterClientNorOperator() {
    noClasses().that().resideInAnyPackage(concat(OFFLINE, EVIDENCE_STORES, COLLECTOR))
        .should().dependOnClassesThat().resideInAnyPackage("io.fabric8..", "io.javaoperatorsdk..", "okhttp3..",
            "io.ckpt.forensics.operator..", KUBELET)
        .check(main);
  }

  /** The plugin stays out of the operator's machinery, and nothing of ours builds on the plugin. */
  @Test
  void pluginUsesTheClientApiAndOfflinePackagesOnly() {
    classes().that().resideInAPackage(PLUGIN)
        .should().onlyDependOnClassesThat(resideInAnyPackage(PLUGIN_REACHES).or(describe(
            KubeconfigClientKey.class.getSimpleName(), c -> c.isEquivalentTo(KubeconfigClientKey.class)
                || c.getName().startsWith(KubeconfigClientKey.class.getName() + "$"))))
        .check(main);
    noClasses().that().resideOutsideOfPackage(PLUGIN).should().dependOnClassesThat().resideInAPackage(PLUGIN)
        .check(main);
  }

  /** The jar the kubectl-fcp launcher runs takes the plugin and every package of ours it reaches. */
  @Test
  void kubectlFcpJarTakesThePluginsPackages() throws IOException {
    String pom = Files.readString(Path.of(System.getProperty("project.root", ".")).resolve("pom.xml"));
    Matcher execution = Pattern.compile("(?s)<id>kubectl-fcp-jar</id>.*?<filters>(.*?)</filters>").matcher(pom);
    assertThat(execution.find()).as("pom.xml has the kubectl-fcp-jar shade execution with filters").isTrue();
    for (String ours : List.of("plugin/**", "api/**", "cli/**", "archive/**", "analysis/**", "evidence/*",
        "operator/KubeconfigClientKey*.class")) {
      assertThat(execution.group(1)).contains("<include>io/ckpt/forensics/" + ours + "</include>");
    }
  }

  /**
   * The fcp jar holds only the artifacts of {@link #FCP_LIBRARIES}: a class from any other library
   * would fail there with NoClassDefFoundError, though the operator's classpath has it.
   */
  @Test
  void offlinePackagesUseOnlyTheLibrariesFcpPutsOnItsClasspath() {
    classes().that().resideInAnyPackage(OFFLINE)
        .should().onlyDependOnClassesThat().resideInAnyPackage(concat(concat(OFFLINE, "java.."),
            FCP_LIBRARIES.keySet().toArray(String[]::new)))
        .check(main);
  }

  /** The other half of the rule above: the fcp jar really takes those artifacts (FcpDistributionIT opens it). */
  @Test
  void fcpJarTakesTheAllowedLibraries() throws IOException {
    String pom = Files.readString(Path.of(System.getProperty("project.root", ".")).resolve("pom.xml"));
    Matcher execution = Pattern.compile("(?s)<id>fcp-jar</id>.*?<artifactSet>(.*?)</artifactSet>").matcher(pom);
    assertThat(execution.find()).as("pom.xml has the fcp-jar shade execution with an artifactSet").isTrue();
    for (String artifact : concatenated(FCP_LIBRARIES.values(), JIB_RUNTIME)) {
      assertThat(execution.group(1)).as("the fcp jar's artifactSet").containsPattern(
          "<include>[^<:]+:" + Pattern.quote(artifact) + "</include>");
    }
  }

  @Test
  void mainCodeNeverDependsOnTestCode() {
    noClasses().should().dependOnClassesThat(resideInAnyPackage(TEST_PACKAGES)
            .or(describe("exist only in test-classes", c -> testOnlyClasses.contains(c.getName()))))
        .check(main);
  }

  @Test
  void ourPackagesHaveNoCycles() {
    slices().matching("io.ckpt.forensics.(*)..").should().beFreeOfCycles().check(main);
  }

  @Test
  void onlyArchiveUsesTheGeneratedProtobufTypes() {
    noClasses().that().resideOutsideOfPackage(ARCHIVE).should().dependOnClassesThat().resideInAPackage(CRIU)
        .check(main);
  }

  /** archive's callers see its own records; the generated CRIU types stay an implementation detail. */
  @Test
  void archiveApiExposesNoGeneratedProtobufType() {
    members().that().areDeclaredInClassesThat().resideInAPackage("io.ckpt.forensics.archive")
        .and().areDeclaredInClassesThat().arePublic()
        .and(describe("are public or protected", m -> m.getModifiers().contains(JavaModifier.PUBLIC)
            || m.getModifiers().contains(JavaModifier.PROTECTED)))
        .should(notExposeTypesIn(CRIU))
        .check(main);
  }

  private static ArchCondition<JavaMember> notExposeTypesIn(String packageIdentifier) {
    return new ArchCondition<>("not expose types in " + packageIdentifier) {
      @Override
      public void check(JavaMember member, ConditionEvents events) {
        List<JavaType> exposed = new ArrayList<>();
        if (member instanceof JavaField field) {
          exposed.add(field.getType());
        } else if (member instanceof JavaCodeUnit code) {
          exposed.add(code.getReturnType());
          exposed.addAll(code.getParameterTypes());
        }
        for (JavaType type : exposed) {
          for (JavaClass raw : type.getAllInvolvedRawTypes()) {
            if (resideInAPackage(packageIdentifier).test(raw)) {
              events.add(SimpleConditionEvent.violated(member, member.getFullName() + " exposes " + raw.getName()));
            }
          }
        }
      }
    };
  }

  private static List<String> concatenated(java.util.Collection<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = new String[first.length + rest.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }
}
