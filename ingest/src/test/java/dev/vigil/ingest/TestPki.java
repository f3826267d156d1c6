package dev.vigil.ingest;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate, made
 * at test time.
 */
public final class TestPki {

  public final KeyPair caKey;
  public final X509Certificate ca;
  public final KeyPair serverKey;
  public final X509Certificate server;
  public final KeyPair clientKey;
  public final X509Certificate client;

  public TestPki() {
    try {
      caKey = ecKey();
      ca = sign("CN=vigil test CA", caKey, "CN=vigil test CA", caKey.getPrivate(), true, null);
      serverKey = ecKey();
      server =
          sign(
              "CN=vigil-ingest",
              serverKey,
              "CN=vigil test CA",
              caKey.getPrivate(),
              false,
              new GeneralNames(
                  new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                  }));
      clientKey = ecKey();
      client =
          sign("CN=kube-apiserver", clientKey, "CN=vigil test CA", caKey.getPrivate(), false, null);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A client context that trusts the CA, presenting the client certificate when {@code
   * withCertificate}.
   */
  public SSLContext clientContext(boolean withCertificate) {
    try {
      KeyStore trust = KeyStore.getInstance("JKS");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      KeyManagerFactory kmf = null;
      if (withCertificate) {
        KeyStore keys = KeyStore.getInstance("JKS");
        keys.load(null, null);
        keys.setKeyEntry(
            "client", clientKey.getPrivate(), new char[0], new X509Certificate[] {client, ca});
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public List<X509Certificate> serverChain() {
    return List.of(server, ca);
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static X509Certificate sign(
      String subject,
      KeyPair subjectKey,
      String issuer,
      PrivateKey issuerKey,
      boolean isCa,
      GeneralNames san)
      throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name(issuer),
            BigInteger.valueOf(now.toEpochMilli())
                .add(BigInteger.valueOf(System.nanoTime() & 0xffff)),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(1))),
            new X500Name(subject),
            subjectKey.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (san != null) {
      b.addExtension(Extension.subjectAlternativeName, false, san);
    }
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
  }
}
