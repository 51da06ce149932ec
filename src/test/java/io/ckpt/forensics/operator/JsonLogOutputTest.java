package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FCP_LOG_FORMAT=json: what a log collector receives on stderr is one JSON object per line with the
 * documented keys, whatever the message holds, and never the kubelet bearer token.
 */
class JsonLogOutputTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream realStderr;
  private Handler[] realHandlers;
  private Level realLevel;

  /** LogSetup's ConsoleHandler writes to the System.err of the moment it is installed: this buffer. */
  @BeforeEach
  void installJsonLoggingOntoABuffer() {
    Logger root = Logger.getLogger("");
    realHandlers = root.getHandlers();
    realLevel = root.getLevel();
    realStderr = System.err;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    LogSetup.install(OperatorConfig.LogFormat.json);
  }

  @AfterEach
  void restoreLogging() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    Arrays.stream(realHandlers).forEach(root::addHandler);
    root.setLevel(realLevel);
    System.setErr(realStderr);
  }

  @Test
  void everyRecordIsOneJsonLineWithTimeLevelLoggerMsgAndError() throws Exception {
    Logger log = Logger.getLogger("io.ckpt.forensics.operator.ForensicCheckpointReconciler");
    log.log(Level.WARNING, "kubelet said \"no\"\nnode=worker-1\ttab", new IllegalStateException("boom\non two lines"));
    log.info("plain");

    List<String> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode warning = JSON.readTree(lines.get(0));
    assertThat(fieldNames(warning)).containsExactly("time", "level", "logger", "msg", "error");
    assertThat(warning.get("level").asText()).isEqualTo("WARN");
    assertThat(warning.get("logger").asText()).isEqualTo("ForensicCheckpointReconciler");
    assertThat(warning.get("msg").asText()).isEqualTo("kubelet said \"no\"\nnode=worker-1\ttab");
    assertThat(warning.get("error").asText()).isEqualTo("java.lang.IllegalStateException: boom\non two lines");
    assertThat(java.time.Instant.parse(warning.get("time").asText())).isNotNull();
    JsonNode info = JSON.readTree(lines.get(1));
    assertThat(fieldNames(info)).containsExactly("time", "level", "logger", "msg");
    assertThat(info.get("level").asText()).isEqualTo("INFO");
  }

  @Test
  void theDirectTransportsStartLineNamesTheTokenFileNeverTheToken(@TempDir Path dir) throws Exception {
    String token = "eyJhbGciOiJSUzI1NiJ9.secret-service-account-token";
    Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of(OperatorConfig.TRANSPORT, "direct",
        OperatorConfig.TOKEN_FILE, tokenFile.toString(), OperatorConfig.KUBELET_INSECURE_SKIP_VERIFY, "true"));
    Config clientConfig = new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:1")
        .withOauthToken("kubeconfig-" + token).build();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig).build()) {
      OperatorMain.transport(config, clientConfig, client).close();
    }

    List<String> lines = lines();
    assertThat(lines).anySatisfy(l -> assertThat(JSON.readTree(l).get("msg").asText())
        .startsWith("direct kubelet transport").contains(tokenFile.toString()));
    for (String line : lines) {
      assertThat(fieldNames(JSON.readTree(line))).startsWith("time", "level", "logger", "msg");
      assertThat(line).doesNotContain("secret-service-account-token");
    }
  }

  private List<String> lines() {
    Arrays.stream(Logger.getLogger("").getHandlers()).forEach(Handler::flush);
    return stderr.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
