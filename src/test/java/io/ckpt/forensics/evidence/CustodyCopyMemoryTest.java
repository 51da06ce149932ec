package io.ckpt.forensics.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The custody copy's memory does not grow with the archive: 160 MiB go through a 32 MiB heap (Bouncy Castle's signed-jar manifests alone take several), encrypted. */
class CustodyCopyMemoryTest {

  @TempDir
  Path dir;

  @Test
  void anArchiveFiveTimesTheHeapIsCopiedAndEncrypted() throws IOException {
    Path javaBinary = Path.of(System.getProperty("java.home"), "bin", "java");
    // only what the copy needs: the test classpath's jars alone (their manifests, their indexes) take heap
    String classpath = String.join(java.io.File.pathSeparator, location(CustodyCopy.class),
        location(SmallHeapCustodyCopy.class), location(org.bouncycastle.openpgp.api.OpenPGPKeyReader.class),
        location(org.bouncycastle.crypto.Digest.class), location(org.bouncycastle.asn1.cryptlib.CryptlibObjectIdentifiers.class),
        location(com.fasterxml.jackson.databind.ObjectMapper.class),
        location(com.fasterxml.jackson.annotation.JsonProperty.class), location(com.fasterxml.jackson.core.JsonParser.class));
    ExternalTool.Result run = ExternalTool.run(List.of(javaBinary.toString(), "-Xmx32m", "-XX:+UseSerialGC", "-cp", classpath,
        SmallHeapCustodyCopy.class.getName(), "160", EvidenceFixtures.keyFile("test-only-recipient-a.pub.asc").toString()),
        dir, Map.of());

    assertThat(run.exitCode()).as("child JVM: %s", run.err()).isZero();
    assertThat(run.out().strip().split(" ")[0]).isEqualTo(String.valueOf(160L << 20));
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
