package io.ckpt.forensics.export;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Removes from an archive's container description what a restore would apply to the restored container
 * although the restoring pod never asked for it: devices, runtime selection and options, OCI hooks,
 * and what weakens seccomp. The archive is hostile (an attacker in the container may have shaped what
 * the runtime dumped, and a node may forge it): containerd applied CDI annotations found in checkpoint
 * metadata on restore (GHSA-33vj-92qq-66hc). Each removal is reported as {@code "<where>: <why>"}.
 *
 * <p>Only the members the runtimes read on restore are touched: {@code spec.dump} (the OCI runtime
 * spec) and {@code status.dump} (containerd's CRI status, whose annotations containerd restores);
 * {@code config.dump} (image names, the runtime that checkpointed) is only checked to parse. A member with nothing to remove is kept byte for
 * byte. JSON with duplicate keys is refused, since Go's decoder and ours could pick different values.
 */
public final class RestoreSanitizer {

  /** The members sanitized; everything else in the archive is copied unchanged. */
  public static final Set<String> MEMBERS = Set.of("spec.dump", "config.dump", "status.dump");
  /** CRI-O's annotation holding the container's annotations as a JSON string, restored with it. */
  static final String CRIO_NESTED_ANNOTATIONS = "io.kubernetes.cri-o.Annotations";
  /** Longest annotation key quoted in a report; a hostile key can be any length. */
  private static final int MAX_QUOTED = 120;

  private static final ObjectMapper STRICT = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** CRI-O's annotations that change how the runtime runs the container (its allowed_annotations). */
  private static final Set<String> CRIO_RUNTIME_OPTIONS = Set.of("io.kubernetes.cri-o.userns-mode",
      "io.kubernetes.cri-o.unifiedcgroup", "io.kubernetes.cri-o.shmsize", "io.kubernetes.cri-o.devices",
      "io.kubernetes.cri-o.cgroup2-mount-hierarchy-rw", "io.kubernetes.cri-o.umask",
      "io.kubernetes.cri-o.tryskipvolumeselinuxlabel", "io.kubernetes.cri-o.disablefips",
      "io.kubernetes.cri-o.linklogs", "io.kubernetes.cri-o.podlinuxoverhead", "io.kubernetes.cri-o.podlinuxresources",
      "io.kubernetes.cri-o.runtimehandler", "io.kubernetes.cri-o.trustedsandbox",
      "io.kubernetes.cri-o.stop-signal", "io.kubernetes.cri-o.criu");
  private static final Set<String> RUNTIME_SELECTION = Set.of("io.kubernetes.cri.runtimehandler",
      "io.kubernetes.cri.untrusted-workload", "io.kubernetes.cri-o.runtimehandler",
      "io.kubernetes.cri-o.trustedsandbox", "com.github.containers.virtualization");

  /**
   * The systemd properties CRI-O itself writes for every container's scope unit (ordering and stop
   * timeout): kept, so that every CRI-O archive does not list them; others (ExecStartPre=...) are dropped.
   */
  private static final Set<String> CRIO_SCOPE_PROPERTIES = Set.of("org.systemd.property.after",
      "org.systemd.property.collectmode", "org.systemd.property.defaultdependencies",
      "org.systemd.property.timeoutstopusec");

  /** A sanitized member: the bytes to put in the image and what was removed. */
  public record Result(byte[] content, List<String> dropped) {
  }

  private RestoreSanitizer() {
  }

  /**
   * Sanitizes one of {@link #MEMBERS}; throws {@link UnusableArchiveException} when it is not a JSON
   * object or repeats a key.
   */
  public static Result sanitize(String member, byte[] content) throws UnusableArchiveException {
    JsonNode root;
    try {
      root = STRICT.readTree(content);
    } catch (IOException e) {
      throw new UnusableArchiveException(member + " is not valid JSON, or repeats a key (" + firstLine(e) + "): a"
          + " runtime could read it differently than fcp checked it, so no image is built from it");
    }
    if (!(root instanceof ObjectNode object)) {
      throw new UnusableArchiveException(member + " is not a JSON object: not a checkpoint archive a runtime restores");
    }
    List<String> dropped = new ArrayList<>();
    switch (member) {
      case "spec.dump" -> sanitizeSpec(object, dropped);
      // config.dump names the image and the runtime that checkpointed ("runtime": "runc"); CRI-O and
      // containerd restore with the runtime of the restoring pod's RuntimeClass, so it only has to parse
      case "config.dump" -> { }
      case "status.dump" -> dropAnnotations(object, "annotations", member + " annotations", dropped);
      default -> throw new IllegalArgumentException(member);
    }
    if (dropped.isEmpty()) {
      return new Result(content, List.of());
    }
    try {
      return new Result(STRICT.writeValueAsBytes(object), List.copyOf(dropped));
    } catch (IOException e) {
      throw new UnusableArchiveException(member + " could not be written back: " + firstLine(e));
    }
  }

  private static void sanitizeSpec(ObjectNode spec, List<String> dropped) throws UnusableArchiveException {
    dropAnnotations(spec, "annotations", "spec.dump annotations", dropped);
    JsonNode hooks = spec.get("hooks");
    if (hooks != null && !hooks.isNull()) {
      spec.remove("hooks");
      dropped.add("spec.dump hooks: OCI hooks run programs on the restoring node");
    }
    if (spec.get("linux") instanceof ObjectNode linux) {
      JsonNode devices = linux.get("devices");
      if (devices != null && !devices.isNull() && !(devices.isArray() && devices.isEmpty())) {
        linux.remove("devices");
        dropped.add("spec.dump linux.devices (" + devices.size() + "): device nodes the restoring pod did not"
            + " request");
      }
      if (linux.get("resources") instanceof ObjectNode resources
          && resources.get("devices") instanceof ArrayNode rules) {
        int before = rules.size();
        for (Iterator<JsonNode> it = rules.elements(); it.hasNext();) {
          if (it.next().path("allow").asBoolean(false)) {
            it.remove();
          }
        }
        if (rules.size() != before) {
          dropped.add("spec.dump linux.resources.devices (" + (before - rules.size()) + " allow rules): device"
              + " access the restoring pod did not request");
        }
      }
      if (linux.get("seccomp") instanceof ObjectNode seccomp) {
        String defaultAction = seccomp.path("defaultAction").asText("");
        if (Set.of("SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY").contains(defaultAction)) {
          linux.remove("seccomp");
          dropped.add("spec.dump linux.seccomp: a profile whose default action is " + defaultAction
              + " confines nothing; the restoring pod's own profile applies");
        } else if (seccomp.has("listenerPath") || seccomp.has("listenerMetadata")) {
          seccomp.remove("listenerPath");
          seccomp.remove("listenerMetadata");
          dropped.add("spec.dump linux.seccomp.listenerPath: hands the container's system calls to a program on the"
              + " node");
        }
      }
    }
  }


  private static void dropAnnotations(ObjectNode owner, String field, String where, List<String> dropped)
      throws UnusableArchiveException {
    if (!(owner.get(field) instanceof ObjectNode annotations)) {
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = annotations.fields(); it.hasNext();) {
      Map.Entry<String, JsonNode> e = it.next();
      Optional<String> why = whyDropped(e.getKey(), e.getValue().asText(""));
      if (why.isPresent()) {
        it.remove();
        dropped.add(where + "[" + quoted(e.getKey()) + "]: " + why.get());
      } else if (e.getKey().equals(CRIO_NESTED_ANNOTATIONS) && e.getValue().isTextual()) {
        e.setValue(sanitizeNested(e.getValue().asText(), where + "[" + CRIO_NESTED_ANNOTATIONS + "]", dropped));
      }
    }
  }

  private static JsonNode sanitizeNested(String json, String where, List<String> dropped)
      throws UnusableArchiveException {
    JsonNode nested;
    try {
      nested = STRICT.readTree(json.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UnusableArchiveException(where + " is not valid JSON, or repeats a key: " + firstLine(e));
    }
    if (!(nested instanceof ObjectNode object)) {
      throw new UnusableArchiveException(where + " is not a JSON object");
    }
    ObjectNode holder = STRICT.createObjectNode().set("a", object);
    int before = dropped.size();
    dropAnnotations(holder, "a", where, dropped);
    if (dropped.size() == before) {
      return STRICT.getNodeFactory().textNode(json);
    }
    try {
      return STRICT.getNodeFactory().textNode(STRICT.writeValueAsString(object));
    } catch (IOException e) {
      throw new UnusableArchiveException(where + " could not be written back: " + firstLine(e));
    }
  }

  /** Why an annotation with this key and value must not reach a restore; empty when it may. */
  static Optional<String> whyDropped(String key, String value) {
    String k = key.toLowerCase(Locale.ROOT);
    if (k.equals("io.kubernetes.cri-o.platformruntimepath")) {
      // CRI-O records it for every container, empty unless the handler names a binary per platform
      return value.isEmpty() ? Optional.empty() : Optional.of("names the runtime binary to run on the node");
    }
    if (k.startsWith("cdi.k8s.io/")) {
      return Optional.of("CDI device request, which containerd applied on restore (GHSA-33vj-92qq-66hc)");
    }
    if (k.contains("seccomp")) {
      return Optional.of("changes the seccomp profile");
    }
    if (k.contains("apparmor")) {
      return Optional.of("changes the AppArmor profile");
    }
    if (k.equals("io.containers.trace-syscall")) {
      return Optional.of("triggers an OCI hook (oci-seccomp-bpf-hook) on the node");
    }
    if (RUNTIME_SELECTION.contains(k) || k.startsWith("module.wasm.image/")) {
      return Optional.of("selects the runtime; the restoring pod's RuntimeClass decides");
    }
    if (k.equals("io.kubernetes.cri-o.devices")) {
      return Optional.of("adds host devices to the container");
    }
    if (CRIO_RUNTIME_OPTIONS.contains(k)) {
      return Optional.of("a CRI-O runtime option (allowed_annotations)");
    }
    if (k.startsWith("run.oci.")) {
      return Optional.of("a crun option (handler, hooks, seccomp, groups)");
    }
    if (k.startsWith("io.katacontainers.")) {
      return Optional.of("overrides the Kata Containers configuration (hypervisor, kernel, paths on the node)");
    }
    if (k.startsWith("org.systemd.property.") && !CRIO_SCOPE_PROPERTIES.contains(k)) {
      return Optional.of("sets a property of the container's systemd unit on the node");
    }
    if (k.startsWith("nvidia.com/") || k.contains("device")) {
      return Optional.of("requests devices");
    }
    return Optional.empty();
  }

  /** A key from the archive, safe to show: printable ASCII only, cut to a bounded length. */
  static String quoted(String key) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < key.length() && out.length() < MAX_QUOTED; i++) {
      char c = key.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return key.length() > MAX_QUOTED ? out + "..." : out.toString();
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return quoted(nl < 0 ? m : m.substring(0, nl));
  }
}
