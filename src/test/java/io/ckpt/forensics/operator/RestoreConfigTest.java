package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RestoreConfigTest {

  @Test
  void offByDefault() {
    RestoreConfig config = RestoreConfig.fromEnvironment(Map.of());

    assertThat(config.enabled()).isFalse();
    assertThat(config.nodes()).isEmpty();
    assertThat(config.allNodes()).isFalse();
  }

  @Test
  void readsNodesAndStar() {
    RestoreConfig config = RestoreConfig.fromEnvironment(Map.of(RestoreConfig.ENABLED, "true",
        RestoreConfig.NODES, " sandbox-1, sandbox-2.lab ,,*"));

    assertThat(config.enabled()).isTrue();
    assertThat(config.nodes()).containsExactlyInAnyOrder("sandbox-1", "sandbox-2.lab");
    assertThat(config.allNodes()).isTrue();
    assertThat(config.listed("sandbox-1")).isTrue();
    assertThat(config.listed("worker-1")).isFalse();
  }

  @Test
  void aBadNodeNameStopsTheOperatorNamingTheVariable() {
    assertThatThrownBy(() -> RestoreConfig.fromEnvironment(Map.of(RestoreConfig.NODES, "Worker_1")))
        .hasMessageStartingWith("FCP_RESTORE_NODES: 'Worker_1' is not a node name");
    assertThatThrownBy(() -> RestoreConfig.fromEnvironment(Map.of(RestoreConfig.ENABLED, "yes")))
        .hasMessageStartingWith("FCP_RESTORE_ENABLED: 'yes' is not true or false");
  }
}
