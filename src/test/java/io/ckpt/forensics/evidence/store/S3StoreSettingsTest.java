package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class S3StoreSettingsTest {

  private static S3StoreSettings settings(Optional<URI> endpoint, String bucket, String prefix, int partSize) {
    return new S3StoreSettings(endpoint, "us-east-1", bucket, prefix, true, Optional.empty(), partSize);
  }

  @Test
  void aPrefixGetsItsSlash() {
    assertThat(settings(Optional.empty(), "evidence", "cases", S3StoreSettings.DEFAULT_PART_SIZE).keyPrefix())
        .isEqualTo("cases/");
    assertThat(settings(Optional.empty(), "evidence", null, S3StoreSettings.DEFAULT_PART_SIZE).keyPrefix()).isEmpty();
  }

  @Test
  void badValuesNameTheirField() {
    assertThatThrownBy(() -> settings(Optional.empty(), "Evidence_Bucket", "", S3StoreSettings.DEFAULT_PART_SIZE))
        .hasMessageStartingWith("bucket must be");
    assertThatThrownBy(() -> settings(Optional.empty(), "evidence", "../up", S3StoreSettings.DEFAULT_PART_SIZE))
        .hasMessageStartingWith("keyPrefix:");
    assertThatThrownBy(() -> settings(Optional.empty(), "evidence", "", 1 << 20))
        .hasMessageStartingWith("partSizeBytes must be between 5 MiB and 64 MiB");
    assertThatThrownBy(() -> new S3StoreSettings(Optional.empty(), "US East", "evidence", "", true, Optional.empty(),
        S3StoreSettings.DEFAULT_PART_SIZE)).hasMessageStartingWith("region must be");
    assertThatThrownBy(() -> new ObjectLockRetention(ObjectLockRetention.Mode.COMPLIANCE, Duration.ofHours(1)))
        .hasMessageContaining("retention period");
    assertThatThrownBy(() -> ObjectLockRetention.Mode.parse("legal-hold", "FCP_EVIDENCE_S3_RETENTION_MODE"))
        .hasMessage("FCP_EVIDENCE_S3_RETENTION_MODE must be GOVERNANCE or COMPLIANCE; got 'legal-hold'");
  }

  /** Credentials in the endpoint URL would end up in messages: refused, without repeating the URL. */
  @Test
  void anEndpointWithCredentialsIsRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> settings(Optional.of(URI.create("https://AKIA:s3cr3t@minio.example:9000")),
        "evidence", "", S3StoreSettings.DEFAULT_PART_SIZE))
        .hasMessageStartingWith("endpoint must be").message().doesNotContain("s3cr3t");
    assertThatThrownBy(() -> settings(Optional.of(URI.create("ftp://minio.example")), "evidence", "",
        S3StoreSettings.DEFAULT_PART_SIZE)).hasMessageStartingWith("endpoint must be");
  }

  @Test
  void partsStaySmallUntilS3sPartCountForcesThemUp() {
    int mib = 1 << 20;
    assertThat(S3StoreSettings.partSizeFor(0)).isEqualTo(S3StoreSettings.DEFAULT_PART_SIZE);
    assertThat(S3StoreSettings.partSizeFor(1L << 30)).isEqualTo(8 * mib);
    assertThat(S3StoreSettings.partSizeFor(75L << 30)).isEqualTo(8 * mib);
    for (long gib : new long[] {79, 100, 300, 600}) {
      long size = gib << 30;
      int part = S3StoreSettings.partSizeFor(size);
      assertThat(part % mib).isZero();
      assertThat((long) part * S3StoreSettings.MAX_PARTS).as("%d GiB fits, encryption's growth included", gib)
          .isGreaterThan(size + size / 64);
      assertThat(part - mib).as("the smallest whole MiB that fits, for %d GiB", gib)
          .isLessThan((int) ((size + size / 64) / S3StoreSettings.MAX_PARTS));
    }
    assertThat(S3StoreSettings.partSizeFor(1L << 40)).isEqualTo(S3StoreSettings.MAX_PART_SIZE);
  }
}
