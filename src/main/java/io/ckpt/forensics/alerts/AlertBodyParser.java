package io.ckpt.forensics.alerts;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ckpt.forensics.alerts.Alert.AlertSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a request body into alerts: Falco's http_output JSON and Falcosidekick's webhook (one alert,
 * {@code rule} and {@code output_fields}), or Alertmanager's webhook notification (an {@code alerts}
 * array of label sets). The body may be hostile: nesting depth, string and number lengths, duplicate
 * keys, the number of alerts, fields and tags are all bounded, and every failure is a
 * {@link MalformedAlertException} with a short reason, never anything echoed from the body.
 */
public final class AlertBodyParser {

  /** Falco's output_fields and Alertmanager's label sets are flat: 2 levels under the root suffice, 16 is generous. */
  public static final int MAX_DEPTH = 16;
  /** Alertmanager sends up to its max_alerts (0: unlimited) per notification; more than this is refused. */
  public static final int MAX_ALERTS = 100;
  public static final int MAX_FIELDS = 128;
  public static final int MAX_TAGS = 64;
  static final int MAX_TEXT = 1024;
  static final int MAX_OUTPUT = 4096;

  private final ObjectMapper mapper;

  public AlertBodyParser(int maxBodyBytes) {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
            .maxStringLength(maxBodyBytes).maxNumberLength(64).maxNameLength(256).maxDocumentLength(maxBodyBytes)
            .build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    this.mapper = new ObjectMapper(factory);
  }

  public List<Alert> parse(byte[] body) throws MalformedAlertException {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      throw new MalformedAlertException("body exceeds a JSON limit (nesting depth " + MAX_DEPTH
          + ", number or name length)");
    } catch (JsonProcessingException e) {
      String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
          ? "a duplicate key" : "malformed JSON";
      throw new MalformedAlertException("body is not valid JSON: " + what + " at line "
          + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr());
    } catch (IOException e) {
      throw new MalformedAlertException("body could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new MalformedAlertException("body must be a JSON object: a Falco alert or an Alertmanager notification");
    }
    if (root.has("alerts")) {
      return alertmanager(root);
    }
    if (root.has("rule")) {
      return List.of(falco(root));
    }
    throw new MalformedAlertException("body is neither a Falco alert (rule, output_fields) nor an Alertmanager"
        + " notification (alerts)");
  }

  private static Alert falco(JsonNode root) throws MalformedAlertException {
    String rule = requiredText(root, "rule");
    Map<String, String> fields = flatFields(root.get("output_fields"), "output_fields");
    List<String> tags = new ArrayList<>();
    JsonNode rawTags = root.get("tags");
    if (rawTags != null && !rawTags.isNull()) {
      if (!rawTags.isArray() || rawTags.size() > MAX_TAGS) {
        throw new MalformedAlertException("tags must be an array of at most " + MAX_TAGS + " strings");
      }
      for (JsonNode tag : rawTags) {
        if (!tag.isTextual()) {
          throw new MalformedAlertException("tags must be an array of strings");
        }
        tags.add(bounded(tag.asText(), MAX_TEXT));
      }
    }
    String containerName = first(fields, "k8s.container.name", "container.name");
    return new Alert(AlertSource.falco, rule, optionalText(root, "priority", MAX_TEXT),
        optionalText(root, "time", MAX_TEXT), optionalText(root, "output", MAX_OUTPUT), List.copyOf(tags),
        fields, first(fields, "k8s.ns.name", "k8s.ns"), first(fields, "k8s.pod.name", "k8s.pod"),
        fields.get("container.id"), containerName, true);
  }

  private static List<Alert> alertmanager(JsonNode root) throws MalformedAlertException {
    JsonNode alerts = root.get("alerts");
    if (!alerts.isArray()) {
      throw new MalformedAlertException("alerts must be an array");
    }
    if (alerts.size() > MAX_ALERTS) {
      throw new MalformedAlertException("at most " + MAX_ALERTS + " alerts per notification (set max_alerts in"
          + " Alertmanager's webhook_config)");
    }
    List<Alert> out = new ArrayList<>();
    for (JsonNode alert : alerts) {
      if (!alert.isObject()) {
        throw new MalformedAlertException("each entry of alerts must be an object");
      }
      Map<String, String> labels = flatFields(alert.get("labels"), "labels");
      Map<String, String> annotations = flatFields(alert.get("annotations"), "annotations");
      String status = optionalText(alert, "status", MAX_TEXT);
      String output = first(annotations, "summary", "description", "message");
      out.add(new Alert(AlertSource.alertmanager, labels.getOrDefault("alertname", ""),
          first(labels, "severity", "priority"), optionalText(alert, "startsAt", MAX_TEXT),
          output == null ? null : bounded(output, MAX_OUTPUT), List.of(), labels, labels.get("namespace"),
          labels.get("pod"), null, labels.get("container"), !"resolved".equals(status)));
    }
    return out;
  }

  /** A flat object of scalars, as text; null values are left out. */
  private static Map<String, String> flatFields(JsonNode node, String name) throws MalformedAlertException {
    Map<String, String> out = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isObject() || node.size() > MAX_FIELDS) {
      throw new MalformedAlertException(name + " must be an object of at most " + MAX_FIELDS + " fields");
    }
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        continue;
      }
      if (!v.isValueNode()) {
        throw new MalformedAlertException(name + " values must be strings, numbers or booleans");
      }
      out.put(e.getKey(), bounded(v.asText(), MAX_TEXT));
    }
    return out;
  }

  private static String requiredText(JsonNode root, String name) throws MalformedAlertException {
    JsonNode v = root.get(name);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new MalformedAlertException(name + " must be a non-empty string");
    }
    return bounded(v.asText(), MAX_TEXT);
  }

  private static String optionalText(JsonNode root, String name, int max) throws MalformedAlertException {
    JsonNode v = root.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode()) {
      throw new MalformedAlertException(name + " must be a string");
    }
    return bounded(v.asText(), max);
  }

  private static String first(Map<String, String> fields, String... names) {
    for (String n : names) {
      String v = fields.get(n);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  private static String bounded(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }
}
