package io.ckpt.forensics.lab;

/** The outcome of a process run to completion (e.g. the real kubectl). */
public record ExecResult(int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
  }
}
