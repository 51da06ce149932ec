package io.ckpt.forensics.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ckpt.forensics.archive.ContainerMetadata;
import io.ckpt.forensics.archive.OpenFile;
import io.ckpt.forensics.archive.OpenSocket;
import java.io.PrintWriter;

/**
 * The JSON that {@code --format json} prints, in the one place where the objects several commands
 * share (container, open file, socket) get their snake_case field names, so that inspect, summary
 * and diff cannot drift apart. docs/fcp-output.schema.json describes every document; strings keep
 * the archive's exact value ({@link UntrustedText#JSON_ESCAPES} writes control characters escaped).
 */
final class JsonOutput {

  private JsonOutput() {}

  /** A new document whose first field is its {@code schema} value ("fcp.COMMAND/vN"). */
  static ObjectNode document(String schema) {
    return FcpMain.JSON.createObjectNode().put("schema", schema);
  }

  /** Prints a document, indented, on one go: a failed command prints nothing on stdout. */
  static void print(PrintWriter out, JsonNode document) throws JsonProcessingException {
    out.println(FcpMain.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document));
    out.flush();
  }

  /** The container's identity and network, as spec.dump and config.dump give them (empty strings when absent). */
  static ObjectNode container(ObjectNode target, ContainerMetadata c) {
    target.put("name", c.name());
    target.put("pod", c.pod());
    target.put("namespace", c.namespace());
    target.put("engine", c.engine());
    target.put("image", c.image());
    target.put("image_ref", c.imageRef());
    target.put("id", c.id());
    target.put("runtime", c.runtime());
    target.put("created", c.created());
    target.put("checkpointed", c.checkpointed());
    target.put("ip", c.ip());
    ArrayNode nets = target.putArray("networks");
    for (ContainerMetadata.Network n : c.networks()) {
      nets.addObject().put("network", n.network()).put("device", n.device()).put("ip", n.ip()).put("mac", n.mac())
          .put("gateway", n.gateway());
    }
    return target;
  }

  /** An open file: {@code fd} is a number as text, or "cwd" / "root". */
  static ObjectNode file(ObjectNode target, OpenFile f) {
    return target.put("fd", f.fd()).put("type", f.type()).put("path", f.path());
  }

  /** A socket with its addresses, state and buffer sizes. */
  static ObjectNode socket(ObjectNode target, OpenSocket s) {
    return target.put("fd", s.fd()).put("kind", s.kind()).put("family", s.family()).put("type", s.type())
        .put("state", s.state()).put("src", s.source()).put("src_port", s.sourcePort())
        .put("dst", s.destination()).put("dst_port", s.destinationPort())
        .put("send_buffer_bytes", s.sendBuffer()).put("receive_buffer_bytes", s.receiveBuffer());
  }
}
