package io.ckpt.forensics.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** The operator image's JVM flags as pom.xml gives them to Jib (container/jvmFlags), in order. */
public final class ImageJvmFlags {

  private ImageJvmFlags() {}

  public static List<String> fromPom(Path projectRoot) throws Exception {
    Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(projectRoot.resolve("pom.xml").toFile());
    NodeList flags = (NodeList) XPathFactory.newInstance().newXPath().evaluate(
        "/project/build/plugins/plugin[artifactId='jib-maven-plugin']/configuration/container/jvmFlags/jvmFlag", pom,
        XPathConstants.NODESET);
    List<String> result = new ArrayList<>();
    for (int i = 0; i < flags.getLength(); i++) {
      result.add(flags.item(i).getTextContent().strip());
    }
    if (result.isEmpty()) {
      throw new IllegalStateException("pom.xml: no jvmFlag under the jib-maven-plugin's configuration/container");
    }
    return result;
  }
}
