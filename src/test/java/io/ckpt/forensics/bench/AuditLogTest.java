package io.ckpt.forensics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench attributes requests to the client that made them from lines as kube-apiserver writes them. */
class AuditLogTest {

  private static final String OPERATOR = "system:serviceaccount:forensic-checkpoint-system:forensic-checkpoint-operator";

  @TempDir
  Path dir;

  @Test
  void countsOnlyRequestsLoggedAfterTheMarkByUserAndKind() throws Exception {
    AuditLog.apiServerArgs(dir);
    append(line(OPERATOR, "get", "{\"resource\":\"pods\",\"namespace\":\"bench-b\",\"name\":\"p\"}", "/api/v1/x"));
    AuditLog log = AuditLog.markNow(dir);
    append(line(OPERATOR, "patch", "{\"resource\":\"forensiccheckpoints\",\"subresource\":\"status\"}", "/apis/x"));
    append(line(OPERATOR, "create", "{\"resource\":\"nodes\",\"name\":\"n1\",\"subresource\":\"proxy\"}", "/api/x"));
    append(line(OPERATOR, "create", "{\"resource\":\"nodes\",\"name\":\"n2\",\"subresource\":\"proxy\"}", "/api/x"));
    append(line("system:node:n1", "create", "{\"resource\":\"subjectaccessreviews\"}", "/apis/x"));
    append(line("lab-admin", "get", null, "/metrics?x=1"));

    assertThat(log.readNew()).isEqualTo(5);

    Map<String, ApiRequestCounts> byUser = log.byUser();
    assertThat(byUser.get(OPERATOR).byKind()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "patch forensiccheckpoints/status", 1.0, "create nodes/proxy", 2.0));
    assertThat(byUser.get("system:node:n1").byKind()).containsExactlyEntriesOf(
        Map.of("create subjectaccessreviews", 1.0));
    assertThat(byUser.get("lab-admin").byKind()).containsExactlyEntriesOf(Map.of("get /metrics", 1.0));
  }

  @Test
  void aLineStillBeingWrittenIsCountedOnceItEnds() throws Exception {
    AuditLog.apiServerArgs(dir);
    AuditLog log = AuditLog.markNow(dir);
    String whole = line(OPERATOR, "create", "{\"resource\":\"events\",\"namespace\":\"bench-b\"}", "/api/x");
    Files.writeString(dir.resolve("audit.log"), whole.substring(0, 40), StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);

    assertThat(log.readNew()).isZero();
    Files.writeString(dir.resolve("audit.log"), whole.substring(40), StandardOpenOption.APPEND);
    assertThat(log.readNew()).isEqualTo(1);
    assertThat(log.readNew()).isZero();
    assertThat(log.byUser().get(OPERATOR).total()).isEqualTo(1.0);
  }

  @Test
  void aRotatedLogIsAnErrorNotAMiscount() throws Exception {
    AuditLog.apiServerArgs(dir);
    append(line(OPERATOR, "get", "{\"resource\":\"pods\"}", "/api/x"));
    AuditLog log = AuditLog.markNow(dir);
    Files.writeString(dir.resolve("audit.log"), "");

    assertThatThrownBy(log::readNew).hasMessageContaining("--audit-log-maxsize");
  }

  @Test
  void theApiServerFlagsPointAtThePolicyWritten() throws Exception {
    assertThat(AuditLog.apiServerArgs(dir)).contains("--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
        "--audit-log-path=" + dir.resolve("audit.log"));
    assertThat(Files.readString(dir.resolve("audit-policy.yaml"))).contains("level: Metadata");
  }

  private void append(String line) throws Exception {
    Files.writeString(dir.resolve("audit.log"), line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** One audit event as kube-apiserver writes it at Metadata level (trimmed), newline-terminated. */
  private static String line(String user, String verb, String objectRef, String uri) {
    return "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a\","
        + "\"stage\":\"ResponseComplete\",\"requestURI\":\"" + uri + "\",\"verb\":\"" + verb + "\",\"user\":{"
        + "\"username\":\"" + user + "\",\"groups\":[\"system:authenticated\"]},\"sourceIPs\":[\"198.18.0.1\"],"
        + "\"userAgent\":\"fabric8-kubernetes-client/7.5.2\","
        + (objectRef == null ? "" : "\"objectRef\":" + objectRef + ",")
        + "\"responseStatus\":{\"metadata\":{},\"code\":200}}\n";
  }
}
