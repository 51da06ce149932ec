package io.ckpt.forensics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.alerts.Alert.AlertSource;
import io.ckpt.forensics.alerts.ContainerResolution.Resolved;
import io.ckpt.forensics.api.AlertContainers;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ContainerResolutionTest {

  static final String NETTOOLS_ID = "containerd://0ec4e55bc819bb1d49b9e73d9d599e90c7134d58de8e34799cdf3adac7e907ff";
  static final String SIDECAR_ID = "containerd://1111111111112222222222222222222222222222222222222222222222222222";

  static Pod pod(String... nameAndId) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("nettools").withNamespace("dev").endMetadata()
        .withNewStatus().withPhase("Running").endStatus();
    for (int i = 0; i < nameAndId.length; i += 2) {
      b.editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName(nameAndId[i])
          .withContainerID(nameAndId[i + 1]).build()).endStatus();
    }
    return b.build();
  }

  static Alert alert(String id, String name) {
    return new Alert(AlertSource.falco, "r", null, null, null, List.of(), Map.of(), "dev", "nettools", id, name, true);
  }

  @Test
  void falcosTwelveHexPrefixFindsTheContainer() {
    Resolved r = ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID),
        alert("0ec4e55bc819", null), AlertContainers.Alerting);
    assertThat(r.isUnmatched()).isFalse();
    assertThat(r.containers()).containsExactly("nettools");
  }

  @Test
  void theNameIsTheFallback() {
    Resolved r = ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID),
        alert("ffffffffffff", "sidecar"), AlertContainers.Alerting);
    assertThat(r.containers()).containsExactly("sidecar");
    assertThat(ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID), alert(null, "sidecar"),
        AlertContainers.Alerting).containers()).containsExactly("sidecar");
  }

  @Test
  void aSingleContainerPodNeedsNoName() {
    assertThat(ContainerResolution.resolve(pod("nettools", NETTOOLS_ID), alert(null, null), AlertContainers.Alerting)
        .containers()).containsExactly("nettools");
  }

  @Test
  void anUnknownContainerIsUnmatchedWithAReason() {
    Resolved r = ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID),
        alert("abcdefabcdef", null), AlertContainers.Alerting);
    assertThat(r.unmatched()).contains("no container with ID prefix abcdefabcdef");
    assertThat(ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID), alert(null, null),
        AlertContainers.Alerting).unmatched()).contains("names no container");
    assertThat(ContainerResolution.resolve(pod("nettools", NETTOOLS_ID), alert("0ec4", null),
        AlertContainers.Alerting).containers()).as("too short to be Falco's ID: one container anyway")
        .containsExactly("nettools");
    assertThat(ContainerResolution.resolve(pod("nettools", NETTOOLS_ID), alert(null, "evil\u001b[2Jname"),
        AlertContainers.Alerting).unmatched()).doesNotContain("\u001b");
  }

  @Test
  void allMeansEveryRunningContainer() {
    Resolved r = ContainerResolution.resolve(pod("nettools", NETTOOLS_ID, "sidecar", SIDECAR_ID), alert(null, null),
        AlertContainers.All);
    assertThat(r.containers()).isEmpty();
    assertThat(r.key()).isEqualTo("*");
  }
}
