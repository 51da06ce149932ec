package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ApiRefusalTest {

  @Test
  void aForbiddenCreateNamesTheRightToAskFor() {
    var refused = new KubernetesClientException(new StatusBuilder().withCode(403).withReason("Forbidden")
        .withMessage("forensiccheckpoints.forensics.ckpt.io is forbidden: User \"alice\" cannot create resource"
            + " \"forensiccheckpoints\" in API group \"forensics.ckpt.io\" in the namespace \"dev\"").build());

    PluginError error = ApiRefusal.of(refused, "create", ApiRefusal.FORENSIC_CHECKPOINTS, "dev", null);

    assertThat(error.exitCode()).isEqualTo(PluginExitCode.FORBIDDEN);
    assertThat(error.getMessage()).startsWith("cannot create forensiccheckpoints.forensics.ckpt.io in namespace dev:"
        + " ask for the right to create forensiccheckpoints (API group forensics.ckpt.io) in namespace dev, with the"
        + " chart: a RoleBinding in that namespace to the ClusterRole forensic-checkpoint-operator-responder")
        .endsWith("(API server: forensiccheckpoints.forensics.ckpt.io is forbidden: User \"alice\" cannot create"
            + " resource \"forensiccheckpoints\" in API group \"forensics.ckpt.io\" in the namespace \"dev\")");
  }

  @Test
  void aForbiddenReadPointsAtTheReadingRoles() {
    var refused = new KubernetesClientException(new StatusBuilder().withCode(403).withMessage("no").build());

    assertThat(ApiRefusal.of(refused, "get", ApiRefusal.FORENSIC_CHECKPOINTS, "shop", "web-1").getMessage())
        .startsWith("cannot get forensiccheckpoints.forensics.ckpt.io \"web-1\" in namespace shop: ask for the right to"
            + " get forensiccheckpoints (API group forensics.ckpt.io) in namespace shop, with the chart: the"
            + " namespace's view, edit or admin role");
  }

  @Test
  void aForbiddenRestorePointsAtTheAdminRoleNotTheResponders() {
    var refused = new KubernetesClientException(new StatusBuilder().withCode(403).withMessage("no").build());

    assertThat(ApiRefusal.of(refused, "create", ApiRefusal.CHECKPOINT_RESTORES, "dev", null).getMessage())
        .startsWith("cannot create checkpointrestores.forensics.ckpt.io in namespace dev: ask for the right to create"
            + " checkpointrestores (API group forensics.ckpt.io) in namespace dev, with the chart: the namespace's"
            + " admin role");
  }

  @Test
  void missingObjectsAndMissingApisAreTold() {
    var gone = new KubernetesClientException(new StatusBuilder().withCode(404).withReason("NotFound")
        .withMessage("forensiccheckpoints.forensics.ckpt.io \"x\" not found").withNewDetails().withName("x")
        .endDetails().build());
    var noCrd = new KubernetesClientException(new StatusBuilder().withCode(404)
        .withMessage("the server could not find the requested resource").build());

    assertThat(ApiRefusal.of(gone, "get", ApiRefusal.FORENSIC_CHECKPOINTS, "dev", "x").getMessage())
        .isEqualTo("forensiccheckpoints.forensics.ckpt.io \"x\" not found in namespace dev");
    PluginError missingApi = ApiRefusal.of(noCrd, "get", ApiRefusal.FORENSIC_CHECKPOINTS, "dev", "x");
    assertThat(missingApi.exitCode()).isEqualTo(PluginExitCode.NOT_FOUND);
    assertThat(missingApi.getMessage()).contains("CRDs are not installed");
  }

  @Test
  void noAnswerAtAllIsAnUnreachableClusterWithItsCause() {
    var refused = new KubernetesClientException("Operation: [list] failed", new ConnectException("Connection refused"));

    PluginError error = ApiRefusal.of(refused, "list", ApiRefusal.FORENSIC_CHECKPOINTS, "dev", null);

    assertThat(error.exitCode()).isEqualTo(PluginExitCode.UNREACHABLE);
    assertThat(error.getMessage()).isEqualTo("cannot reach the API server to list forensiccheckpoints.forensics.ckpt.io:"
        + " Connection refused");
  }
}
