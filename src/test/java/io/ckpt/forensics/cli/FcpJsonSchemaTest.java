package io.ckpt.forensics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.ckpt.forensics.archive.FixtureArchives;
import io.ckpt.forensics.archive.FixtureArchives.Flavour;
import io.ckpt.forensics.archive.MountpointsTest;
import io.ckpt.forensics.evidence.CustodyPredicate.SeriesPosition;
import io.ckpt.forensics.evidence.EvidenceFixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every command's {@code --format json} output on the fixtures validates against the schema users
 * get, docs/fcp-output.schema.json (JSON Schema 2020-12), and the schema is strict enough to catch a
 * renamed, added or missing field.
 */
class FcpJsonSchemaTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCHEMA_FILE = Path.of(System.getProperty("project.root", "."))
      .resolve("docs/fcp-output.schema.json");
  private static Schema schema;

  @TempDir
  Path dir;

  @BeforeAll
  static void loadSchema() throws IOException {
    // only the bundled meta-schemas and the file itself: never a fetch over the network
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));
    schema = registry.getSchema(Files.readString(SCHEMA_FILE), InputFormat.JSON);
  }

  @Test
  void theSchemaFileIsAJsonSchema202012() throws IOException {
    Schema metaSchema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)))
        .getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    String text = Files.readString(SCHEMA_FILE);
    assertThat(metaSchema.validate(text, InputFormat.JSON)).isEmpty();
    assertThat(JSON.readTree(text).path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
  }

  @ParameterizedTest
  @EnumSource(Flavour.class)
  void inspectSummaryMemparseAndDiffValidateOnEveryFixture(Flavour flavour) {
    String a = FixtureArchives.write(flavour).toString();
    for (String[] args : List.of(new String[] {"inspect", "--format", "json", a},
        new String[] {"inspect", "--all", "--format", "json", a},
        new String[] {"inspect", "--all", "--show-secrets", "--format", "json", a, a},
        new String[] {"summary", "--format", "json", a},
        new String[] {"memparse", "--format", "json", a},
        new String[] {"memparse", "--pid", "2956", "--search", "ANDROID_ROOT", "--context", "4", "--format", "json", a},
        new String[] {"diff", "--format", "json", a, a},
        new String[] {"diff", "--ps-tree-cmd", "--files", "--sockets", "--format", "json", a, a})) {
      valid(FcpRun.of(args), 0, args);
    }
  }

  @Test
  void inspectV2NamesTheCriuMountsInSnakeCase() throws IOException {
    Map<String, byte[]> members = FixtureArchives.members(Flavour.CRIO_OPERATOR);
    members.put("checkpoint/mountpoints-13.img", MountpointsTest.image(
        MountpointsTest.mount(1186, 1185, "/", "overlay", "overlay")));
    Path file = FixtureArchives.scratch("json-schema").resolve("checkpoint-with-mounts.tar");
    try (OutputStream out = Files.newOutputStream(file)) {
      FixtureArchives.write(members, out);
    }

    JsonNode doc = valid(FcpRun.of("inspect", "--mounts", "--format", "json", file.toString()), 0).get(0);

    assertThat(doc.path("schema").asText()).isEqualTo("fcp.inspect/v2");
    assertThat(doc.has("criuMounts")).isFalse();
    assertThat(doc.path("criu_mounts").get(0).path("parent_id").asInt()).isEqualTo(1185);
    assertThat(doc.path("criu_mounts").get(0).has("parentId")).isFalse();
  }

  @Test
  void listNamesEveryArchiveAndTheUnreadableOnes() throws IOException {
    Files.copy(FixtureArchives.write(Flavour.CRIO_OPERATOR), dir.resolve("checkpoint-podname_namespace-nginx.tar"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.copy(FixtureArchives.write(Flavour.CONTAINERD), dir.resolve("checkpoint-web-0_shop-app.tar"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(dir.resolve("broken.tar"), "not a tar");

    FcpRun run = FcpRun.of("list", "--format", "json", dir.toString());
    JsonNode doc = valid(run, 3); // 3: an archive was unreadable (it is listed under "unreadable")

    assertThat(doc.path("archives")).hasSize(2);
    JsonNode crio = doc.path("archives").get(0);
    assertThat(crio.path("archive").asText()).isEqualTo(dir.resolve("checkpoint-podname_namespace-nginx.tar").toString());
    assertThat(crio.path("namespace").asText()).isEqualTo("namespace");
    assertThat(crio.path("container").asText()).isEqualTo("nginx");
    assertThat(crio.path("checkpointed").asText()).isEqualTo("2024-01-28T00:10:45+05:30");
    assertThat(doc.path("unreadable").get(0).path("archive").asText()).endsWith("broken.tar");
    // errors stay text on stderr in JSON mode
    assertThat(run.err()).startsWith("fcp: skipping broken.tar");
    JsonNode empty = valid(FcpRun.of("list", "--format", "json", Files.createDirectory(dir.resolve("none")).toString()), 0);
    assertThat(empty.path("archives")).isEmpty();
  }

  @Test
  void memparseSearchGivesAddressesAsHexAndSaysWhetherItWasCut() {
    String a = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();

    JsonNode hit = valid(FcpRun.of("memparse", "--pid", "2956", "--search", "ANDROID_ROOT", "--context", "4", "--format",
        "json", a), 0);
    JsonNode none = valid(FcpRun.of("memparse", "--pid", "2956", "--search", "no-such-text-anywhere", "--format", "json",
        a), 0);
    JsonNode cut = valid(FcpRun.of("memparse", "--pid", "2956", "--search-regex", "[A-Z]+=", "--max-matches", "1",
        "--format", "json", a), 0);
    JsonNode sizes = valid(FcpRun.of("memparse", "--format", "json", a), 0);

    assertThat(hit.path("matches").get(0).path("address").asText()).isEqualTo("0x7ffca47bf1");
    assertThat(hit.path("matches").get(0).path("text").asText()).isEqualTo("ata.ANDROID_ROOT=/sy");
    assertThat(hit.path("complete").asBoolean()).isTrue();
    assertThat(hit.path("regex").asBoolean()).isFalse();
    assertThat(none.path("matches")).isEmpty();
    assertThat(none.path("complete").asBoolean()).isTrue();
    assertThat(cut.path("matches")).hasSize(1);
    assertThat(cut.path("complete").asBoolean()).isFalse();
    assertThat(sizes.path("processes").get(0).path("memory_bytes").asLong()).isEqualTo(160 * 1024);
    assertThat(sizes.path("processes").get(0).path("shared_memory_bytes").asLong()).isEqualTo(268 * 1024);
  }

  @Test
  void filesAndSummaryOfFileChangesValidate() {
    String a = io.ckpt.forensics.archive.FileChangeFixtures.write().toString();
    JsonNode files = valid(FcpRun.of("files", "--format", "json", a), 0);
    assertThat(files.path("counts").path("written").asLong()).isEqualTo(14);
    assertThat(files.path("entries")).anySatisfy(e -> assertThat(e.path("path").asText()).isEqualTo("/dev/shm/.cache"));
    valid(FcpRun.of("files", "--no-sha256", "--change", "deleted", "--format", "json", a), 0);
    String plain = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
    JsonNode diff = valid(FcpRun.of("diff", "--written", "--format", "json", plain, a), 1);
    assertThat(diff.path("written_changes").path("added").size()).isEqualTo(20);
    JsonNode summary = valid(FcpRun.of("summary", "--format", "json", a), 0);
    assertThat(summary.path("file_changes").path("tmpfs").asLong()).isEqualTo(4);
    assertThat(summary.path("file_changes").path("top").size()).isEqualTo(5);
  }

  @Test
  void summaryHoldsWhatTheTextShows() {
    JsonNode doc = valid(FcpRun.of("summary", "--format", "json", FixtureArchives.write(Flavour.CRIO_OPERATOR).toString()),
        0);

    assertThat(doc.path("container").path("name").asText()).isEqualTo("nginx");
    assertThat(doc.path("architecture").asText()).isEqualTo("AARCH64");
    assertThat(doc.path("page_size").asInt()).isEqualTo(4096);
    assertThat(doc.path("processes").get(0).path("cmdline").asText()).isEqualTo("./loop2 ");
    assertThat(doc.path("memory_bytes").asLong()).isEqualTo(160 * 1024);
    assertThat(doc.path("worth_a_look")).isEmpty();
  }

  @Test
  void diffWithEverySelector() throws IOException {
    String before = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
    String after = FcpDiffTest.laterCheckpoint().toString();

    JsonNode all = valid(FcpRun.of("diff", "--ps-tree-cmd", "--files", "--sockets", "--format", "json", before, after), 1);
    JsonNode processesOnly = valid(FcpRun.of("diff", "--format", "json", before, after), 0);

    assertThat(all.path("container_name").asText()).isEqualTo("nginx");
    assertThat(all.path("file_changes").path("removed")).extracting(f -> f.path("fd").asText())
        .containsExactly("cwd", "root");
    assertThat(all.path("file_changes").path("added").get(0).path("type").asText()).isEqualTo("INETSK");
    JsonNode socket = all.path("socket_changes").path("added").get(0);
    assertThat(socket.path("pid").asInt()).isEqualTo(2956);
    assertThat(socket.path("state").asText()).isEqualTo("LISTEN");
    assertThat(socket.path("src_port").asInt()).isEqualTo(8080);
    assertThat(all.path("changes").asInt()).isEqualTo(4);
    assertThat(processesOnly.has("file_changes")).isFalse();
    assertThat(processesOnly.has("socket_changes")).isFalse();
    assertThat(processesOnly.path("changes").asInt()).isZero();
  }

  @Test
  void verifyPassedFailedSkippedAndAChain() throws IOException {
    Path signingKey = EvidenceFixtures.newSigningKey(dir, "EC");
    String publicKey = EvidenceFixtures.publicKeyOf(signingKey).toString();
    EvidenceFixtures.Stored plain = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 1), List.of(), signingKey,
        null, null);
    Path evidence = Files.write(dir.resolve("evidence.tar"), plain.stored());
    Path record = Files.write(dir.resolve("evidence.tar.dsse.json"), plain.recordFile());
    EvidenceFixtures.Stored encrypted = EvidenceFixtures.collect(EvidenceFixtures.archive(4096, 2),
        List.of(EvidenceFixtures.keyFile("test-only-recipient-b.pub.asc")), signingKey, null, null);
    Path sealed = Files.write(dir.resolve("evidence.tar.gpg"), encrypted.stored());
    Path sealedRecord = Files.write(dir.resolve("evidence.tar.gpg.dsse.json"), encrypted.recordFile());
    List<String> chain = new ArrayList<>(List.of("verify", "--key", publicKey, "--format", "json", "--chain"));
    byte[] previous = null;
    for (int i = 0; i < 2; i++) {
      EvidenceFixtures.Stored stored = EvidenceFixtures.collect(EvidenceFixtures.archive(10, i), List.of(), signingKey,
          new SeriesPosition(i, 2), previous);
      previous = stored.recordFile();
      chain.add(Files.write(dir.resolve("record-" + i + ".dsse.json"), previous).toString());
    }

    JsonNode ok = valid(FcpRun.of("verify", "--key", publicKey, "--record", record.toString(), "--format", "json",
        evidence.toString()), 0);
    JsonNode skipped = valid(FcpRun.of("verify", "--key", publicKey, "--record", sealedRecord.toString(), "--format",
        "json", sealed.toString()), 0);
    JsonNode chained = valid(FcpRun.of(chain.toArray(String[]::new)), 0);
    Files.write(evidence, new byte[] {1});
    JsonNode failed = valid(FcpRun.of("verify", "--key", publicKey, "--record", record.toString(), "--format", "json",
        evidence.toString()), 1);

    assertThat(ok.path("verified").asBoolean()).isTrue();
    assertThat(ok.path("checks")).hasSize(6).allMatch(c -> c.path("outcome").asText().equals("passed"));
    assertThat(skipped.path("checks")).anyMatch(c -> c.path("outcome").asText().equals("skipped"));
    assertThat(chained.path("checks")).anyMatch(c -> c.path("name").asText().equals("series complete"));
    assertThat(failed.path("verified").asBoolean()).isFalse();
    assertThat(failed.path("checks")).anyMatch(c -> c.path("name").asText().equals("stored sha256")
        && c.path("outcome").asText().equals("failed"));
  }

  @Test
  void errorsStayOneTextLineOnStderrWithNothingOnStdout() throws IOException {
    Path junk = Files.writeString(dir.resolve("junk.tar"), "garbage-garbage".repeat(100));
    String a = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();

    FcpRun broken = FcpRun.of("inspect", "--format", "json", a, junk.toString());
    FcpRun hexDump = FcpRun.of("memparse", "--pid", "2956", "--format", "json", a);

    assertThat(broken.exitCode()).as("an invalid archive").isEqualTo(3);
    assertThat(broken.out()).isEmpty();
    assertThat(broken.err()).startsWith("fcp: not a tar header").hasLineCount(1);
    assertThat(hexDump.exitCode()).isEqualTo(2);
    assertThat(hexDump.out()).isEmpty();
    assertThat(hexDump.err()).startsWith("fcp: --format json covers the sizes and --search");
  }

  @Test
  void theSchemaCatchesDrift() throws IOException {
    String a = FixtureArchives.write(Flavour.CRIO_OPERATOR).toString();
    ArrayNode inspect = (ArrayNode) valid(FcpRun.of("inspect", "--all", "--format", "json", a), 0);
    ObjectNode diff = (ObjectNode) valid(FcpRun.of("diff", "--files", "--format", "json", a, a), 0);

    ObjectNode camel = inspect.get(0).deepCopy();
    camel.set("criuMounts", camel.remove("criu_mounts"));
    ObjectNode oldVersion = ((ObjectNode) inspect.get(0).deepCopy()).put("schema", "fcp.inspect/v1");
    ObjectNode extraProcessField = inspect.get(0).deepCopy();
    ((ObjectNode) extraProcessField.path("processes").get(0)).put("parentPid", 0);
    ObjectNode stringForNumber = inspect.get(0).deepCopy();
    ((ObjectNode) stringForNumber.path("sizes")).put("checkpoint_bytes", "166.8 KiB");
    ObjectNode noProcessChanges = diff.deepCopy();
    noProcessChanges.remove("process_changes");
    ObjectNode unknownDocument = diff.deepCopy().put("schema", "fcp.diff/v9");

    assertThat(errors(JSON.createArrayNode().add(camel))).anyMatch(e -> e.contains("criuMounts"));
    assertThat(errors(JSON.createArrayNode().add(oldVersion))).isNotEmpty();
    assertThat(errors(JSON.createArrayNode().add(extraProcessField))).anyMatch(e -> e.contains("parentPid"));
    assertThat(errors(JSON.createArrayNode().add(stringForNumber))).anyMatch(e -> e.contains("checkpoint_bytes"));
    assertThat(errors(noProcessChanges)).anyMatch(e -> e.contains("process_changes"));
    assertThat(errors(unknownDocument)).isNotEmpty();
    assertThat(errors(JSON.createArrayNode())).isNotEmpty();
    // the optional sha256 of inspect and summary (docs/fcp.md) is allowed
    ObjectNode withDigest = ((ObjectNode) inspect.get(0).deepCopy()).put("sha256", "0".repeat(64));
    assertThat(errors(JSON.createArrayNode().add(withDigest))).isEmpty();
  }

  /** The run's exit code and stdout parsed, after checking that stdout validates against the schema. */
  private static JsonNode valid(FcpRun run, int exitCode, String... args) {
    String what = "fcp " + String.join(" ", Arrays.asList(args));
    assertThat(run.exitCode()).as(what + ": " + run.err()).isEqualTo(exitCode);
    try {
      JsonNode doc = JSON.readTree(run.out());
      assertThat(errors(doc)).as(what + " output:\n" + run.out()).isEmpty();
      return doc;
    } catch (IOException e) {
      throw new AssertionError(what + " printed no JSON: " + run.out(), e);
    }
  }

  private static List<String> errors(JsonNode doc) {
    try {
      return schema.validate(JSON.writeValueAsString(doc), InputFormat.JSON).stream().map(Error::toString).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
