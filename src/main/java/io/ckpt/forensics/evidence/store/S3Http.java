package io.ckpt.forensics.evidence.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * The S3 requests of {@link S3EvidenceStore}: addressed (path-style or virtual-hosted), signed with
 * the SDK's SigV4 signer, and sent over the JDK's {@link HttpURLConnection}, with a request body
 * streamed from the caller's buffer (fixed-length mode copies nothing). The full S3 client and its
 * HTTP client load twice the classes of the whole collector; these few requests need none of them.
 *
 * <p>Credentials are resolved for every request, so that rotated files are picked up. A request is
 * sent up to {@value #ATTEMPTS} times when the connection fails or S3 answers 500 or 503, as the SDK
 * did: every body is in memory, so it can be sent again.
 */
final class S3Http {

  static final int ATTEMPTS = 3;
  /** S3's answers to these requests are a few hundred bytes; an error document, a few more. */
  static final int MAX_ANSWER_BYTES = 64 << 10;

  private static final Logger LOG = LoggerFactory.getLogger(S3Http.class);
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int READ_TIMEOUT_MILLIS = 120_000;
  private static final long FIRST_BACKOFF_MILLIS = 200;

  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
  private final AwsCredentialsProvider credentials;
  private final String region;
  private final String bucket;
  private final boolean pathStyle;
  private final URI endpoint;

  S3Http(S3StoreSettings settings, AwsCredentialsProvider credentials) {
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.region = settings.region();
    this.bucket = settings.bucket();
    this.pathStyle = settings.pathStyleAccess();
    this.endpoint = settings.endpoint().orElseGet(() -> awsEndpoint(settings.region()));
  }

  /** AWS's own S3 endpoint of a region (China's regions have their own domain). */
  static URI awsEndpoint(String region) {
    return URI.create("https://s3." + region + ".amazonaws.com" + (region.startsWith("cn-") ? ".cn" : ""));
  }

  /** One request on an object of the bucket; the query's parameters and headers in the order given. */
  record Request(String operation, SdkHttpMethod method, String key, Map<String, String> query,
      Map<String, String> headers, byte[] body, int length) {

    Request {
      query = new LinkedHashMap<>(query);
      headers = new LinkedHashMap<>(headers);
    }

    static Request of(String operation, SdkHttpMethod method, String key) {
      return new Request(operation, method, key, Map.of(), Map.of(), null, 0);
    }

    /** The same with one more query parameter; a null value leaves it out. */
    Request query(String name, String value) {
      if (value == null) {
        return this;
      }
      Map<String, String> more = new LinkedHashMap<>(query);
      more.put(name, value);
      return new Request(operation, method, key, more, headers, body, length);
    }

    /** The same with one more header; a null value leaves it out. */
    Request header(String name, String value) {
      if (value == null) {
        return this;
      }
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(name, value);
      return new Request(operation, method, key, query, more, body, length);
    }

    /** The same with the first {@code length} bytes of {@code bytes} as its body (not copied). */
    Request body(byte[] bytes, int length) {
      return new Request(operation, method, key, query, headers, bytes, length);
    }
  }

  /** A 2xx answer: its headers (names in any case) and its body, read up to {@link #MAX_ANSWER_BYTES}. */
  record Response(int status, Map<String, String> headers, String body) {

    /** The header's value, or null. */
    String header(String name) {
      return headers.get(name);
    }
  }

  /**
   * Sends the request and reads the answer; anything but 2xx, or an error document in a 2xx answer,
   * is thrown as {@link S3ErrorResponse}; a connection that failed every attempt, as IOException.
   */
  Response send(Request request) throws IOException {
    return withRetries(request, () -> {
      HttpURLConnection connection = exchange(request);
      try {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        connection.getHeaderFields().forEach((name, values) -> {
          if (name != null && !values.isEmpty()) {
            headers.put(name, values.get(0));
          }
        });
        String body = request.method() == SdkHttpMethod.HEAD ? "" : readBounded(connection.getInputStream());
        if (S3Xml.isError(body)) {
          throw S3ErrorResponse.of(connection.getResponseCode(), body);
        }
        return new Response(connection.getResponseCode(), headers, body);
      } catch (IOException | RuntimeException e) {
        connection.disconnect();
        throw e;
      }
    });
  }

  /** Sends a GET and returns the object's content as it arrives; the caller closes it. */
  InputStream open(Request request) throws IOException {
    return withRetries(request, () -> exchange(request).getInputStream());
  }

  private interface Attempt<T> {
    T run() throws IOException;
  }

  private <T> T withRetries(Request request, Attempt<T> attempt) throws IOException {
    for (int number = 1; ; number++) {
      try {
        return attempt.run();
      } catch (S3ErrorResponse e) {
        if (!e.retryable() || number == ATTEMPTS) {
          throw e;
        }
        retrying(request, number, e.getMessage());
      } catch (IOException e) {
        if (number == ATTEMPTS) {
          throw new IOException("no answer after " + ATTEMPTS + " attempts: " + e, e);
        }
        retrying(request, number, e.toString());
      }
    }
  }

  private void retrying(Request request, int failed, String reason) throws InterruptedIOException {
    LOG.info("S3 request retried operation={} key={} attempt={} reason={}", request.operation(), request.key(),
        failed + 1, reason);
    try {
      Thread.sleep(FIRST_BACKOFF_MILLIS << (2 * (failed - 1)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry S3 " + request.operation());
    }
  }

  /**
   * One attempt: signs the request, sends it with its body and returns the connection once the
   * answer's status is 2xx; otherwise throws the answer as {@link S3ErrorResponse}.
   */
  private HttpURLConnection exchange(Request request) throws IOException {
    SignedRequest signed = sign(request);
    HttpURLConnection connection = (HttpURLConnection) signed.request().getUri().toURL().openConnection();
    try {
      connection.setRequestMethod(request.method().name());
      connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
      connection.setReadTimeout(READ_TIMEOUT_MILLIS);
      connection.setInstanceFollowRedirects(false);
      connection.setUseCaches(false);
      signed.request().forEachHeader((name, values) -> {
        // the connection sends these itself, from the URL (the signer's Host has the same port) and the body
        if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
          connection.setRequestProperty(name, String.join(",", values));
        }
      });
      if (request.method() == SdkHttpMethod.PUT || request.method() == SdkHttpMethod.POST) {
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode((long) request.length());
        try (OutputStream out = connection.getOutputStream()) {
          if (request.body() != null) {
            out.write(request.body(), 0, request.length());
          }
        }
      }
      int status = connection.getResponseCode();
      if (status / 100 != 2) {
        InputStream error = connection.getErrorStream();
        throw S3ErrorResponse.of(status, error == null ? "" : readBounded(error));
      }
      return connection;
    } catch (IOException | RuntimeException e) {
      connection.disconnect();
      throw e;
    }
  }

  /** The request as it is sent: addressed, with the signature and the headers it covers. */
  SignedRequest sign(Request request) {
    SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(request.method())
        .protocol(endpoint.getScheme())
        .host(pathStyle ? endpoint.getHost() : bucket + "." + endpoint.getHost())
        .port(endpoint.getPort())
        .encodedPath(basePath() + (pathStyle ? "/" + bucket : "") + "/" + encodeKey(request.key()));
    request.query().forEach(http::putRawQueryParameter);
    request.headers().forEach(http::putHeader);
    byte[] body = request.body();
    int length = request.length();
    ContentStreamProvider payload = body == null ? null : () -> new ByteArrayInputStream(body, 0, length);
    return signer.sign(r -> r.identity(credentials.resolveCredentials()).request(http.build()).payload(payload)
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
        // S3's rules: the path is signed as sent, encoded once and not normalized
        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, false)
        // as the S3 client: UNSIGNED-PAYLOAD over TLS (x-amz-checksum-sha256 covers the body); over
        // plain http the signer hashes the body itself
        .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false));
  }

  /** The endpoint's path, if it has one (an S3-compatible server under a path), without its last slash. */
  private String basePath() {
    String path = endpoint.getRawPath();
    return path == null || path.isEmpty() ? "" : path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** RFC 3986 encoding of every byte but the unreserved characters and the slash, which S3 keys keep. */
  static String encodeKey(String key) {
    StringBuilder out = new StringBuilder(key.length());
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }

  /** Reads at most {@link #MAX_ANSWER_BYTES}, then closes the stream (dropping the connection if more was left). */
  private static String readBounded(InputStream in) throws IOException {
    try (in) {
      return new String(in.readNBytes(MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
    }
  }
}
