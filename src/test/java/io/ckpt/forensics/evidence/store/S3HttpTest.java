package io.ckpt.forensics.evidence.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * {@link S3Http} against a scripted HTTP server on loopback: what goes on the wire, retries and
 * error answers. That S3 accepts the signature is S3EvidenceStoreIT's part (moto checks it).
 */
class S3HttpTest {

  /** One request as the server saw it. */
  private record Seen(String method, String uri, String host, String authorization, String contentLength,
      byte[] body) {
  }

  /** One scripted answer. */
  private record Answer(int status, String body) {
  }

  private HttpServer server;
  private final List<Seen> seen = new ArrayList<>();
  private final Deque<Answer> script = new ConcurrentLinkedDeque<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private void answer(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    synchronized (seen) {
      seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
          exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestHeaders().getFirst("Authorization"),
          exchange.getRequestHeaders().getFirst("Content-Length"), body));
    }
    Answer answer = Optional.ofNullable(script.poll()).orElse(new Answer(200, ""));
    byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("ETag", "\"abc\"");
    exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
    exchange.getResponseBody().write(out);
    exchange.close();
  }

  private S3Http http() {
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/base/");
    return new S3Http(new S3StoreSettings(Optional.of(endpoint), "us-east-1", "evidence", "", true, Optional.empty(),
        S3StoreSettings.MIN_PART_SIZE), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")));
  }

  @Test
  void aBodyIsSentWithItsLengthToThePathStyleAddressTheSignatureNames() throws IOException {
    byte[] buffer = "part bytes and more that are not sent".getBytes(StandardCharsets.UTF_8);

    S3Http.Response response = http().send(S3Http.Request.of("UploadPart", SdkHttpMethod.PUT, "cases/a b.tar")
        .query("partNumber", "1").query("uploadId", "x+y/z").body(buffer, 10));

    assertThat(response.header("etag")).isEqualTo("\"abc\"");
    Seen request = seen.get(0);
    assertThat(request.method()).isEqualTo("PUT");
    assertThat(request.uri()).startsWith("/base/evidence/cases/a%20b.tar?").contains("partNumber=1")
        .contains("uploadId=x%2By%2Fz");
    assertThat(request.host()).isEqualTo("127.0.0.1:" + server.getAddress().getPort());
    assertThat(request.contentLength()).isEqualTo("10");
    assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo("part bytes");
    assertThat(request.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=AKID/")
        .contains("/us-east-1/s3/aws4_request").contains("host");
  }

  @Test
  void aBodilessPostSendsAnEmptyBodyAndAnEmptyQueryParameterKeepsItsName() throws IOException {
    http().send(S3Http.Request.of("CreateMultipartUpload", SdkHttpMethod.POST, "c.tar").query("uploads", ""));

    assertThat(seen.get(0).uri()).isEqualTo("/base/evidence/c.tar?uploads=");
    assertThat(seen.get(0).contentLength()).isEqualTo("0");
  }

  @Test
  void serverErrorsAreRetriedThenReportedWithS3sCodeAndMessage() {
    String slowDown = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
    for (int i = 0; i < S3Http.ATTEMPTS; i++) {
      script.add(new Answer(503, slowDown));
    }

    assertThatThrownBy(() -> http().send(S3Http.Request.of("PutObject", SdkHttpMethod.PUT, "c.tar")
        .body(new byte[3], 3)))
        .isInstanceOfSatisfying(S3ErrorResponse.class, e -> {
          assertThat(e.statusCode()).isEqualTo(503);
          assertThat(e.errorCode()).isEqualTo("SlowDown");
          assertThat(e.errorMessage()).isEqualTo("Please reduce your request rate.");
        });
    assertThat(seen).hasSize(S3Http.ATTEMPTS).allSatisfy(s -> assertThat(s.body()).hasSize(3));
  }

  @Test
  void aTransientFailureIsRetriedOnce() throws IOException {
    script.add(new Answer(500, "<Error><Code>InternalError</Code></Error>"));

    http().send(S3Http.Request.of("PutObject", SdkHttpMethod.PUT, "c.tar").body(new byte[3], 3));

    assertThat(seen).hasSize(2);
  }

  @Test
  void clientErrorsAreNotRetried() {
    script.add(new Answer(412, "<Error><Code>PreconditionFailed</Code></Error>"));

    assertThatThrownBy(() -> http().send(S3Http.Request.of("PutObject", SdkHttpMethod.PUT, "c.tar")
        .body(new byte[3], 3))).isInstanceOfSatisfying(S3ErrorResponse.class,
            e -> assertThat(e.statusCode()).isEqualTo(412));
    assertThat(seen).hasSize(1);
  }

  /** CompleteMultipartUpload may fail after its 200 status line: the error document says so. */
  @Test
  void anErrorDocumentInA200AnswerIsAFailure() {
    script.add(new Answer(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidPart</Code>"
        + "<Message>One or more of the specified parts could not be found.</Message></Error>"));

    assertThatThrownBy(() -> http().send(S3Http.Request.of("CompleteMultipartUpload", SdkHttpMethod.POST, "c.tar")
        .query("uploadId", "u").body(new byte[1], 1))).isInstanceOfSatisfying(S3ErrorResponse.class, e -> {
          assertThat(e.statusCode()).isEqualTo(200);
          assertThat(e.errorCode()).isEqualTo("InvalidPart");
        });
  }

  /** Virtual-hosted: the bucket is in the host name, which is what the signature covers. */
  @Test
  void virtualHostedAddressingOnAwsAndAtAnEndpointWithPortAndPath() {
    var aws = new S3Http(new S3StoreSettings(Optional.empty(), "eu-west-1", "evidence", "", false, Optional.empty(),
        S3StoreSettings.MIN_PART_SIZE), StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
        .sign(S3Http.Request.of("HeadObject", SdkHttpMethod.HEAD, "cases/c.tar").query("versionId", "v1"))
        .request();
    assertThat(aws.getUri()).hasToString("https://evidence.s3.eu-west-1.amazonaws.com/cases/c.tar?versionId=v1");
    assertThat(aws.firstMatchingHeader("Host")).contains("evidence.s3.eu-west-1.amazonaws.com");
    assertThat(aws.firstMatchingHeader("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");

    var minio = new S3Http(new S3StoreSettings(Optional.of(URI.create("https://minio.example:9000/s3")), "us-east-1",
        "evidence", "", false, Optional.empty(), S3StoreSettings.MIN_PART_SIZE),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")))
        .sign(S3Http.Request.of("GetObject", SdkHttpMethod.GET, "c.tar")).request();
    assertThat(minio.getUri()).hasToString("https://evidence.minio.example:9000/s3/c.tar");
    assertThat(minio.firstMatchingHeader("Host")).contains("evidence.minio.example:9000");
  }

  @Test
  void awsEndpointsAndKeyEncoding() {
    assertThat(S3Http.awsEndpoint("eu-west-1")).hasToString("https://s3.eu-west-1.amazonaws.com");
    assertThat(S3Http.awsEndpoint("cn-north-1")).hasToString("https://s3.cn-north-1.amazonaws.com.cn");
    assertThat(S3Http.encodeKey("cases/dev/a b+c~_.-ü.tar")).isEqualTo("cases/dev/a%20b%2Bc~_.-%C3%BC.tar");
  }
}
