package io.ckpt.forensics.evidence.store;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the AWS SDK's request signers below debug level. At debug they log the SigV4 canonical
 * request, which carries the session token ({@code x-amz-security-token}) in the clear, so turning
 * on SDK debug logging to chase a problem would put a credential in the logs. The SDK logs through
 * SLF4J, bound to java.util.logging here (slf4j-jdk14); S3EvidenceStoreIT checks that no credential
 * reaches any log line with every SDK logger at its finest level.
 */
final class SignerLogGuard {

  // strong references: java.util.logging forgets the level of a logger nobody holds
  private static final List<Logger> SIGNERS = List.of(
      Logger.getLogger("software.amazon.awssdk.http.auth"),
      Logger.getLogger("software.amazon.awssdk.auth.signer"));

  private SignerLogGuard() {
  }

  /** Raises the signers' loggers to INFO if anything set them, or left them to inherit, lower. */
  static void apply() {
    for (Logger logger : SIGNERS) {
      Level level = logger.getLevel();
      if (level == null || level.intValue() < Level.INFO.intValue()) {
        logger.setLevel(Level.INFO);
      }
    }
  }
}
