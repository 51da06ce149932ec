package io.ckpt.forensics.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLSession;

/**
 * Reads one HTTP/1.1 request from a kubelet connection as Go's net/http would: request line,
 * headers (names lower-cased, repeated ones joined), a Content-Length or chunked body, the path
 * percent-decoded and the query parsed, malformed pairs skipped.
 */
final class HttpRequestReader {

  private static final int MAX_HEADER_BYTES = 1 << 20;

  private HttpRequestReader() {
  }

  /** The request cannot be parsed: the server answers 400 and closes. */
  static final class BadRequest extends IOException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  /** Reads one request; null at a clean end of stream before a request starts. */
  static KubeletHttpServer.Request read(InputStream in, SSLSession session) throws IOException {
    String requestLine = line(in, true);
    while (requestLine != null && requestLine.isEmpty()) {
      requestLine = line(in, true);
    }
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
      throw new BadRequest("bad request line: " + requestLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    int total = 0;
    while (true) {
      String header = line(in, false);
      if (header == null) {
        throw new BadRequest("end of stream in headers");
      }
      if (header.isEmpty()) {
        break;
      }
      total += header.length();
      if (total > MAX_HEADER_BYTES) {
        throw new BadRequest("headers too large");
      }
      int colon = header.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest("bad header: " + header);
      }
      String key = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).trim();
      headers.merge(key, value, (a, b) -> a + ", " + b);
    }
    byte[] body = readBody(in, headers);
    String target = parts[1];
    String rawPath = target;
    String rawQuery = "";
    int q = target.indexOf('?');
    if (q >= 0) {
      rawPath = target.substring(0, q);
      rawQuery = target.substring(q + 1);
    }
    String path;
    try {
      path = new URI("http://h" + rawPath).getPath();
    } catch (Exception e) {
      throw new BadRequest("bad path: " + rawPath);
    }
    Map<String, List<String>> query = new LinkedHashMap<>();
    if (!rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        try {
          query.computeIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), x -> new ArrayList<>())
              .add(URLDecoder.decode(v, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          // Go's ParseQuery skips malformed pairs
        }
      }
    }
    return new KubeletHttpServer.Request(parts[0], target, path, query, headers, body, session);
  }

  private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
    String te = headers.get("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String sizeLine = line(in, false);
        if (sizeLine == null) {
          throw new BadRequest("end of stream in chunked body");
        }
        int semi = sizeLine.indexOf(';');
        int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
          String trailer;
          do {
            trailer = line(in, false);
          } while (trailer != null && !trailer.isEmpty());
          return body.toByteArray();
        }
        body.write(in.readNBytes(size));
        line(in, false);
      }
    }
    String length = headers.get("content-length");
    if (length == null || length.isEmpty()) {
      return new byte[0];
    }
    int n;
    try {
      n = Integer.parseInt(length.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest("bad content-length");
    }
    byte[] body = in.readNBytes(n);
    if (body.length != n) {
      throw new BadRequest("short body");
    }
    return body;
  }

  /** A CRLF (or LF) terminated line in ISO-8859-1; null at end of stream before any byte. */
  private static String line(InputStream in, boolean first) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(128);
    while (true) {
      int b;
      try {
        b = in.read();
      } catch (SocketException e) {
        if (first && buffer.size() == 0) {
          return null;
        }
        throw e;
      }
      if (b < 0) {
        return buffer.size() == 0 ? null : buffer.toString(StandardCharsets.ISO_8859_1);
      }
      if (b == '\n') {
        String s = buffer.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buffer.write(b);
      if (buffer.size() > 65536) {
        throw new BadRequest("line too long");
      }
    }
  }

}
