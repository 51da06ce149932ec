package io.ckpt.forensics.cli;

/**
 * {@code --format} of the commands that print text: lines for a person, or one JSON document for
 * a program (docs/fcp-output.schema.json). inspect and diff say {@code tree} instead of
 * {@code text}, as checkpointctl does ({@link InspectCommand.Format}).
 */
enum OutputFormat {
  text, json
}
