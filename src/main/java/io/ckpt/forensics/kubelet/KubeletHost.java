package io.ckpt.forensics.kubelet;

import java.util.regex.Pattern;

/**
 * Decides whether a host taken from a Node's status may go into a kubelet URL: an IPv4 or IPv6
 * literal, or a DNS name, and nothing else (no path, query, fragment, userinfo, port or space).
 */
final class KubeletHost {

  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  /** Hex groups and colons, optionally ending in dotted IPv4; checked in full by {@link #isIpv6}. */
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
  /** RFC 1123 labels of letters, digits and inner hyphens, dot-separated, at most 253 characters. */
  private static final Pattern DNS_NAME =
      Pattern.compile("(?=.{1,253}\\z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
          + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");

  private KubeletHost() {
  }

  static boolean isIpLiteralOrDnsName(String host) {
    if (host == null || host.isEmpty()) {
      return false;
    }
    if (host.contains(":")) {
      return isIpv6(host);
    }
    return IPV4.matcher(host).matches() || DNS_NAME.matcher(host).matches();
  }

  /** An IPv6 literal without brackets or zone: at most 8 groups, one "::" at most. */
  private static boolean isIpv6(String host) {
    if (!IPV6_CHARS.matcher(host).matches() || host.indexOf("::") != host.lastIndexOf("::")) {
      return false;
    }
    String groupsPart = host;
    int groupsAllowed = 8;
    int lastColon = host.lastIndexOf(':');
    String tail = host.substring(lastColon + 1);
    if (tail.contains(".")) {
      if (!IPV4.matcher(tail).matches()) {
        return false;
      }
      groupsPart = host.substring(0, lastColon + 1) + "0";
      groupsAllowed = 7;
    }
    boolean compressed = groupsPart.contains("::");
    String[] groups = groupsPart.replace("::", ":z:").split(":", -1);
    int count = 0;
    for (String group : groups) {
      if (group.equals("z")) {
        continue;
      }
      if (group.isEmpty()) {
        // only allowed at the very start or end next to "::", which became "z"
        if (!compressed) {
          return false;
        }
        continue;
      }
      if (group.length() > 4 || !group.matches("[0-9A-Fa-f]+")) {
        return false;
      }
      count++;
    }
    return compressed ? count < groupsAllowed : count == groupsAllowed;
  }
}
