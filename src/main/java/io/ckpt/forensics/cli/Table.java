package io.ckpt.forensics.cli;

import java.io.PrintWriter;
import java.util.List;

/** Left-aligned columns separated by two spaces, like Go's tabwriter in checkpointctl; cells go through {@link UntrustedText}. */
final class Table {

  private Table() {}

  static void print(PrintWriter out, List<String[]> input) {
    // cells quote archive content (process names, member names, metadata)
    List<String[]> rows = input.stream().map(r -> java.util.Arrays.stream(r).map(UntrustedText::escape).toArray(String[]::new))
        .toList();
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
      }
    }
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        sb.append(r[i]);
        if (i < cols - 1) {
          sb.append(" ".repeat(width[i] - r[i].codePointCount(0, r[i].length()) + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
