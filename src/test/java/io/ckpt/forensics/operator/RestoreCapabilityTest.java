package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RestoreCapabilityTest {

  static final RestoreConfig NONE_LISTED = RestoreConfig.fromEnvironment(Map.of(RestoreConfig.ENABLED, "true"));
  static final RestoreConfig STAR = RestoreConfig.fromEnvironment(Map.of(RestoreConfig.ENABLED, "true",
      RestoreConfig.NODES, "*"));

  /** Runtime as a Node reports it -> reason when no node is listed (null: allowed), and a word of the message. */
  static Stream<Arguments> unlisted() {
    return Stream.of(
        Arguments.of("cri-o://1.34.2", RestoreCapability.RESTORE_NOT_ENABLED, "container_level_enabled"),
        Arguments.of("cri-o://1.25.0", RestoreCapability.RESTORE_NOT_ENABLED, "enable_criu_support = true"),
        Arguments.of("cri-o://1.24.6", RestoreCapability.RUNTIME_CANNOT_RESTORE, "from version 1.25 on"),
        Arguments.of("cri-o://2.0.0", RestoreCapability.RESTORE_NOT_ENABLED, "checkpoint_restore"),
        Arguments.of("containerd://2.1.0", RestoreCapability.RESTORE_NOT_ENABLED,
            "enable_experimental_restore_via_create = true"),
        Arguments.of("containerd://v2.0.5", RestoreCapability.RESTORE_NOT_ENABLED, "GHSA-33vj-92qq-66hc"),
        Arguments.of("containerd://2.3.1", RestoreCapability.RESTORE_NOT_ENABLED, "enable_criu"),
        Arguments.of("containerd://2.4.0", RestoreCapability.RUNTIME_CANNOT_RESTORE, "removal for 2.4"),
        Arguments.of("containerd://1.7.27", RestoreCapability.RUNTIME_CANNOT_RESTORE, "from version 2.0 on"),
        Arguments.of("containerd://1.7.27-0ubuntu1~24.04.1", RestoreCapability.RUNTIME_CANNOT_RESTORE, "2.0"),
        Arguments.of("docker://28.1.1", RestoreCapability.RUNTIME_CANNOT_RESTORE, "only CRI-O"),
        Arguments.of("", RestoreCapability.RUNTIME_CANNOT_RESTORE, "not a runtime and version"),
        Arguments.of(null, RestoreCapability.RUNTIME_CANNOT_RESTORE, "runs unknown"),
        Arguments.of("cri-o", RestoreCapability.RUNTIME_CANNOT_RESTORE, "not a runtime and version"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unlisted")
  void anUnlistedNodeIsRefusedWithWhatToChange(String runtime, String reason, String hint) {
    RestoreCapability.Verdict verdict = RestoreCapability.of("worker-1", runtime, NONE_LISTED);

    assertThat(verdict.allowed()).isFalse();
    assertThat(verdict.reason()).isEqualTo(reason);
    assertThat(verdict.message()).startsWith("node worker-1 runs ").contains(hint).contains(RestoreConfig.NODES);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unlisted")
  void starAllowsExactlyTheVersionsThatCanRestore(String runtime, String reason, String hint) {
    RestoreCapability.Verdict verdict = RestoreCapability.of("worker-1", runtime, STAR);

    assertThat(verdict.allowed()).isEqualTo(reason.equals(RestoreCapability.RESTORE_NOT_ENABLED));
    if (verdict.allowed()) {
      assertThat(verdict.runtime()).isEqualTo(runtime.strip() + "; restore enabled on every capable node per"
          + " FCP_RESTORE_NODES=*");
    } else {
      assertThat(verdict.reason()).isEqualTo(RestoreCapability.RUNTIME_CANNOT_RESTORE);
    }
  }

  @Test
  void aListedNodeIsTrustedAndStatusSaysWhy() {
    RestoreConfig listed = RestoreConfig.enabledOn("sandbox-1");

    RestoreCapability.Verdict crio = RestoreCapability.of("sandbox-1", "cri-o://1.34.2", listed);
    RestoreCapability.Verdict custom = RestoreCapability.of("sandbox-1", "containerd://1.7.27", listed);
    RestoreCapability.Verdict other = RestoreCapability.of("worker-1", "cri-o://1.34.2", listed);

    assertThat(crio.allowed()).isTrue();
    assertThat(crio.runtime()).isEqualTo("cri-o://1.34.2; restore enabled on this node per FCP_RESTORE_NODES");
    assertThat(custom.allowed()).isTrue();
    assertThat(custom.runtime()).contains("(not a runtime version known to restore)");
    assertThat(other.allowed()).isFalse();
    assertThat(other.message()).contains("or choose a node listed there");
  }
}
