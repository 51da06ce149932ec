package io.ckpt.forensics.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A stand-in container for the tests of {@link PodRunner}, run by a pod with
 * {@code command: ["java-main", "io.ckpt.forensics.lab.TestPodMain"]} and these args, in order:
 * <pre>
 *   --read PATH          report PATH's content as "read PATH=CONTENT"
 *   --mode PATH          report PATH's permissions as "mode PATH=r--------"
 *   --write PATH TEXT    write TEXT to PATH (creating it)
 *   --sleep SECONDS      sleep (to be killed by a deadline or a deletion)
 *   --message-file PATH  where the report goes at the end (the termination message path)
 *   --exit CODE          exit code at the end (default 0)
 * </pre>
 * Paths are those of the container; the lab rewrote them to local ones. A failing step reports
 * "error ..." and exits 2.
 */
public final class TestPodMain {

  private TestPodMain() {
  }

  public static void main(String[] args) throws Exception {
    List<String> report = new ArrayList<>();
    Path messageFile = null;
    int exitCode = 0;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--read" -> {
            Path p = Path.of(args[++i]);
            report.add("read " + p + "=" + Files.readString(p, StandardCharsets.UTF_8));
          }
          case "--mode" -> {
            Path p = Path.of(args[++i]);
            report.add("mode " + p + "=" + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
          }
          case "--write" -> {
            Path p = Path.of(args[++i]);
            Files.writeString(p, args[++i], StandardCharsets.UTF_8);
            report.add("wrote " + p);
          }
          case "--sleep" -> Thread.sleep(Long.parseLong(args[++i]) * 1000);
          case "--message-file" -> messageFile = Path.of(args[++i]);
          case "--exit" -> exitCode = Integer.parseInt(args[++i]);
          default -> throw new IllegalArgumentException("unknown argument " + args[i]);
        }
      }
    } catch (IOException | RuntimeException e) {
      report.add("error " + e);
      exitCode = 2;
    }
    System.out.println(String.join("\n", report));
    if (messageFile != null) {
      Files.writeString(messageFile, String.join("\n", report), StandardCharsets.UTF_8);
    }
    System.exit(exitCode);
  }
}
