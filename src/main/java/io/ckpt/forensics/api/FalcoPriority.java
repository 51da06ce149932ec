package io.ckpt.forensics.api;

import java.util.Locale;
import java.util.Optional;

/** Falco's priorities, least urgent first (Falco's own order: Debug is lowest, Emergency highest). */
public enum FalcoPriority {
  Debug, Informational, Notice, Warning, Error, Critical, Alert, Emergency;

  /** Falco writes priorities capitalised ("Notice") in http_output and lower case in some outputs; "Info" too. */
  public static Optional<FalcoPriority> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("info")) {
      return Optional.of(Informational);
    }
    if (t.equals("warn")) {
      return Optional.of(Warning);
    }
    for (FalcoPriority p : values()) {
      if (p.name().toLowerCase(Locale.ROOT).equals(t)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
