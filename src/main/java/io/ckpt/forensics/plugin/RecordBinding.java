package io.ckpt.forensics.plugin;

import io.ckpt.forensics.evidence.CustodyPredicate;
import io.ckpt.forensics.evidence.CustodyRecord;
import io.ckpt.forensics.evidence.VerificationCheck;
import io.ckpt.forensics.evidence.VerificationCheck.Outcome;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.util.Objects;

/**
 * Whether a custody record is the record of the ForensicCheckpoint and container asked for. The
 * signature proves that the custody key signed the record, not which object it belongs to: a store
 * whose files can be replaced (a filesystem store, to its root) could hold another checkpoint's
 * evidence, validly signed, under this one's name. The record's predicate names the object by
 * namespace, name and UID (a recreated object of the same name has another) and the container.
 */
final class RecordBinding {

  static final String CHECK = "checkpoint";

  private RecordBinding() {}

  static VerificationCheck check(byte[] recordFile, ObjectMeta asked, String container) {
    String wanted = asked.getNamespace() + "/" + asked.getName() + " (uid " + asked.getUid() + "), container " + container;
    CustodyPredicate predicate;
    try {
      predicate = CustodyRecord.parse(recordFile).statement().predicate();
    } catch (IOException e) {
      return new VerificationCheck(CHECK, Outcome.FAILED, "not a custody record: " + e.getMessage());
    }
    CustodyPredicate.ObjectReference of = predicate.forensicCheckpoint();
    String found = of == null ? "no ForensicCheckpoint" : of.namespace() + "/" + of.name() + " (uid " + of.uid()
        + "), container " + predicate.container();
    boolean same = of != null && Objects.equals(of.namespace(), asked.getNamespace())
        && Objects.equals(of.name(), asked.getName()) && Objects.equals(of.uid(), asked.getUid())
        && Objects.equals(predicate.container(), container);
    return same ? new VerificationCheck(CHECK, Outcome.PASSED, "record of " + wanted)
        : new VerificationCheck(CHECK, Outcome.FAILED, "the record is of " + found + ", not of " + wanted);
  }
}
