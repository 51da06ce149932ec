package io.ckpt.forensics.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ckpt.forensics.lab.RequiresLab;
import org.junit.jupiter.api.Test;

/**
 * The README's first command keeps working: {@code operator/demo --once} (what it runs, in this
 * JVM) takes every sample into custody and shows one verified and summarized, exit code 0.
 */
@RequiresLab
class LabDemoIT {

  @Test
  void theDemoTakesEverySampleIntoCustodyAndVerifiesOne() throws Exception {
    assertThat(LabDemo.run(true, false)).as("the demo's exit code (its output says why)").isZero();
  }
}
