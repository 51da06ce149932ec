package io.ckpt.forensics;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** The project version as pom.xml states it, read from the file itself (not through Maven's filtering). */
public final class PomVersion {

  private PomVersion() {}

  /** The text of the top-level {@code <version>} of pom.xml under the project root. */
  public static String read() {
    Path pom = Path.of(System.getProperty("project.root", ".")).resolve("pom.xml");
    try {
      Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())
          .getDocumentElement();
      for (Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
        if (child instanceof Element e && e.getTagName().equals("version")) {
          return e.getTextContent().strip();
        }
      }
      throw new IllegalStateException(pom + " has no <version> under <project>");
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the version from " + pom, e);
    }
  }
}
