package io.ckpt.forensics.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.api.ExportSpec;
import io.ckpt.forensics.api.ForensicCheckpoint;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The ForensicCheckpoint that {@code kubectl fcp take} asks for, from its command line. */
class TakeCommandTest {

  private static ForensicCheckpoint requestOf(String... args) {
    TakeCommand take = new TakeCommand();
    new CommandLine(take).parseArgs(args);
    return take.request("dev");
  }

  @Test
  void exportAsksForThePushOfTheCheckpointImageToThatRepository() {
    ForensicCheckpoint fcp = requestOf("suspect", "-c", "app", "--reason", "Falco", "--export",
        "registry.lab:5000/forensics/app");

    assertThat(fcp.getSpec().getExport()).isEqualTo(new ExportSpec("registry.lab:5000/forensics/app"));
    assertThat(fcp.getSpec().getPodName()).isEqualTo("suspect");
    assertThat(fcp.getSpec().getContainers()).isEqualTo(List.of("app"));
    assertThat(fcp.getMetadata().getNamespace()).isEqualTo("dev");
    assertThat(fcp.getMetadata().getGenerateName()).isEqualTo("suspect-");
  }

  @Test
  void withoutExportNothingIsPushed() {
    ForensicCheckpoint fcp = requestOf("suspect", "--reason", "Falco", "--name", "suspect-inc42");

    assertThat(fcp.getSpec().getExport()).isNull();
    assertThat(fcp.getSpec().getContainers()).isNull();
    assertThat(fcp.getMetadata().getName()).isEqualTo("suspect-inc42");
    assertThat(fcp.getMetadata().getGenerateName()).isNull();
  }
}
