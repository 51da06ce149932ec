package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class S3XmlTest {

  @Test
  void readsAnElementsTextUnescaped() {
    String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
        + "<Message>Access &lt;denied&gt; &amp; &quot;logged&quot; &apos;here&apos;, not &amp;lt;</Message></Error>";

    assertThat(S3Xml.element(xml, "Code")).contains("AccessDenied");
    assertThat(S3Xml.element(xml, "Message")).contains("Access <denied> & \"logged\" 'here', not &lt;");
    assertThat(S3Xml.element(xml, "UploadId")).isEmpty();
    assertThat(S3Xml.element("<UploadId>cut off", "UploadId")).isEmpty();
  }

  @Test
  void tellsAnErrorDocumentFromAResult() {
    assertThat(S3Xml.isError("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\n<Error><Code>InternalError</Code></Error>"))
        .isTrue();
    assertThat(S3Xml.isError("   <Error><Code>SlowDown</Code></Error>")).isTrue();
    assertThat(S3Xml.isError("<?xml version=\"1.0\"?><CompleteMultipartUploadResult><Key>Error</Key>"
        + "</CompleteMultipartUploadResult>")).isFalse();
    assertThat(S3Xml.isError("")).isFalse();
  }

  @Test
  void escapesWhatItWrites() {
    assertThat(S3Xml.escape("\"etag\"<&>'")).isEqualTo("&quot;etag&quot;&lt;&amp;&gt;&apos;");
    assertThat(S3Xml.unescape(S3Xml.escape("a&lt;\"b\""))).isEqualTo("a&lt;\"b\"");
  }
}
