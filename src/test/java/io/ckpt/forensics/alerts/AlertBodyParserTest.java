package io.ckpt.forensics.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ckpt.forensics.alerts.Alert.AlertSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AlertBodyParserTest {

  static final int MAX = 262_144;
  final AlertBodyParser parser = new AlertBodyParser(MAX);

  static byte[] seed() throws IOException {
    try (InputStream in = AlertBodyParserTest.class.getResourceAsStream("falco-terminal-shell.json")) {
      return in.readAllBytes();
    }
  }

  @Test
  void readsTheSeedsFalcoAlert() throws Exception {
    List<Alert> alerts = parser.parse(seed());

    assertThat(alerts).hasSize(1);
    Alert a = alerts.get(0);
    assertThat(a.source()).isEqualTo(AlertSource.falco);
    assertThat(a.rule()).isEqualTo("Terminal shell in container");
    assertThat(a.priority()).isEqualTo("Notice");
    assertThat(a.time()).isEqualTo("2022-08-20T13:04:52.730542214Z");
    assertThat(a.tags()).containsExactly("container", "mitre_execution", "shell");
    assertThat(a.namespace()).isEqualTo("dev");
    assertThat(a.pod()).isEqualTo("nettools");
    assertThat(a.containerId()).isEqualTo("0ec4e55bc819");
    assertThat(a.fields()).containsEntry("evt.time", "1661000692730542214").containsEntry("user.loginuid", "-1")
        .containsEntry("proc.tty", "34816");
    assertThat(a.output()).startsWith("13:04:52.730542214: Notice A shell was spawned");
    assertThat(a.firing()).isTrue();
  }

  @Test
  void readsFalcosidekicksWebhookBody() throws Exception {
    String body = """
        {"uuid":"6d3a1f5e-0000-4000-8000-000000000001","output":"shell","priority":"Critical",
         "rule":"Terminal shell in container","time":"2026-12-01T10:00:00.000000000Z","source":"syscall",
         "hostname":"worker-1","tags":["shell"],
         "output_fields":{"container.id":"abcdef012345","container.name":"app","k8s.ns.name":"shop",
                          "k8s.pod.name":"cart-1"}}""";
    Alert a = parser.parse(body.getBytes(StandardCharsets.UTF_8)).get(0);
    assertThat(a.source()).isEqualTo(AlertSource.falco);
    assertThat(a.containerName()).isEqualTo("app");
    assertThat(a.namespace()).isEqualTo("shop");
  }

  @Test
  void readsAnAlertmanagerNotification() throws Exception {
    String body = """
        {"version":"4","groupKey":"{}:{}","status":"firing","receiver":"fcp","groupLabels":{},
         "commonLabels":{},"commonAnnotations":{},"externalURL":"http://am","truncatedAlerts":0,
         "alerts":[
          {"status":"firing","labels":{"alertname":"CryptoMiner","severity":"critical","namespace":"shop",
           "pod":"cart-1","container":"app"},"annotations":{"summary":"xmrig seen"},
           "startsAt":"2026-12-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"a1"},
          {"status":"resolved","labels":{"alertname":"CryptoMiner","namespace":"shop","pod":"cart-2"},
           "annotations":{},"startsAt":"2026-12-01T09:00:00Z"}]}""";
    List<Alert> alerts = parser.parse(body.getBytes(StandardCharsets.UTF_8));
    assertThat(alerts).hasSize(2);
    Alert a = alerts.get(0);
    assertThat(a.source()).isEqualTo(AlertSource.alertmanager);
    assertThat(a.rule()).isEqualTo("CryptoMiner");
    assertThat(a.priority()).isEqualTo("critical");
    assertThat(a.output()).isEqualTo("xmrig seen");
    assertThat(a.containerName()).isEqualTo("app");
    assertThat(a.firing()).isTrue();
    assertThat(alerts.get(1).firing()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "   ", "null", "[]", "\"text\"", "42", "{", "{\"rule\":", "{\"rule\":\"x\"", "not json at all",
      "{\"rule\":\"x\",\"rule\":\"y\"}",
      "{\"rule\":\"\"}", "{\"rule\":42}", "{\"rule\":\"x\",\"tags\":\"shell\"}", "{\"rule\":\"x\",\"tags\":[1]}",
      "{\"rule\":\"x\",\"output_fields\":[]}", "{\"rule\":\"x\",\"output_fields\":{\"a\":{\"b\":1}}}",
      "{\"alerts\":{}}", "{\"alerts\":[1]}", "{\"alerts\":[{\"labels\":\"x\"}]}", "{\"something\":\"else\"}",
      "{\"rule\":\"x\",\"time\":{\"a\":1}}"})
  void refusesBodiesThatAreNotAlerts(String body) {
    assertThatThrownBy(() -> parser.parse(body.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class).hasMessageNotContaining("Exception");
  }

  @Test
  void refusesDeepNestingBeforeBuildingIt() {
    String deep = "{\"rule\":\"x\",\"output_fields\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertThatThrownBy(() -> parser.parse(deep.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class).hasMessageContaining("nesting depth");
  }

  @Test
  void refusesHugeNumbersAndTooManyAlerts() {
    String number = "{\"rule\":\"x\",\"output_fields\":{\"n\":" + "9".repeat(10_000) + "}}";
    assertThatThrownBy(() -> parser.parse(number.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class);
    String many = "{\"alerts\":[" + "{},".repeat(AlertBodyParser.MAX_ALERTS) + "{}]}";
    assertThatThrownBy(() -> parser.parse(many.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class).hasMessageContaining("at most 100 alerts");
  }

  @Test
  void boundsLongTextsAndDoesNotEchoTheBody() throws Exception {
    String longRule = "R".repeat(50_000);
    Alert a = parser.parse(("{\"rule\":\"" + longRule + "\",\"output\":\"" + "o".repeat(50_000) + "\"}")
        .getBytes(StandardCharsets.UTF_8)).get(0);
    assertThat(a.rule()).hasSize(AlertBodyParser.MAX_TEXT);
    assertThat(a.output()).hasSize(AlertBodyParser.MAX_OUTPUT);
    assertThatThrownBy(() -> parser.parse("{\"rule\":\"<script>secret\u0000".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class).hasMessageNotContaining("secret");
  }

  @Test
  void refusesBodiesOverTheDocumentLimit() {
    AlertBodyParser small = new AlertBodyParser(1024);
    String big = "{\"rule\":\"x\",\"output\":\"" + "a".repeat(2000) + "\"}";
    assertThatThrownBy(() -> small.parse(big.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedAlertException.class);
  }
}
