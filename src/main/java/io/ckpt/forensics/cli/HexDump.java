package io.ckpt.forensics.cli;

import java.io.IOException;
import java.io.Writer;

/** checkpointctl's hex dump: 16 bytes a row; compact mode folds repeated rows into "*". */
final class HexDump {

  private final Writer out;
  private final boolean compact;
  private String previousAscii;
  private boolean inRepeat;

  HexDump(Writer out, boolean compact) {
    this.out = out;
    this.compact = compact;
  }

  void header() throws IOException {
    out.write("Address           Hexadecimal                                       ASCII            \n");
    out.write("-------------------------------------------------------------------------------------\n");
  }

  void rows(long vaddr, byte[] buf, int len) throws IOException {
    StringBuilder line = new StringBuilder(100);
    for (int off = 0; off < len; off += 16) {
      int n = Math.min(16, len - off);
      StringBuilder hex = new StringBuilder(48);
      StringBuilder ascii = new StringBuilder(16);
      for (int i = 0; i < n; i++) {
        int b = buf[off + i] & 0xff;
        hex.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 15, 16)).append(' ');
        ascii.append(b < 32 || b >= 127 ? '.' : (char) b);
      }
      String a = ascii.toString();
      if (compact && a.equals(previousAscii)) {
        if (!inRepeat) {
          out.write("*\n");
        }
        inRepeat = true;
      } else {
        line.setLength(0);
        line.append(String.format("%016x", vaddr + off)).append("  ").append(hex).append(" |").append(a).append("|\n");
        out.write(line.toString());
        inRepeat = false;
      }
      previousAscii = a;
    }
  }
}
