package io.ckpt.forensics.cli;

import io.ckpt.forensics.archive.ChangedFile;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/** {@code --path}, {@code --newer}, {@code --type} and {@code --change}: which file changes a command shows. */
final class FileFilterOptions {

  static final Set<String> TYPES = Set.of("file", "directory", "symlink", "hardlink", "char", "block", "fifo", "sparse",
      "other");

  @Option(names = "--path", paramLabel = "GLOB",
      description = "only paths matching GLOB (* and ? within a component, ** across; without '/' the last component)")
  String path;

  @Option(names = "--newer", paramLabel = "TIME",
      description = "only entries modified after TIME (2026-01-27, 2026-01-27T18:30:00Z or seconds since the epoch);"
          + " deleted paths have no time and are left out")
  String newer;

  @Option(names = "--type", paramLabel = "TYPE", split = ",",
      description = "only these types: file, directory, symlink, hardlink, char, block, fifo, sparse, other")
  List<String> types;

  @Option(names = "--change", paramLabel = "CHANGE", split = ",",
      description = "only these changes: written, deleted, tmpfs")
  List<String> changes;

  /** The filter the options describe; a usage error names a bad value. */
  Predicate<ChangedFile> predicate() throws UserError {
    Predicate<ChangedFile> p = f -> true;
    if (path != null) {
      PathGlob glob = PathGlob.of(path);
      p = p.and(f -> glob.matches(f.path()));
    }
    if (newer != null) {
      long after = epochSeconds(newer);
      p = p.and(f -> f.mtimeSeconds() > after);
    }
    if (types != null) {
      for (String t : types) {
        if (!TYPES.contains(t)) {
          throw new UserError("--type " + t + ": not a type; use one of file, directory, symlink, hardlink, char,"
              + " block, fifo, sparse, other");
        }
      }
      Set<String> wanted = Set.copyOf(types);
      p = p.and(f -> wanted.contains(f.type()));
    }
    if (changes != null) {
      Set<ChangedFile.Change> wanted = new java.util.HashSet<>();
      for (String c : changes) {
        try {
          wanted.add(ChangedFile.Change.valueOf(c.toUpperCase(java.util.Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new UserError("--change " + c + ": use written, deleted or tmpfs");
        }
      }
      p = p.and(f -> wanted.contains(f.change()));
    }
    return p;
  }

  static long epochSeconds(String time) throws UserError {
    try {
      if (time.matches("[0-9]{1,12}")) {
        return Long.parseLong(time);
      }
      if (time.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
        return LocalDate.parse(time).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
      }
      try {
        return OffsetDateTime.parse(time).toEpochSecond();
      } catch (DateTimeParseException e) {
        return Instant.parse(time).getEpochSecond();
      }
    } catch (DateTimeParseException e) {
      throw new UserError("--newer " + time + ": not a time; use 2026-01-27, 2026-01-27T18:30:00Z or epoch seconds");
    }
  }
}
