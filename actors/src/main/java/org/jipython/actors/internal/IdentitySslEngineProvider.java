package org.jipython.actors.internal;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.jipython.runtime.security.TlsIdentity;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Artery's TLS, from one in-memory identity: this side presents the port's certificate, demands
 * the peer's (mutual authentication), and accepts only that same certificate. No keystore file
 * and no password exist anywhere.
 */
public final class IdentitySslEngineProvider implements SSLEngineProvider {
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private final TlsIdentity identity;

  public IdentitySslEngineProvider(TlsIdentity identity) {
    this.identity = identity;
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    var engine = identity.sslContext().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(PROTOCOLS);
    // a refused peer is otherwise silent on this side (STACK-NOTES, Pekko trap 8)
    return new LoggingServerSslEngine(engine, "port " + port + " ("
        + identity.certificate().getSubjectX500Principal().getName() + ")");
  }

  @Override
  public SSLEngine createClientSSLEngine(String hostname, int port) {
    var engine = identity.sslContext().createSSLEngine(hostname, port);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  @Override
  public Option<Throwable> verifyClientSession(String hostname, SSLSession session) {
    return verify(session);
  }

  @Override
  public Option<Throwable> verifyServerSession(String hostname, SSLSession session) {
    var refusal = verify(session);
    if (refusal.isDefined()) {
      LoggerFactory.getLogger("org.jipython.security.tls").warn(
          "refused a TLS connection on {}: {}", hostname, refusal.get().getMessage());
    }
    return refusal;
  }

  // The trust manager already trusts only this certificate; checking again after the handshake
  // keeps that true even if someone swaps the trust manager.
  private Option<Throwable> verify(SSLSession session) {
    try {
      Certificate[] peer = session.getPeerCertificates();
      if (peer.length > 0 && peer[0] instanceof X509Certificate cert
          && cert.equals(identity.certificate())) {
        return Option.empty();
      }
      return Option.apply(new SecurityException("peer presented a certificate of another port"));
    } catch (SSLPeerUnverifiedException e) {
      return Option.apply(e);
    }
  }
}
