package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.api.ForensicCheckpoint;
import io.ckpt.forensics.api.OnBehalfOf;
import io.ckpt.forensics.api.RequestedBy;
import io.ckpt.forensics.collector.CollectFacts;
import io.ckpt.forensics.evidence.CustodyPredicate.Requester;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * spec.requestedBy.onBehalfOf travels from the object through the collector's facts into the
 * custody predicate's requester unchanged, and a person's requester is written as before.
 */
class OnBehalfOfFactsTest {

  static final String OPERATOR = "system:serviceaccount:forensics:fcp-operator";
  static final String ALERT = "{\"source\":\"falco\",\"rule\":\"Terminal shell in container\",\"priority\":\"Notice\","
      + "\"time\":\"2026-12-01T06:00:00.000000000Z\",\"output\":\"A shell was spawned\",\"fields\":{}}";
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void thePolicyAndTheAlertReachTheRecordsRequester() throws Exception {
    ForensicCheckpoint fcp = CollectorPodsTest.fcp();
    RequestedBy by = new RequestedBy(OPERATOR, "u2", List.of("system:serviceaccounts", "system:authenticated"));
    by.setOnBehalfOf(new OnBehalfOf(OnBehalfOf.POLICY_KIND, "terminal-shell", ALERT));
    fcp.getSpec().setRequestedBy(by);

    Requester requester = CollectFacts.parse(facts(fcp)).requestedBy();

    assertThat(requester.user()).isEqualTo(OPERATOR);
    assertThat(requester.onBehalfOf()).isEqualTo(
        new io.ckpt.forensics.evidence.CustodyPredicate.OnBehalfOf("CheckpointPolicy", "terminal-shell", ALERT));
    JsonNode written = JSON.readTree(JSON.writeValueAsString(requester));
    assertThat(written.at("/onBehalfOf/kind").asText()).isEqualTo("CheckpointPolicy");
    assertThat(written.at("/onBehalfOf/name").asText()).isEqualTo("terminal-shell");
    assertThat(written.at("/onBehalfOf/alert").asText()).as("verbatim, as the operator wrote it").isEqualTo(ALERT);
    assertThat(JSON.readValue(JSON.writeValueAsString(requester), Requester.class)).isEqualTo(requester);
  }

  @Test
  void aPersonsRequesterHasNoOnBehalfOfAndIsWrittenAsBefore() throws Exception {
    Requester requester = CollectFacts.parse(facts(CollectorPodsTest.fcp())).requestedBy();

    assertThat(requester.onBehalfOf()).isNull();
    assertThat(JSON.writeValueAsString(requester)).isEqualTo("{\"user\":\"alice\",\"groups\":[\"ir-team\"]}");
  }

  @Test
  void anOnBehalfOfThatIsNotAnObjectIsRefusedByName() {
    assertThatThrownBy(() -> CollectFacts.parse("{\"requestedBy\":{\"username\":\"x\",\"onBehalfOf\":\"policy\"}}"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestedBy.onBehalfOf");
  }

  static String facts(ForensicCheckpoint fcp) {
    Pod pod = CollectorPods.build(fcp, CollectorPodsTest.container(), CollectorPodsTest.S3);
    return pod.getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals(CollectorPods.FACTS)).findFirst().orElseThrow().getValue();
  }
}
