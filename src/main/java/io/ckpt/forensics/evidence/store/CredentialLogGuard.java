package io.ckpt.forensics.evidence.store;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the loggers that would print credentials below debug level: the AWS SDK's request signers
 * log the SigV4 canonical request, which carries the session token ({@code x-amz-security-token})
 * in the clear, and the JDK's HttpURLConnection logs every request header at FINE,
 * {@code Authorization} (the access key ID) and the session token among them. So turning on debug
 * logging to chase a problem would put a credential in the logs. The SDK logs through SLF4J, bound
 * to java.util.logging here (slf4j-jdk14), the JDK through java.util.logging itself;
 * S3EvidenceStoreIT checks that no credential reaches any log line with those loggers' parents at
 * their finest level.
 */
final class CredentialLogGuard {

  // strong references: java.util.logging forgets the level of a logger nobody holds
  private static final List<Logger> REVEALING = List.of(
      Logger.getLogger("software.amazon.awssdk.http.auth"),
      Logger.getLogger("software.amazon.awssdk.auth.signer"),
      Logger.getLogger("sun.net.www.protocol.http.HttpURLConnection"));

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
