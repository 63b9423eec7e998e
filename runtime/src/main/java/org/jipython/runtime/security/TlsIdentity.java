package org.jipython.runtime.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS identity of one controller port: a self-signed certificate and its private key.
 *
 * <p>Every party on a port (the controller and whoever holds that port's furl file) presents the
 * same identity and trusts only that one certificate. Holding the material is therefore what lets
 * a TLS handshake on the port succeed; hostnames are not checked, the certificate is the identity.
 *
 * <p>Only {@link #generate(String)} needs BouncyCastle, and it lives in a nested class so that
 * engines and clients, which only read identities, never load it.
 */
public final class TlsIdentity {
  /** The protocol of {@link #sslContext()}; {@link #newEngine} offers no older version. */
  public static final String PROTOCOL = "TLSv1.3";

  private static final String CERT_BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String CERT_END = "-----END CERTIFICATE-----";
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";
  private static final Pattern CERT_BLOCK = block(CERT_BEGIN, CERT_END);
  private static final Pattern KEY_BLOCK = block(KEY_BEGIN, KEY_END);
  // Other private key encodings (OpenSSL's traditional ones) that we can name in an error.
  private static final Pattern OTHER_KEY_BLOCK =
      Pattern.compile("-----BEGIN (EC|RSA|ENCRYPTED) PRIVATE KEY-----");
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
  private static final int FINGERPRINT_LENGTH = 32;

  private final X509Certificate certificate;
  private final PrivateKey privateKey;
  private final String fingerprint;
  private SSLContext sslContext;

  private TlsIdentity(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = Objects.requireNonNull(certificate, "certificate");
    this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
    this.fingerprint = fingerprintOf(certificate);
  }

  /**
   * A new identity: an EC P-256 key and a self-signed certificate for it, valid for ten years.
   *
   * @param commonName the certificate's subject CN, for people reading it with openssl
   */
  public static TlsIdentity generate(String commonName) {
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a TLS identity needs a non-blank common name");
    }
    try {
      // P-256 rather than RSA: a key pair in milliseconds, and short PEM in the furl files.
      var generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      var keyPair = generator.generateKeyPair();
      return new TlsIdentity(SelfSigned.certificate(commonName, keyPair), keyPair.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a self-signed EC P-256 identity", e);
    }
  }

  /**
   * Reads the certificate and private key PEM blocks out of {@code text}, ignoring anything around
   * them (a furl file has its URL line and a comment first). Uses only JDK classes.
   *
   * @throws IllegalArgumentException if a block is missing, appears twice, cannot be decoded, or
   *     the key does not belong to the certificate
   */
  public static TlsIdentity fromPem(String text) {
    Objects.requireNonNull(text, "text");
    var certDer = onlyBlock(CERT_BLOCK.matcher(text), "certificate (" + CERT_BEGIN + ")");
    X509Certificate certificate;
    try {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(certDer));
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "the certificate PEM block is not a valid X.509 certificate");
    }
    if (!KEY_BLOCK.matcher(text).find() && OTHER_KEY_BLOCK.matcher(text).find()) {
      throw new IllegalArgumentException(
          "the private key is not in PKCS#8 form (" + KEY_BEGIN + "); convert it with"
              + " openssl pkcs8 -topk8 -nocrypt");
    }
    var keyDer = onlyBlock(KEY_BLOCK.matcher(text), "private key (" + KEY_BEGIN + ")");
    var privateKey = decodePrivateKey(keyDer);
    checkKeyBelongsToCertificate(privateKey, certificate);
    return new TlsIdentity(certificate, privateKey);
  }

  /** The self-signed certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The private key. Never log it. */
  public PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * The certificate followed by the PKCS#8 private key, both PEM with 64-character lines. This
   * holds the secret key: write it only to private files.
   */
  public String toPem() {
    return pem(CERT_BEGIN, CERT_END, derOf(certificate))
        + pem(KEY_BEGIN, KEY_END, privateKey.getEncoded());
  }

  /**
   * Names this identity in a furl URL: the SHA-256 of the DER certificate in lowercase base32
   * (RFC 4648 alphabet, no padding), cut to 32 characters (160 bits), like Foolscap's tubID.
   */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * A TLS 1.3 context that presents this identity and trusts exactly this one certificate, so
   * both ends of a connection must hold the same identity. Built once and kept; the key store
   * behind it lives only in memory.
   */
  public synchronized SSLContext sslContext() {
    if (sslContext == null) {
      sslContext = buildSslContext();
    }
    return sslContext;
  }

  /**
   * An engine from {@link #sslContext()} with only TLS 1.3 enabled and, on the server side, a
   * client certificate required. Hostname verification stays off: the certificate is the identity.
   */
  public SSLEngine newEngine(boolean clientMode) {
    var engine = sslContext().createSSLEngine();
    engine.setUseClientMode(clientMode);
    engine.setEnabledProtocols(new String[] {PROTOCOL});
    if (!clientMode) {
      engine.setNeedClientAuth(true);
    }
    return engine;
  }

  /** Shows the fingerprint and the subject, never the key. */
  @Override
  public String toString() {
    return "TlsIdentity[fingerprint=" + fingerprint + ", subject="
        + certificate.getSubjectX500Principal().getName() + "]";
  }

  private SSLContext buildSslContext() {
    try {
      // The password only guards an in-memory key store that nobody else ever sees.
      var passwordBytes = new byte[24];
      new SecureRandom().nextBytes(passwordBytes);
      var password = Base64.getEncoder().encodeToString(passwordBytes).toCharArray();

      var keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("identity", privateKey, password, new Certificate[] {certificate});
      var keyManagers = KeyManagerFactory.getInstance("PKIX");
      keyManagers.init(keys, password);

      var trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      trusted.setCertificateEntry("peer", certificate);
      var trustManagers = TrustManagerFactory.getInstance("PKIX");
      trustManagers.init(trusted);

      var context = SSLContext.getInstance(PROTOCOL);
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build a " + PROTOCOL + " context for " + this, e);
    }
  }

  private static Pattern block(String begin, String end) {
    return Pattern.compile(Pattern.quote(begin) + "(.*?)" + Pattern.quote(end), Pattern.DOTALL);
  }

  private static byte[] onlyBlock(Matcher matcher, String what) {
    if (!matcher.find()) {
      throw new IllegalArgumentException("no " + what + " PEM block found");
    }
    var body = matcher.group(1);
    if (matcher.find()) {
      throw new IllegalArgumentException(
          "more than one " + what + " PEM block found; expected exactly one");
    }
    try {
      return Base64.getMimeDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the " + what + " PEM block is not valid base64");
    }
  }

  private static PrivateKey decodePrivateKey(byte[] der) {
    var spec = new PKCS8EncodedKeySpec(der);
    // We write EC keys; RSA is accepted so that material made with other tools also works.
    for (var algorithm : new String[] {"EC", "RSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm; try the next
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("this JVM has no " + algorithm + " key factory", e);
      }
    }
    throw new IllegalArgumentException("the private key PEM block is neither an EC nor an RSA key");
  }

  // A mismatched pair would only fail later, as an obscure handshake error on both ends.
  private static void checkKeyBelongsToCertificate(PrivateKey key, X509Certificate certificate) {
    var publicKey = certificate.getPublicKey();
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      throw new IllegalArgumentException("the private key does not belong to the certificate");
    }
    var algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    var probe = "jipython key check".getBytes(StandardCharsets.US_ASCII);
    boolean verified;
    try {
      var signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      var signature = signer.sign();
      var verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      verified = verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      verified = false;
    }
    if (!verified) {
      throw new IllegalArgumentException("the private key does not belong to the certificate");
    }
  }

  private static String pem(String begin, String end, byte[] der) {
    var encoder = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
    return begin + "\n" + encoder.encodeToString(der) + "\n" + end + "\n";
  }

  private static byte[] derOf(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode certificate", e);
    }
  }

  private static String fingerprintOf(X509Certificate certificate) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(derOf(certificate));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
    return base32(digest).substring(0, FINGERPRINT_LENGTH);
  }

  private static String base32(byte[] data) {
    var out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (var b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32.charAt((buffer >> (bits - 5)) & 0x1f));
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32.charAt((buffer << (5 - bits)) & 0x1f));
    }
    return out.toString();
  }

  /**
   * The BouncyCastle part. A separate class so that the verifier of {@link TlsIdentity} never
   * needs BouncyCastle types: reading an identity must not load them.
   */
  private static final class SelfSigned {
    private static final Duration BACKDATE = Duration.ofDays(1);
    private static final Duration VALIDITY = Duration.ofDays(3650);

    static X509Certificate certificate(String commonName, KeyPair keyPair)
        throws GeneralSecurityException {
      var random = new SecureRandom();
      var name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
      var now = Instant.now();
      // Backdated a day so that a peer whose clock is a little behind still accepts it.
      var builder = new JcaX509v3CertificateBuilder(
          name,
          new BigInteger(128, random).add(BigInteger.ONE),
          Date.from(now.minus(BACKDATE)),
          Date.from(now.plus(VALIDITY)),
          name,
          keyPair.getPublic());
      try {
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(new GeneralName(GeneralName.dNSName, "jipython")));
        // No provider is named: the JDK's SunEC signs, and BouncyCastle is never registered.
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate());
        return toJdk(builder.build(signer));
      } catch (IOException | OperatorCreationException e) {
        throw new GeneralSecurityException("cannot build a self-signed certificate", e);
      }
    }

    private static X509Certificate toJdk(X509CertificateHolder holder)
        throws GeneralSecurityException, IOException {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(holder.getEncoded()));
    }
  }
}
