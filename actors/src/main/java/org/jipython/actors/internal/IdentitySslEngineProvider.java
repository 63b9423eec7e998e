package org.jipython.actors.internal;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.remote.artery.tcp.SSLEngineProvider;
import org.jipython.runtime.security.TlsIdentity;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Artery's TLS, from one in-memory identity: this side presents the port's certificate, demands
 * the peer's (mutual authentication), and accepts only that same certificate. No keystore file
 * and no password exist anywhere. On inbound connections it logs refused handshakes and
 * enforces Artery's frame limits ({@link LoggingServerSslEngine}).
 */
public final class IdentitySslEngineProvider implements SSLEngineProvider {
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private static final long DEFAULT_MAX_FRAME = 256 * 1024;
  private static final long DEFAULT_MAX_LARGE_FRAME = 2 * 1024 * 1024;

  private final TlsIdentity identity;
  private final long maxFrame;
  private final long maxLargeFrame;
  /** The system whose inbound connections these are (to name its port), or null. */
  private final ExtendedActorSystem system;

  /** With Artery's default frame limits (256 KiB, large 2 MiB) on inbound connections. */
  public IdentitySslEngineProvider(TlsIdentity identity) {
    this(identity, DEFAULT_MAX_FRAME, DEFAULT_MAX_LARGE_FRAME, null);
  }

  /** With the frame limits of {@code system}'s configuration on inbound connections. */
  public IdentitySslEngineProvider(TlsIdentity identity, ExtendedActorSystem system) {
    this(identity,
        system.settings().config().getBytes("pekko.remote.artery.advanced.maximum-frame-size"),
        system.settings().config().getBytes(
            "pekko.remote.artery.advanced.maximum-large-frame-size"),
        system);
  }

  private IdentitySslEngineProvider(TlsIdentity identity, long maxFrame, long maxLargeFrame,
      ExtendedActorSystem system) {
    this.identity = identity;
    this.maxFrame = maxFrame;
    this.maxLargeFrame = maxLargeFrame;
    this.system = system;
  }

  /** Artery passes the configured bind port, 0 for a random one: name the real one. */
  private String portName(int port) {
    int actual = port;
    if (actual <= 0 && system != null) {
      try {
        actual = system.provider().getDefaultAddress().getPort().orElse(port);
      } catch (RuntimeException e) {
        // not started yet: keep what Artery said
      }
    }
    return "port " + actual + " ("
        + identity.certificate().getSubjectX500Principal().getName() + ")";
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    var engine = identity.sslContext().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    engine.setEnabledProtocols(PROTOCOLS);
    // a refused peer is otherwise silent on this side (STACK-NOTES, Pekko trap 8)
    return new LoggingServerSslEngine(engine, portName(port),
        new FrameLimit(maxFrame, maxLargeFrame));
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
          "refused a TLS connection on {}: {}", portName(0), refusal.get().getMessage());
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
