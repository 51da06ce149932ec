package io.ckpt.forensics.evidence.store;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the loggers that would print credentials below debug level: the AWS SDK's request signers
 * log the SigV4 canonical request, which carries the session token ({@code x-amz-security-token})
 * in the clear, and Apache HttpClient's header and wire loggers print every request header,
 * {@code Authorization} (the access key ID) and the session token among them. So turning on debug
 * logging to chase a problem would put a credential in the logs. Both log through SLF4J, bound to
 * java.util.logging here (slf4j-jdk14); S3EvidenceStoreIT checks that no credential reaches any log
 * line with every SDK and HttpClient logger at its finest level.
 */
final class CredentialLogGuard {

  // strong references: java.util.logging forgets the level of a logger nobody holds
  private static final List<Logger> REVEALING = List.of(
      Logger.getLogger("software.amazon.awssdk.http.auth"),
      Logger.getLogger("software.amazon.awssdk.auth.signer"),
      Logger.getLogger("org.apache.hc.client5.http.headers"),
      Logger.getLogger("org.apache.hc.client5.http.wire"));

  private CredentialLogGuard() {
  }

  /** Raises those loggers to INFO if anything set them, or left them to inherit, lower. */
  static void apply() {
    for (Logger logger : REVEALING) {
      Level level = logger.getLevel();
      if (level == null || level.intValue() < Level.INFO.intValue()) {
        logger.setLevel(Level.INFO);
      }
    }
  }
}
