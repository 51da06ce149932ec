package io.ckpt.forensics.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile restore metadata: what is removed, what is kept byte for byte, what is refused. */
class RestoreSanitizerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String HOSTILE_SPEC = """
      {"ociVersion":"1.0.2",
       "annotations":{
         "io.kubernetes.container.name":"app",
         "cdi.k8s.io/attacker":"vendor.com/device=all",
         "io.kubernetes.cri-o.Devices":"/dev/sda:/dev/xvda:rwm",
         "seccomp.security.alpha.kubernetes.io/pod":"unconfined",
         "container.apparmor.security.beta.kubernetes.io/app":"unconfined",
         "io.containers.trace-syscall":"of:/etc/shadow",
         "run.oci.handler":"krun",
         "io.katacontainers.config.hypervisor.path":"/tmp/evil",
         "io.kubernetes.cri.runtimehandler":"runc-privileged",
         "org.systemd.property.ExecStartPre":"/bin/sh -c id",
         "io.kubernetes.cri-o.Annotations":"{\\"io.kubernetes.container.hash\\":\\"9be1c553\\",\\"cdi.k8s.io/nested\\":\\"x=y\\"}"
       },
       "hooks":{"prestart":[{"path":"/bin/sh","args":["sh","-c","touch /host-owned"]}]},
       "linux":{
         "devices":[{"path":"/dev/mem","type":"c","major":1,"minor":1}],
         "resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":1,"minor":1,"access":"rwm"}]},
         "seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}
       }}
      """;

  @Test
  void removesDevicesRuntimeOptionsHooksAndSeccompWeakeningAndSaysWhy() throws Exception {
    RestoreSanitizer.Result r = RestoreSanitizer.sanitize("spec.dump", HOSTILE_SPEC.getBytes(StandardCharsets.UTF_8));

    JsonNode clean = JSON.readTree(r.content());
    assertThat(clean.path("annotations").fieldNames()).toIterable()
        .containsExactlyInAnyOrder("io.kubernetes.container.name", "io.kubernetes.cri-o.Annotations");
    assertThat(JSON.readTree(clean.path("annotations").path("io.kubernetes.cri-o.Annotations").asText())
        .fieldNames()).toIterable().containsExactly("io.kubernetes.container.hash");
    assertThat(clean.has("hooks")).isFalse();
    assertThat(clean.path("linux").has("devices")).isFalse();
    assertThat(clean.path("linux").has("seccomp")).isFalse();
    assertThat(clean.path("linux").path("resources").path("devices")).hasSize(1);
    assertThat(clean.path("linux").path("resources").path("devices").get(0).path("allow").asBoolean()).isFalse();
    assertThat(r.dropped()).hasSize(14).contains(
        "spec.dump annotations[cdi.k8s.io/attacker]: CDI device request, which containerd applied on restore"
            + " (GHSA-33vj-92qq-66hc)",
        "spec.dump annotations[io.kubernetes.cri-o.Annotations][cdi.k8s.io/nested]: CDI device request, which"
            + " containerd applied on restore (GHSA-33vj-92qq-66hc)",
        "spec.dump annotations[seccomp.security.alpha.kubernetes.io/pod]: changes the seccomp profile",
        "spec.dump annotations[io.containers.trace-syscall]: triggers an OCI hook (oci-seccomp-bpf-hook) on the node",
        "spec.dump annotations[io.kubernetes.cri.runtimehandler]: selects the runtime; the restoring pod's"
            + " RuntimeClass decides",
        "spec.dump hooks: OCI hooks run programs on the restoring node",
        "spec.dump linux.devices (1): device nodes the restoring pod did not request",
        "spec.dump linux.resources.devices (1 allow rules): device access the restoring pod did not request",
        "spec.dump linux.seccomp: a profile whose default action is SCMP_ACT_ALLOW confines nothing; the restoring"
            + " pod's own profile applies");
  }

  @Test
  void keepsARestrictingSeccompProfileButRemovesItsHostListener() throws Exception {
    String spec = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/agent.sock\","
        + "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}";
    RestoreSanitizer.Result r = RestoreSanitizer.sanitize("spec.dump", spec.getBytes(StandardCharsets.UTF_8));

    JsonNode seccomp = JSON.readTree(r.content()).path("linux").path("seccomp");
    assertThat(seccomp.path("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(seccomp.has("listenerPath")).isFalse();
    assertThat(seccomp.path("syscalls")).hasSize(1);
    assertThat(r.dropped()).singleElement().asString().startsWith("spec.dump linux.seccomp.listenerPath");
  }

  @Test
  void containerdStatusAnnotationsAreSanitizedToo() throws Exception {
    String status = "{\"id\":\"x\",\"annotations\":{\"cdi.k8s.io/gpu\":\"nvidia.com/gpu=all\",\"io.kubernetes.pod.name\":\"web-0\"}}";
    RestoreSanitizer.Result r = RestoreSanitizer.sanitize("status.dump", status.getBytes(StandardCharsets.UTF_8));

    assertThat(JSON.readTree(r.content()).path("annotations").fieldNames()).toIterable()
        .containsExactly("io.kubernetes.pod.name");
    assertThat(r.dropped()).containsExactly("status.dump annotations[cdi.k8s.io/gpu]: CDI device request, which"
        + " containerd applied on restore (GHSA-33vj-92qq-66hc)");
  }

  @Test
  void aCleanMemberIsKeptByteForByte() throws Exception {
    byte[] spec = "{ \"annotations\" : {\"io.kubernetes.container.name\": \"app\"},\n \"process\":{\"args\":[\"sh\"]} }"
        .getBytes(StandardCharsets.UTF_8);
    RestoreSanitizer.Result r = RestoreSanitizer.sanitize("spec.dump", spec);

    assertThat(r.content()).isSameAs(spec);
    assertThat(r.dropped()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"annotations\":{\"a\":\"1\"},\"annotations\":{\"cdi.k8s.io/x\":\"y\"}}",
      "{\"annotations\":{\"cdi.k8s.io/x\":\"y\",\"cdi.k8s.io/x\":\"z\"}}", "[1,2]", "not json", ""})
  void refusesWhatARuntimeCouldReadDifferently(String spec) {
    assertThatThrownBy(() -> RestoreSanitizer.sanitize("spec.dump", spec.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(UnusableArchiveException.class).hasMessageStartingWith("spec.dump is not");
  }

  @Test
  void refusesDuplicateKeysInsideCriosNestedAnnotations() {
    String spec = "{\"annotations\":{\"io.kubernetes.cri-o.Annotations\":\"{\\\"a\\\":\\\"1\\\",\\\"a\\\":\\\"2\\\"}\"}}";
    assertThatThrownBy(() -> RestoreSanitizer.sanitize("spec.dump", spec.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(UnusableArchiveException.class)
        .hasMessageStartingWith("spec.dump annotations[io.kubernetes.cri-o.Annotations] is not valid JSON");
  }

  @Test
  void quotesHostileKeysSafelyAndBriefly() throws Exception {
    String key = "cdi.k8s.io/\u001b[2J" + "x".repeat(500);
    String spec = JSON.writeValueAsString(java.util.Map.of("annotations", java.util.Map.of(key, "v")));
    RestoreSanitizer.Result r = RestoreSanitizer.sanitize("spec.dump", spec.getBytes(StandardCharsets.UTF_8));

    assertThat(r.dropped()).singleElement().asString().contains("cdi.k8s.io/\\u001b[2J").doesNotContain("\u001b")
        .hasSizeLessThan(260);
  }
}
