package io.ckpt.forensics.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs fcp in-process and keeps what it printed. */
record FcpRun(int exitCode, String out, String err) {

  static FcpRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FcpMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new FcpRun(code, out.toString(), err.toString());
  }
}
