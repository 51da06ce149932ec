package io.ckpt.forensics.cli;

import io.ckpt.forensics.archive.ChangedFile;
import io.ckpt.forensics.archive.FileChanges;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code fcp diff --written}: file changes (written, deleted, in tmpfs) that appeared, vanished or
 * changed between two checkpoints, keyed by change and path; an entry is changed when its type, size,
 * mode, owner, link target or SHA-256 differ (a time alone is not a change: the copy-up may touch it).
 */
record WrittenFilesDiff(CheckpointDiff.Changes<ChangedFile> changes, List<Modified> modified) {

  /** One entry in both checkpoints, with different contents or attributes. */
  record Modified(ChangedFile before, ChangedFile after) {
  }

  static WrittenFilesDiff of(FileChanges a, FileChanges b) {
    Map<String, ChangedFile> before = keyed(a);
    Map<String, ChangedFile> after = keyed(b);
    List<ChangedFile> removed = new ArrayList<>();
    List<Modified> modified = new ArrayList<>();
    before.forEach((k, f) -> {
      ChangedFile later = after.get(k);
      if (later == null) {
        removed.add(f);
      } else if (!same(f, later)) {
        modified.add(new Modified(f, later));
      }
    });
    List<ChangedFile> added = after.entrySet().stream().filter(e -> !before.containsKey(e.getKey()))
        .map(Map.Entry::getValue).toList();
    return new WrittenFilesDiff(new CheckpointDiff.Changes<>(removed, added), modified);
  }

  int count() {
    return changes.count() + modified.size();
  }

  private static Map<String, ChangedFile> keyed(FileChanges c) {
    Map<String, ChangedFile> map = new LinkedHashMap<>();
    for (ChangedFile f : c.entries()) {
      map.put(f.change().label() + " " + f.path(), f); // tar semantics: a later entry of one name wins
    }
    return map;
  }

  private static boolean same(ChangedFile x, ChangedFile y) {
    return x.type().equals(y.type()) && x.size() == y.size() && x.mode() == y.mode() && x.uid() == y.uid()
        && x.gid() == y.gid() && x.linkTarget().equals(y.linkTarget()) && Objects.equals(x.sha256(), y.sha256());
  }
}
