package io.ckpt.forensics.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs fcp in-process and keeps what it printed. */
record FcpRun(int exitCode, String out, String err) {

  static FcpRun of(String... args) {
    return withStdin(new byte[0], args);
  }

  /** Runs fcp with {@code stdin} as its standard input (what {@code -} reads). */
  static FcpRun withStdin(byte[] stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FcpMain.run(args, new ByteArrayInputStream(stdin), new PrintWriter(out), new PrintWriter(err));
    return new FcpRun(code, out.toString(), err.toString());
  }
}
