package io.ckpt.forensics.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Push references: the registry host and the tag written out, never a digest. */
class PushTargetTest {

  @Test
  void parsesRegistryRepositoryAndTag() {
    PushTarget t = PushTarget.parse("localhost:5000/forensics/app:case-42");
    assertThat(t).isEqualTo(new PushTarget("localhost:5000", "forensics/app", "case-42"));
    assertThat(t.image()).isEqualTo("localhost:5000/forensics/app:case-42");
    assertThat(t.reference("sha256:" + "0".repeat(64))).isEqualTo("localhost:5000/forensics/app@sha256:" + "0".repeat(64));
    assertThat(PushTarget.parse("registry.example.com/app:latest").tag()).isEqualTo("latest");
  }

  @Test
  void refusesWhatWouldGuessWhereMemoryGoes() {
    assertThatThrownBy(() -> PushTarget.parse("forensics/app:1")).hasMessageContaining("has no registry host");
    assertThatThrownBy(() -> PushTarget.parse("app:1")).hasMessageContaining("has no registry host");
    assertThatThrownBy(() -> PushTarget.parse("localhost:5000/app")).hasMessageContaining("has no tag");
    assertThatThrownBy(() -> PushTarget.parse("localhost:5000/app@sha256:" + "0".repeat(64)))
        .hasMessageContaining("names a digest");
    assertThatThrownBy(() -> PushTarget.parse("localhost:5000/App:1")).hasMessageContaining("is not an image reference");
    assertThatThrownBy(() -> PushTarget.parse("localhost:5000/app:bad tag"))
        .hasMessageContaining("is not an image reference");
  }
}
