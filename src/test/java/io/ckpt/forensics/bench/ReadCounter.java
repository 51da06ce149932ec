package io.ckpt.forensics.bench;

import io.ckpt.forensics.cli.FcpMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs one fcp command line twice in this JVM and prints how many bytes the process read during
 * each run ({@code rchar} from /proc/self/io before and after). The first run includes the class
 * loading the command triggers (jar reads); the second, with every class loaded, reads only what
 * the command itself reads: the archive. Output is discarded. Used by {@link ArchiveBench}; Linux only.
 *
 * <p>Prints one line: {@code first=<bytes> rchar=<bytes of the second run> exit=<code>}.
 */
public final class ReadCounter {

  private ReadCounter() {}

  public static void main(String[] args) throws IOException {
    PrintWriter sink = new PrintWriter(Writer.nullWriter());
    long[] before = io();
    FcpMain.run(args, sink, new PrintWriter(System.err, true));
    long[] between = io();
    int code = FcpMain.run(args, sink, new PrintWriter(System.err, true));
    long[] after = io();
    System.out.println("first=" + (between[0] - before[0]) + " rchar=" + (after[0] - between[0]) + " exit=" + code);
    System.exit(code);
  }

  /** rchar and read_bytes of this process. */
  static long[] io() throws IOException {
    long rchar = -1;
    long readBytes = -1;
    for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
      if (line.startsWith("rchar:")) {
        rchar = Long.parseLong(line.substring(6).strip());
      } else if (line.startsWith("read_bytes:")) {
        readBytes = Long.parseLong(line.substring(11).strip());
      }
    }
    return new long[] {rchar, readBytes};
  }
}
