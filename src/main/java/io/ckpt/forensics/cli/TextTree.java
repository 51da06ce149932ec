package io.ckpt.forensics.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A tree printed with box-drawing branches, in the layout checkpointctl (treeprint) uses. Node
 * texts go through {@link UntrustedText}.
 */
final class TextTree {

  private final String text;
  private final List<TextTree> children = new ArrayList<>();

  TextTree(String text) {
    // node texts quote archive content; the tree's own branches and newlines are added by render
    this.text = UntrustedText.escape(text);
  }

  /** Adds a child and returns it. */
  TextTree add(String childText) {
    TextTree child = new TextTree(childText);
    children.add(child);
    return child;
  }

  /** A "[meta]  text" child, as treeprint's meta branches print. */
  TextTree add(String meta, String childText) {
    return add("[" + meta + "]  " + childText);
  }

  boolean isEmpty() {
    return children.isEmpty();
  }

  String render() {
    StringBuilder sb = new StringBuilder(text).append('\n');
    for (int i = 0; i < children.size(); i++) {
      children.get(i).render(sb, "", i == children.size() - 1);
    }
    return sb.toString();
  }

  private void render(StringBuilder sb, String indent, boolean last) {
    sb.append(indent).append(last ? "└── " : "├── ").append(text).append('\n');
    String next = indent + (last ? "    " : "│   ");
    for (int i = 0; i < children.size(); i++) {
      children.get(i).render(sb, next, i == children.size() - 1);
    }
  }
}
