package io.ckpt.forensics.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the runtime wrote about the container beside the CRIU images: config.dump, spec.dump and
 * (Podman) network.status, for the CRI-O, containerd and Podman layouts. Environment values in the
 * spec are never kept, only the variable names.
 *
 * @param name container name
 * @param pod pod name (Kubernetes runtimes)
 * @param namespace pod namespace
 * @param engine CRI-O, containerd or Podman (from spec.dump's io.container.manager)
 * @param image image name (config.dump rootfsImageName)
 * @param imageRef image id/digest (rootfsImageRef)
 * @param id container id
 * @param runtime OCI runtime (runc, crun)
 * @param created container creation time, RFC 3339
 * @param checkpointed checkpoint time, RFC 3339, empty if unknown
 * @param ip first IP the runtime recorded
 * @param networks Podman networks
 * @param mounts spec.dump mounts
 * @param annotations spec.dump annotations, sorted by key
 * @param entrypoint spec.process.args
 * @param environmentNames the names (never values) from spec.process.env
 */
public record ContainerMetadata(String name, String pod, String namespace, String engine, String image,
    String imageRef, String id, String runtime, String created, String checkpointed, String ip,
    List<Network> networks, List<Mount> mounts, Map<String, String> annotations, List<String> entrypoint,
    List<String> environmentNames) {

  /** One spec.dump mount. */
  public record Mount(String destination, String type, String source) {
  }

  /** One network interface from Podman's network.status. */
  public record Network(String network, String device, String ip, String mac, String gateway) {
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the metadata files of an archive; members that are absent leave their fields empty. */
  public static ContainerMetadata read(CheckpointTar tar) throws IOException {
    JsonNode config = json(tar, "config.dump");
    JsonNode spec = json(tar, "spec.dump");
    Map<String, String> annotations = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = spec.path("annotations").fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      annotations.put(e.getKey(), e.getValue().asText());
    }
    List<Mount> mounts = new ArrayList<>();
    for (JsonNode m : spec.path("mounts")) {
      mounts.add(new Mount(m.path("destination").asText(""), m.path("type").asText(""), m.path("source").asText("")));
    }
    List<String> args = new ArrayList<>();
    spec.path("process").path("args").forEach(a -> args.add(a.asText()));
    List<String> envNames = new ArrayList<>();
    for (JsonNode e : spec.path("process").path("env")) {
      String s = e.asText();
      int eq = s.indexOf('=');
      envNames.add(eq < 0 ? s : s.substring(0, eq));
    }
    String manager = annotations.getOrDefault("io.container.manager", "");
    String name;
    String pod;
    String namespace;
    String engine;
    String created = rfc3339(config.path("createdTime").asText(""));
    String ip = "";
    List<Network> networks = new ArrayList<>();
    switch (manager) {
      case "cri-o" -> {
        engine = "CRI-O";
        JsonNode meta = parse(annotations.getOrDefault("io.kubernetes.cri-o.Metadata", "{}"));
        name = meta.path("name").asText("");
        pod = annotations.getOrDefault("io.kubernetes.pod.name", "");
        namespace = annotations.getOrDefault("io.kubernetes.pod.namespace", "");
        ip = annotations.getOrDefault("io.kubernetes.cri-o.IP.0", "");
        String c = annotations.get("io.kubernetes.cri-o.Created");
        if (c != null) {
          created = c;
        }
      }
      case "libpod" -> {
        engine = "Podman";
        name = config.path("name").asText("");
        pod = "";
        namespace = "";
        JsonNode status = json(tar, "network.status");
        Iterator<Map.Entry<String, JsonNode>> nets = status.fields();
        List<String> ips = new ArrayList<>();
        while (nets.hasNext()) {
          Map.Entry<String, JsonNode> n = nets.next();
          Iterator<Map.Entry<String, JsonNode>> ifs = n.getValue().path("interfaces").fields();
          while (ifs.hasNext()) {
            Map.Entry<String, JsonNode> i = ifs.next();
            String ipnet = "";
            String gw = "";
            for (JsonNode sub : i.getValue().path("subnets")) {
              ipnet = sub.path("ipnet").asText(ipnet);
              gw = sub.path("gateway").asText(gw);
            }
            networks.add(new Network(n.getKey(), i.getKey(), ipnet, i.getValue().path("mac_address").asText(""), gw));
            if (!ipnet.isEmpty()) {
              ips.add(ipnet.replaceAll("/.*", ""));
            }
          }
        }
        networks.sort((a, b) -> (a.network() + "/" + a.device()).compareTo(b.network() + "/" + b.device()));
        ip = String.join(", ", ips);
      }
      default -> {
        engine = spec.isMissingNode() && config.isMissingNode() ? "" : "containerd";
        name = annotations.getOrDefault("io.kubernetes.cri.container-name", "");
        pod = annotations.getOrDefault("io.kubernetes.cri.sandbox-name", "");
        namespace = annotations.getOrDefault("io.kubernetes.cri.sandbox-namespace", "");
      }
    }
    String checkpointed = rfc3339(config.path("checkpointedTime").asText(""));
    return new ContainerMetadata(name, pod, namespace, engine, config.path("rootfsImageName").asText(""),
        config.path("rootfsImageRef").asText(""), config.path("id").asText(""), config.path("runtime").asText(""),
        created, checkpointed, ip, List.copyOf(networks), List.copyOf(mounts), annotations, List.copyOf(args),
        List.copyOf(envNames));
  }

  private static JsonNode json(CheckpointTar tar, String member) throws IOException {
    Optional<TarMember> m = tar.member(member);
    if (m.isEmpty()) {
      return JSON.missingNode();
    }
    byte[] data = tar.readAll(m.get());
    try {
      return JSON.readTree(data);
    } catch (IOException e) {
      throw new ArchiveFormatException(member, 0, "not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return JSON.missingNode();
    }
  }

  /** Go's zero time means "never"; other times are shown as RFC 3339 without fractions, like Go's. */
  private static String rfc3339(String text) {
    if (text.isEmpty() || text.startsWith("0001-01-01")) {
      return "";
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(text);
      return t.withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    } catch (DateTimeParseException e) {
      return text;
    }
  }
}
