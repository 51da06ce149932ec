package io.ckpt.forensics.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Custody settings: off unless a store is named; a bad value stops the operator naming the variable. */
class CollectionConfigTest {

  @Test
  void offWithoutAStore() {
    assertThat(OperatorConfig.defaults().collection().enabled()).isFalse();
  }

  @Test
  void s3WithItsDefaults() {
    CollectionConfig c = OperatorConfig.fromEnvironment(s3()).collection();

    assertThat(c.enabled()).isTrue();
    assertThat(c.namespace()).isEqualTo("fcp-evidence");
    assertThat(c.deleteFromNode()).isTrue();
    assertThat(c.deadline()).isEqualTo(Duration.ofHours(1));
    assertThat(c.s3().region()).isEqualTo("us-east-1");
    assertThat(c.s3().pathStyle()).as("an endpoint is usually an S3-compatible server").isTrue();
    assertThat(c.s3().retentionMode()).isEqualTo("COMPLIANCE");
    assertThat(c.s3().retention()).isEqualTo(Duration.ofDays(90));
    assertThat(c.recipientsSecret()).isNull();
    assertThat(c.fallbackBundles()).as("fallback bundles on by default (issue 12 §4)").isTrue();
    Map<String, String> off = new HashMap<>(s3());
    off.put(CollectionConfig.FALLBACK_BUNDLES, "false");
    assertThat(OperatorConfig.fromEnvironment(off).collection().fallbackBundles()).isFalse();
    off.put(CollectionConfig.FALLBACK_BUNDLES, "yes");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(off)).hasMessageContaining("FCP_EVIDENCE_FALLBACK_BUNDLES");
  }

  @Test
  void badValuesNameTheVariableAndTheFix() {
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(Map.of(CollectionConfig.STORE, "ftp")))
        .hasMessageContaining("FCP_EVIDENCE_STORE: 'ftp' is not a store");
    Map<String, String> noBucket = s3();
    noBucket.remove(CollectionConfig.S3_BUCKET);
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(noBucket))
        .hasMessageContaining("FCP_EVIDENCE_S3_BUCKET is not set").hasMessageContaining("Object Lock");
    Map<String, String> retention = s3();
    retention.put(CollectionConfig.S3_RETENTION, "12h");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(retention))
        .hasMessageContaining("FCP_EVIDENCE_S3_RETENTION: '12h' is not an ISO-8601 duration");
    Map<String, String> tooShort = s3();
    tooShort.put(CollectionConfig.S3_RETENTION, "PT1H");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(tooShort)).hasMessageContaining("from 1 day");
    Map<String, String> file = s3();
    file.put(CollectionConfig.STORE, "file");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(file)).hasMessageContaining("FCP_EVIDENCE_PVC is not set");
    Map<String, String> namespace = s3();
    namespace.put(CollectionConfig.NAMESPACE, "Evidence");
    assertThatThrownBy(() -> OperatorConfig.fromEnvironment(namespace))
        .hasMessageContaining("FCP_COLLECTOR_NAMESPACE: 'Evidence' is not a namespace name");
  }

  static Map<String, String> s3() {
    Map<String, String> env = new HashMap<>();
    env.put(CollectionConfig.STORE, "s3");
    env.put(CollectionConfig.NAMESPACE, "fcp-evidence");
    env.put(CollectionConfig.IMAGE, "registry.example/fcp:1");
    env.put(CollectionConfig.SIGNING_SECRET, "signing");
    env.put(CollectionConfig.S3_ENDPOINT, "http://minio:9000");
    env.put(CollectionConfig.S3_BUCKET, "evidence");
    env.put(CollectionConfig.S3_CREDENTIALS_SECRET, "s3-credentials");
    return env;
  }
}
