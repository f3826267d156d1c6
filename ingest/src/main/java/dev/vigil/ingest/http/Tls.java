package dev.vigil.ingest.http;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** TLS for ingest's receivers: server key and certificate chain, and the CA that signs clients. */
public final class Tls {

  private Tls() {}

  /**
   * A server context.
   *
   * @param clientCas CAs whose client certificates are accepted; empty for no client certificates
   */
  public static SSLContext serverContext(
      PrivateKey key, List<X509Certificate> chain, List<X509Certificate> clientCas) {
    try {
      char[] pw = new char[0];
      // In-memory only, never written: JKS avoids PKCS#12's deliberately slow key protection.
      KeyStore ks = KeyStore.getInstance("JKS");
      ks.load(null, null);
      ks.setKeyEntry("server", key, pw, chain.toArray(new X509Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      TrustManagerFactory tmf = null;
      if (!clientCas.isEmpty()) {
        KeyStore ts = KeyStore.getInstance("JKS");
        ts.load(null, null);
        for (int i = 0; i < clientCas.size(); i++) {
          ts.setCertificateEntry("client-ca-" + i, clientCas.get(i));
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * A server context from PEM files.
   *
   * @param clientCaPem the client CA bundle, or {@code null} for no client certificates
   */
  public static SSLContext fromPem(Path certChainPem, Path keyPem, Path clientCaPem) {
    return serverContext(
        readPrivateKey(keyPem),
        readCertificates(certChainPem),
        clientCaPem == null ? List.of() : readCertificates(clientCaPem));
  }

  /** Every certificate in a PEM file. */
  public static List<X509Certificate> readCertificates(Path pem) {
    List<X509Certificate> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder h) {
          out.add(new JcaX509CertificateConverter().getCertificate(h));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read certificates from " + pem, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(pem + ": not a usable certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(pem + ": no PEM certificate in it");
    }
    return out;
  }

  /** The private key in a PEM file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted. */
  public static PrivateKey readPrivateKey(Path pem) {
    try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PEMKeyPair kp) {
          return converter.getPrivateKey(
              kp.getPrivateKeyInfo()); // SEC1 keys may lack the public part
        }
        if (o instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read private key from " + pem, e);
    }
    throw new IllegalArgumentException(pem + ": no unencrypted PEM private key in it");
  }
}
