package org.jipython.runtime.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TlsIdentityTest {
  private static TlsIdentity identity;
  private static TlsIdentity other;

  @BeforeAll
  static void generateIdentities() {
    identity = TlsIdentity.generate("jipython-test");
    other = TlsIdentity.generate("jipython-test");
  }

  @Test
  void aGeneratedCertificateIsAnEcSelfSignedV3CertificateForTlsClientsAndServers()
      throws Exception {
    X509Certificate cert = identity.certificate();

    assertEquals(3, cert.getVersion());
    assertEquals("EC", cert.getPublicKey().getAlgorithm());
    assertEquals("SHA256withECDSA", cert.getSigAlgName());
    assertEquals("CN=jipython-test", cert.getSubjectX500Principal().getName());
    assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
    cert.verify(cert.getPublicKey());
    assertEquals(-1, cert.getBasicConstraints(), "not a CA");
    assertTrue(cert.getKeyUsage()[0], "digitalSignature");
    assertTrue(cert.getExtendedKeyUsage().containsAll(
        List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")), "serverAuth and clientAuth");
    assertTrue(cert.getSubjectAlternativeNames().contains(List.of(2, "jipython")));
    var now = Instant.now();
    assertTrue(cert.getNotBefore().toInstant().isBefore(now.minus(Duration.ofHours(23))));
    assertTrue(cert.getNotAfter().toInstant().isAfter(now.plus(Duration.ofDays(3649))));
    assertTrue(cert.getSerialNumber().signum() > 0);
    assertNotEquals(cert.getSerialNumber(), other.certificate().getSerialNumber());
  }

  @Test
  void anIdentitySurvivesARoundTripThroughPem() {
    var pem = identity.toPem();
    var read = TlsIdentity.fromPem(pem);

    assertEquals(identity.fingerprint(), read.fingerprint());
    assertEquals(identity.certificate(), read.certificate());
    assertArrayEquals(identity.privateKey().getEncoded(), read.privateKey().getEncoded());
    assertEquals(pem, read.toPem());
  }

  @Test
  void pemHasACertificateThenAPkcs8KeyInLinesOf64Characters() {
    var lines = identity.toPem().split("\n");

    assertEquals("-----BEGIN CERTIFICATE-----", lines[0]);
    assertEquals("-----END PRIVATE KEY-----", lines[lines.length - 1]);
    assertTrue(List.of(lines).contains("-----END CERTIFICATE-----"));
    assertTrue(List.of(lines).contains("-----BEGIN PRIVATE KEY-----"));
    for (var line : lines) {
      assertTrue(line.length() <= 64, line);
    }
  }

  @Test
  void fromPemFindsTheBlocksAmongOtherText() {
    var text = "jipython+tls://somewhere\r\n# a comment\r\n\r\n"
        + identity.toPem().replace("\n", "\r\n") + "trailing words\n";

    assertEquals(identity.fingerprint(), TlsIdentity.fromPem(text).fingerprint());
  }

  @Test
  void fromPemSaysWhichBlockIsMissing() {
    var pem = identity.toPem();
    var certificateOnly = pem.substring(0, pem.indexOf("-----BEGIN PRIVATE KEY-----"));
    var keyOnly = pem.substring(pem.indexOf("-----BEGIN PRIVATE KEY-----"));

    var noKey = assertThrows(
        IllegalArgumentException.class, () -> TlsIdentity.fromPem(certificateOnly));
    assertTrue(noKey.getMessage().contains("private key"), noKey.getMessage());
    var noCertificate =
        assertThrows(IllegalArgumentException.class, () -> TlsIdentity.fromPem(keyOnly));
    assertTrue(noCertificate.getMessage().contains("certificate"), noCertificate.getMessage());
  }

  @Test
  void fromPemRefusesAKeyThatDoesNotBelongToTheCertificate() {
    var pem = identity.toPem();
    var otherPem = other.toPem();
    var mixed = pem.substring(0, pem.indexOf("-----BEGIN PRIVATE KEY-----"))
        + otherPem.substring(otherPem.indexOf("-----BEGIN PRIVATE KEY-----"));

    var e = assertThrows(IllegalArgumentException.class, () -> TlsIdentity.fromPem(mixed));
    assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
  }

  @Test
  void theFingerprintIs32LowercaseBase32CharactersOfTheCertificateHash() throws Exception {
    var digest = MessageDigest.getInstance("SHA-256")
        .digest(identity.certificate().getEncoded());

    assertTrue(identity.fingerprint().matches("[a-z2-7]{32}"), identity.fingerprint());
    assertEquals(Base32.encode(digest).substring(0, 32), identity.fingerprint());
    assertNotEquals(identity.fingerprint(), other.fingerprint());
  }

  @Test
  void toStringShowsTheFingerprintButNotTheKey() {
    var text = identity.toString();

    assertTrue(text.contains(identity.fingerprint()), text);
    assertFalse(text.contains("PRIVATE"), text);
  }

  @Test
  void theSslContextIsBuiltOnceAndSpeaksTls13() {
    assertSame(identity.sslContext(), identity.sslContext());
    assertEquals("TLSv1.3", identity.sslContext().getProtocol());
    var engine = identity.newEngine(false);
    assertTrue(engine.getNeedClientAuth());
    assertArrayEquals(new String[] {"TLSv1.3"}, engine.getEnabledProtocols());
  }

  @Test
  void twoPartiesWithTheSameIdentityCompleteAMutualTls13Handshake() throws Exception {
    var result = Handshake.between(identity, identity);

    assertTrue(result.succeeded(), () -> "handshake failed: " + result);
    assertEquals("TLSv1.3", result.clientProtocol());
    assertEquals(identity.certificate(), result.certificateServerSaw(), "client authenticated");
    assertEquals(identity.certificate(), result.certificateClientSaw(), "server authenticated");
  }

  @Test
  void aClientWithAnotherIdentityFailsTheHandshake() throws Exception {
    var result = Handshake.between(identity, other);

    assertFalse(result.succeeded(), () -> "handshake succeeded: " + result);
    assertTrue(result.eitherSideRaisedSslHandshakeException(), () -> result.toString());
  }

  @Test
  void aServerWithAnotherIdentityFailsTheHandshake() throws Exception {
    var result = Handshake.between(other, identity);

    assertFalse(result.succeeded(), () -> "handshake succeeded: " + result);
    assertTrue(result.eitherSideRaisedSslHandshakeException(), () -> result.toString());
  }

  /**
   * One TLS connection over real sockets on 127.0.0.1: a server that requires a client certificate
   * and a client, each from its own identity; one byte goes each way so that both sides have
   * checked the other before the result is read.
   */
  private record Handshake(
      Throwable serverError,
      Throwable clientError,
      String clientProtocol,
      Certificate certificateServerSaw,
      Certificate certificateClientSaw) {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final String[] TLS13 = {"TLSv1.3"};

    static Handshake between(TlsIdentity serverIdentity, TlsIdentity clientIdentity)
        throws Exception {
      var loopback = InetAddress.getLoopbackAddress();
      var executor = Executors.newSingleThreadExecutor();
      try (var server = (SSLServerSocket) serverIdentity.sslContext().getServerSocketFactory()
          .createServerSocket(0, 1, loopback)) {
        server.setNeedClientAuth(true);
        server.setEnabledProtocols(TLS13);
        server.setSoTimeout(TIMEOUT_MILLIS);
        Future<Certificate> serverSide = executor.submit(() -> {
          try (var socket = (SSLSocket) server.accept()) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.startHandshake();
            var in = socket.getInputStream();
            var out = socket.getOutputStream();
            out.write(in.read());
            out.flush();
            return socket.getSession().getPeerCertificates()[0];
          }
        });

        Throwable clientError = null;
        String protocol = null;
        Certificate clientSaw = null;
        try (var socket = (SSLSocket) clientIdentity.sslContext().getSocketFactory()
            .createSocket(loopback, server.getLocalPort())) {
          socket.setSoTimeout(TIMEOUT_MILLIS);
          socket.setEnabledProtocols(TLS13);
          socket.startHandshake();
          socket.getOutputStream().write(42);
          socket.getOutputStream().flush();
          if (socket.getInputStream().read() != 42) {
            throw new IOException("the server did not echo the byte");
          }
          protocol = socket.getSession().getProtocol();
          clientSaw = socket.getSession().getPeerCertificates()[0];
        } catch (IOException e) {
          clientError = e;
        }

        Throwable serverError = null;
        Certificate serverSaw = null;
        try {
          serverSaw = serverSide.get(2L * TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
          serverError = e.getCause();
        }
        return new Handshake(serverError, clientError, protocol, serverSaw, clientSaw);
      } finally {
        executor.shutdownNow();
      }
    }

    boolean succeeded() {
      return serverError == null && clientError == null;
    }

    boolean eitherSideRaisedSslHandshakeException() {
      return serverError instanceof SSLHandshakeException
          || clientError instanceof SSLHandshakeException;
    }
  }

  /** RFC 4648 base32, lowercase, written out separately from the code under test. */
  private static final class Base32 {
    static String encode(byte[] data) {
      var bits = new StringBuilder();
      for (var b : data) {
        bits.append(String.format("%8s", Integer.toBinaryString(b & 0xff)).replace(' ', '0'));
      }
      while (bits.length() % 5 != 0) {
        bits.append('0');
      }
      var out = new StringBuilder();
      for (int i = 0; i < bits.length(); i += 5) {
        out.append("abcdefghijklmnopqrstuvwxyz234567"
            .charAt(Integer.parseInt(bits.substring(i, i + 5), 2)));
      }
      return out.toString();
    }
  }
}
