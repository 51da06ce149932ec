package io.ckpt.forensics.collector;

import com.google.cloud.tools.jib.api.Credential;
import io.ckpt.forensics.evidence.CustodyPredicate;
import io.ckpt.forensics.evidence.ExportPredicate;
import io.ckpt.forensics.evidence.ExportStatement;
import io.ckpt.forensics.export.CheckpointImage;
import io.ckpt.forensics.export.PushTarget;
import io.ckpt.forensics.export.RegistryPush;
import io.ckpt.forensics.export.UnusableArchiveException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * Builds the checkpoint image of the node's archive and pushes it (the collect mode's
 * {@code --export-repository}), after the evidence and its record are stored and before the node's copy
 * is removed. It reads the plaintext archive on the node, never the stored copy (which may be encrypted),
 * and streams the layer to the registry (two passes over the archive, no layer file). Every failure
 * becomes an {@link ExportResult.Failed}: an export never fails a collection. After a push it signs and stores
 * the export record ({@code NAME.export.dsse.json}), which names the manifest digest the custody record cannot.
 */
final class ArchiveExport {

  private final String repository;
  private final String tag;
  private final Path registryAuth;
  private final boolean plainHttp;
  private final Clock clock;

  /**
   * @param repository REGISTRY/REPOSITORY, without a tag
   * @param registryAuth a Docker config file (a dockerconfigjson Secret's .dockerconfigjson); null: no credentials
   * @param plainHttp Jib's insecure-registry mode, for a registry on loopback or in a test network
   */
  ArchiveExport(String repository, String tag, Path registryAuth, boolean plainHttp, Clock clock) {
    this.repository = repository;
    this.tag = tag;
    this.registryAuth = registryAuth;
    this.plainHttp = plainHttp;
    this.clock = clock;
  }

  /** Signs and stores an export record; returns where it is. */
  @FunctionalInterface
  interface RecordStore {
    String store(ExportStatement statement) throws IOException;
  }

  /**
   * Pushes the image, then stores the signed export record naming the pushed manifest, {@code custody}'s
   * record and evidence. A record that cannot be stored fails the export (ExportError), never the custody:
   * the image stays pushed, but no signed record ties it to the evidence.
   */
  ExportResult export(Path archive, CollectFacts facts, EvidenceCollector.Custody custody, RecordStore records) {
    ExportResult result = export(archive, facts);
    if (!(result instanceof ExportResult.Pushed p)) {
      return result;
    }
    try {
      ExportPredicate predicate = new ExportPredicate(
          new ExportPredicate.StoredObject(custody.record().location(), custody.record().sha256()),
          new ExportPredicate.StoredObject(custody.evidence().location(), custody.evidence().sha256()),
          new ExportPredicate.Digest(custody.plaintextSha256()), repository, tag, p.dropped(),
          p.exportedAt().toString(), CustodyPredicate.Tool.current());
      return p.withRecordLocation(records.store(ExportStatement.of(p.image(), p.digest(), predicate)));
    } catch (IOException | RuntimeException e) {
      // the stores' messages name the object and the fix, and never carry credentials
      return failed(ExportResult.FailureReason.ExportError, "the image was pushed as " + p.reference()
          + ", but its signed export record could not be stored (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "), so no record ties it to the evidence");
    }
  }

  /** Pushes the image of {@code archive}, named after {@code facts}' container and image. */
  ExportResult export(Path archive, CollectFacts facts) {
    try {
      PushTarget target;
      try {
        target = PushTarget.parse(repository + ":" + tag);
      } catch (IllegalArgumentException e) {
        return failed(ExportResult.FailureReason.ExportError, "--export-repository and --export-tag: "
            + e.getMessage());
      }
      if (facts.container() == null) {
        return failed(ExportResult.FailureReason.ExportError, FACTS_WITHOUT_CONTAINER);
      }
      CheckpointImage.Facts imageFacts;
      try {
        imageFacts = new CheckpointImage.Facts(facts.container(), Optional.ofNullable(facts.image()),
            Optional.ofNullable(facts.imageId()), Optional.empty());
      } catch (IllegalArgumentException e) {
        return failed(ExportResult.FailureReason.ExportError, e.getMessage());
      }
      Optional<Credential> credential = Optional.empty();
      if (registryAuth != null) {
        if (!Files.isRegularFile(registryAuth)) {
          return failed(ExportResult.FailureReason.ExportError, "--registry-auth " + registryAuth + " is not a file:"
              + " mount the push Secret (type kubernetes.io/dockerconfigjson) and name its .dockerconfigjson");
        }
        try {
          credential = RegistryPush.credentialFrom(registryAuth, target.registry());
        } catch (IOException | RuntimeException e) {
          return failed(ExportResult.FailureReason.ExportError, "--registry-auth " + registryAuth + " is not a Docker"
              + " config (" + e.getClass().getSimpleName() + "): the push Secret must be of type"
              + " kubernetes.io/dockerconfigjson");
        }
      }
      CheckpointImage image;
      try {
        image = CheckpointImage.build(archive, imageFacts, null);
      } catch (UnusableArchiveException e) {
        return failed(ExportResult.FailureReason.ArchiveUnreadable, e.getMessage());
      } catch (IOException e) {
        return failed(ExportResult.FailureReason.ArchiveUnreadable, "reading " + archive + " to build the image failed ("
            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
      }
      try {
        RegistryPush.Pushed pushed = RegistryPush.push(image, target, credential, plainHttp);
        return new ExportResult.Pushed(pushed.image(), pushed.digest(), pushed.reference(), image.dropped(),
            clock.instant());
      } catch (RegistryPush.Failure e) {
        return failed(e.kind() == RegistryPush.Failure.Kind.REFUSED ? ExportResult.FailureReason.PushRefused
            : ExportResult.FailureReason.RegistryUnavailable, e.getMessage());
      }
    } catch (RuntimeException e) {
      // no stack trace in the message: the class and our own text only
      return failed(ExportResult.FailureReason.ExportError, "unexpected " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  static final String FACTS_WITHOUT_CONTAINER = "the collect facts name no container, which the image's checkpoint"
      + " annotations need; the operator writes it into " + CollectFacts.ENVIRONMENT_VARIABLE;

  private static ExportResult failed(ExportResult.FailureReason reason, String message) {
    return new ExportResult.Failed(reason, message + "; the evidence is stored, the checkpoint is not affected");
  }
}
