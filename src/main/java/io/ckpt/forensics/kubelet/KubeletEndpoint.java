package io.ckpt.forensics.kubelet;

/**
 * Where a node's kubelet listens for HTTPS, as its Node object reports it.
 *
 * @param addressType the Node address type the host was taken from (InternalIP, Hostname, ...)
 */
public record KubeletEndpoint(String node, String host, int port, String addressType) {

  /** https://host:port, with IPv6 literals in brackets. */
  public String baseUrl() {
    String literal = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return "https://" + literal + ":" + port;
  }

  @Override
  public String toString() {
    return host + ":" + port + " (" + addressType + " of node " + node + ")";
  }
}
