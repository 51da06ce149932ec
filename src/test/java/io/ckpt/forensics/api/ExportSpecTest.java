package io.ckpt.forensics.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The repository grammar of spec.export; CrdValidationIT checks the same rule in a real API server. */
class ExportSpecTest {

  private static final Pattern REPOSITORY = Pattern.compile(ExportSpec.REPOSITORY_PATTERN);

  @ParameterizedTest
  @ValueSource(strings = {"registry.example.com/forensics/nettools", "localhost:5000/forensics", "localhost/a",
      "127.0.0.1:5000/a/b/c", "registry:5000/a", "reg.example.com/a__b/c-d/e.f/g_h", "reg.example.com/a---b"})
  void acceptsARepositoryWithItsRegistryHost(String repository) {
    assertThat(REPOSITORY.matcher(repository).matches()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"forensics/nettools", "nettools", "registry.example.com", "registry.example.com/",
      "registry.example.com/app:v1", "registry.example.com/app@sha256:00", "https://registry.example.com/app",
      "registry.example.com/App", "registry.example.com//app", "registry.example.com/app/", "registry.example.com/-a",
      "registry.example.com/a___b", "registry.example.com/a b", "registry.example.com/a\nb"})
  void refusesWhatIsNotARepositoryWithItsRegistryHost(String repository) {
    assertThat(REPOSITORY.matcher(repository).matches()).isFalse();
  }
}
