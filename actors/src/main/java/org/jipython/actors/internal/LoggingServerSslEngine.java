package org.jipython.actors.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one inbound TLS connection: it logs why a handshake failed, and enforces
 * Artery's frame limits on what the peer sends.
 *
 * <ul>
 *   <li>Artery's TLS stage drops a refused peer without a word on the server side (the
 *       connecting side alone logs it), so a peer with a foreign certificate, one that does not
 *       trust this port's certificate, or one that speaks no TLS at all would leave no trace.
 *       Artery creates the engine without the peer's address (its TCP layer does not hand it to
 *       the TLS engine), so the log line names the port, the reason, and the certificate the
 *       peer presented, if any.
 *   <li>Artery's inbound TCP framing takes a frame of whatever length its 4-byte header claims;
 *       only the sender checks {@code maximum-frame-size}. This engine reads the frame headers of
 *       the decrypted stream ({@link FrameLimit}) and closes the connection, with a log line,
 *       when a peer announces a frame larger than this side accepts.
 * </ul>
 *
 * Everything else is passed through.
 */
final class LoggingServerSslEngine extends SSLEngine {
  private static final Logger LOG = LoggerFactory.getLogger("org.jipython.security.tls");

  private final SSLEngine delegate;
  private final String portName;
  private final FrameLimit frames;
  private volatile boolean logged;

  LoggingServerSslEngine(SSLEngine delegate, String portName, FrameLimit frames) {
    this.delegate = delegate;
    this.portName = portName;
    this.frames = frames;
  }

  private SSLException logged(SSLException e) {
    if (!logged) {
      logged = true;
      LOG.warn("refused a TLS connection on {}: {}{}", portName, e.getMessage(), presented());
    }
    return e;
  }

  /** What the peer presented during the handshake, when it got that far. */
  private String presented() {
    try {
      var session = delegate.getHandshakeSession();
      if (session == null) {
        session = delegate.getSession();
      }
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate cert) {
        return " (peer certificate " + cert.getSubjectX500Principal().getName()
            + ", SHA-256 " + sha256(cert) + ")";
      }
    } catch (Exception e) {
      // no certificate: the peer sent none, or the handshake ended before it could
    }
    return " (no peer certificate)";
  }

  private static String sha256(X509Certificate cert)
      throws NoSuchAlgorithmException, CertificateEncodingException {
    return HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst)
      throws SSLException {
    try {
      return delegate.wrap(srcs, offset, length, dst);
    } catch (SSLException e) {
      throw logged(e);
    }
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length)
      throws SSLException {
    var before = new int[length];
    for (int i = 0; i < length; i++) {
      before[i] = dsts[offset + i].position();
    }
    SSLEngineResult result;
    try {
      result = delegate.unwrap(src, dsts, offset, length);
    } catch (SSLException e) {
      throw logged(e);
    }
    if (result.bytesProduced() > 0) {
      for (int i = 0; i < length; i++) {
        var dst = dsts[offset + i];
        var problem = frames.read(dst, before[i], dst.position());
        if (problem != null) {
          if (!logged) {
            logged = true;
            LOG.warn("closed a connection on {}: {}{}", portName, problem, presented());
          }
          delegate.closeOutbound();
          throw new SSLException(problem);
        }
      }
    }
    return result;
  }

  @Override
  public String getPeerHost() {
    return delegate.getPeerHost();
  }

  @Override
  public int getPeerPort() {
    return delegate.getPeerPort();
  }

  @Override
  public Runnable getDelegatedTask() {
    return delegate.getDelegatedTask();
  }

  @Override
  public void closeInbound() throws SSLException {
    delegate.closeInbound();
  }

  @Override
  public boolean isInboundDone() {
    return delegate.isInboundDone();
  }

  @Override
  public void closeOutbound() {
    delegate.closeOutbound();
  }

  @Override
  public boolean isOutboundDone() {
    return delegate.isOutboundDone();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return delegate.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    delegate.setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return delegate.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return delegate.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    delegate.setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return delegate.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return delegate.getHandshakeSession();
  }

  @Override
  public void beginHandshake() throws SSLException {
    try {
      delegate.beginHandshake();
    } catch (SSLException e) {
      throw logged(e);
    }
  }

  @Override
  public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
    return delegate.getHandshakeStatus();
  }

  @Override
  public void setUseClientMode(boolean mode) {
    delegate.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return delegate.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    delegate.setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return delegate.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    delegate.setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return delegate.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    delegate.setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return delegate.getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return delegate.getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters params) {
    delegate.setSSLParameters(params);
  }

  @Override
  public String getApplicationProtocol() {
    return delegate.getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return delegate.getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(
      BiFunction<SSLEngine, List<String>, String> selector) {
    delegate.setHandshakeApplicationProtocolSelector(selector);
  }

  @Override
  public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return delegate.getHandshakeApplicationProtocolSelector();
  }
}
