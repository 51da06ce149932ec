package io.ckpt.forensics.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;

/**
 * Raw HTTP requests a test makes to see exactly what comes back: through a Fabric8 client's own HTTP
 * client (the node proxy), or straight to a kubelet with TLS verified against the kubelet CA.
 */
final class LabRequests {

  private final Pki.Issued kubeletCa;

  LabRequests(Pki.Issued kubeletCa) {
    this.kubeletCa = kubeletCa;
  }

  /** Any request through {@code client}'s HTTP client; {@code path} starts with '/' and may hold a query. */
  static HttpResult throughClient(KubernetesClient client, String method, String path, Duration timeout) {
    HttpClient http = client.getHttpClient();
    String base = client.getMasterUrl().toString().replaceAll("/+$", "");
    HttpRequest.Builder builder = http.newHttpRequestBuilder().uri(base + path).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if ("GET".equals(method)) {
      builder.header("Accept", "*/*");
    } else {
      builder.method(method, "application/json", "");
    }
    try {
      HttpResponse<String> response = http.sendAsync(builder.build(), String.class)
          .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
      return new HttpResult(response.code(), response.header("Content-Type"), response.body());
    } catch (ExecutionException e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(method + " " + path + " timed out after " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Any request straight to a kubelet (TLS verified against the kubelet CA). */
  HttpResult toKubelet(LabNode node, String method, String path, String bearerToken, Duration timeout) {
    return toKubelet(node, method, path, bearerToken, Map.of(), "", timeout);
  }

  /** The same with extra request headers (e.g. Accept) and a body ("" for none). */
  HttpResult toKubelet(LabNode node, String method, String path, String bearerToken,
      Map<String, String> headers, String body, Duration timeout) {
    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
        .sslContext(Pki.clientContext(kubeletCa.cert(), null))
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(node.kubeletUrl() + path))
        .timeout(timeout)
        .method(method, body.isEmpty() ? java.net.http.HttpRequest.BodyPublishers.noBody()
            : java.net.http.HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(builder::header);
    if (bearerToken != null) {
      builder.header("Authorization", "Bearer " + bearerToken);
    }
    try {
      java.net.http.HttpResponse<String> response = http.send(builder.build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return new HttpResult(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
          response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + node.kubeletUrl() + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
