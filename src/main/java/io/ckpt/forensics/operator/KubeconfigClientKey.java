package io.ckpt.forensics.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a kubeconfig's EC client key readable by Fabric8. Fabric8 reads a client key as RSA unless the
 * PEM says {@code EC PRIVATE KEY}, so an EC key in PKCS#8 form ({@code BEGIN PRIVATE KEY}, as the lab and
 * kubeadm's {@code kubeconfig user} write it) fails while the HTTP client is built with "Invalid DER:
 * object is not integer" (its RSA PKCS#1 fallback parsing an EC key). EC keys are handed over in PKCS#8
 * form with algorithm EC, SEC1 keys converted, so that both forms take one path.
 */
public final class KubeconfigClientKey {

  private static final Pattern PEM_KEY = Pattern.compile(
      "-----BEGIN ((?:RSA |EC )?)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");
  /** DER of OID 1.2.840.10045.2.1, id-ecPublicKey. */
  private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  private KubeconfigClientKey() {
  }

  /**
   * The configuration with its client key in a form Fabric8 reads and {@code clientKeyAlgo} set from the
   * key ("EC" or "RSA"); unchanged when it has no client key or a key of another kind.
   */
  public static Config readable(Config config) {
    Optional<String> pem = keyPem(config);
    if (pem.isEmpty()) {
      return config;
    }
    Matcher key = PEM_KEY.matcher(pem.get());
    if (!key.find()) {
      return config;
    }
    byte[] der = Base64.getMimeDecoder().decode(key.group(2).replaceAll("\\s", ""));
    switch (key.group(1)) {
      case "RSA ":
        return new ConfigBuilder(config).withClientKeyAlgo("RSA").build();
      case "EC ":
        return withEcKey(config, sec1ToPkcs8(der));
      default:
        if (accepts("EC", der)) {
          return withEcKey(config, der);
        }
        return accepts("RSA", der) ? new ConfigBuilder(config).withClientKeyAlgo("RSA").build() : config;
    }
  }

  private static Config withEcKey(Config config, byte[] pkcs8) {
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----\n";
    return new ConfigBuilder(config).withClientKeyAlgo("EC").withClientKeyFile(null)
        .withClientKeyData(Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))).build();
  }

  private static boolean accepts(String algorithm, byte[] pkcs8) {
    try {
      KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static Optional<String> keyPem(Config config) {
    String data = config.getClientKeyData();
    if (data != null && !data.isBlank()) {
      // kubeconfig's client-key-data is base64 of the PEM; Fabric8 also takes the PEM itself
      return Optional.of(data.strip().startsWith("-----") ? data
          : new String(Base64.getMimeDecoder().decode(data.strip()), StandardCharsets.US_ASCII));
    }
    String file = config.getClientKeyFile();
    if (file != null && !file.isBlank()) {
      try {
        return Optional.of(Files.readString(Path.of(file), StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the kubeconfig's client-key file " + file + ": " + e.getMessage(), e);
      }
    }
    return Optional.empty();
  }

  /**
   * SEC1 ECPrivateKey (RFC 5915: version, key, [0] curve, [1] public key) to PKCS#8 PrivateKeyInfo
   * (version 0, {id-ecPublicKey, curve}, the SEC1 structure as an octet string).
   */
  static byte[] sec1ToPkcs8(byte[] sec1) {
    Tlv sequence = Tlv.read(sec1, 0, 0x30);
    int at = Tlv.read(sec1, sequence.contentStart, 0x02).end;
    at = Tlv.read(sec1, at, 0x04).end;
    byte[] curve = null;
    while (at < sequence.end) {
      Tlv field = Tlv.read(sec1, at, -1);
      if (field.tag == 0xa0) {
        Tlv oid = Tlv.read(sec1, field.contentStart, 0x06);
        curve = Arrays.copyOfRange(sec1, oid.start, oid.end);
      }
      at = field.end;
    }
    if (curve == null) {
      throw new IllegalArgumentException("the kubeconfig's EC client key (BEGIN EC PRIVATE KEY) names no curve;"
          + " convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem");
    }
    byte[] algorithm = Tlv.encode(0x30, concat(EC_PUBLIC_KEY, curve));
    byte[] pkcs8 = Tlv.encode(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, Tlv.encode(0x04,
        Arrays.copyOfRange(sec1, sequence.start, sequence.end))));
    if (!accepts("EC", pkcs8)) {
      throw new IllegalArgumentException("the kubeconfig's EC client key (BEGIN EC PRIVATE KEY) is not a key"
          + " this JVM reads (curve OID " + Base64.getEncoder().encodeToString(curve) + ")");
    }
    return pkcs8;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** One DER tag-length-value: where it starts, where its content starts, where it ends. */
  private record Tlv(int tag, int start, int contentStart, int end) {

    static Tlv read(byte[] der, int at, int expectedTag) {
      if (at + 2 > der.length) {
        throw malformed();
      }
      int tag = der[at] & 0xff;
      if (expectedTag >= 0 && tag != expectedTag) {
        throw malformed();
      }
      int length = der[at + 1] & 0xff;
      int contentStart = at + 2;
      if (length > 0x80) {
        int bytes = length - 0x80;
        if (bytes > 3 || contentStart + bytes > der.length) {
          throw malformed();
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (der[contentStart++] & 0xff);
        }
      } else if (length == 0x80) {
        throw malformed();
      }
      if (contentStart + length > der.length) {
        throw malformed();
      }
      return new Tlv(tag, at, contentStart, contentStart + length);
    }

    static byte[] encode(int tag, byte[] content) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(tag);
      int n = content.length;
      if (n < 0x80) {
        out.write(n);
      } else if (n < 0x100) {
        out.write(0x81);
        out.write(n);
      } else {
        out.write(0x82);
        out.write(n >> 8);
        out.write(n & 0xff);
      }
      out.writeBytes(content);
      return out.toByteArray();
    }

    private static IllegalArgumentException malformed() {
      return new IllegalArgumentException("the kubeconfig's EC client key (BEGIN EC PRIVATE KEY) is not valid DER;"
          + " check client-key-data / client-key");
    }
  }
}
