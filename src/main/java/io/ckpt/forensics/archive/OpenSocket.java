package io.ckpt.forensics.archive;

/**
 * A socket a process holds.
 *
 * @param fd descriptor number
 * @param kind UNIX, TCP, UDP, or the CRIU fd type for others (PACKETSK, NETLINKSK)
 * @param family IPv4, IPv6, UNIX or empty
 * @param type STREAM, DGRAM, SEQPACKET, RAW or empty
 * @param state TCP state name (LISTEN, ESTABLISHED, ...) or empty
 * @param source local address (IP, or the unix socket path, "@..." for abstract names)
 * @param sourcePort local port
 * @param destination peer address
 * @param destinationPort peer port
 * @param sendBuffer SO_SNDBUF in bytes
 * @param receiveBuffer SO_RCVBUF in bytes
 */
public record OpenSocket(int fd, String kind, String family, String type, String state, String source,
    int sourcePort, String destination, int destinationPort, long sendBuffer, long receiveBuffer) {

  public boolean listening() {
    return "LISTEN".equals(state);
  }
}
