package org.jipython.actors.client;

import com.typesafe.config.Config;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.controller.MultiEngineAdapter;
import org.jipython.runtime.security.FurlFile;

/** A client's connection to the MultiEngine adapter: an {@link AdapterConnection}. */
final class ClientNode implements AutoCloseable {
  private final AdapterConnection<MultiEngineAdapter.Command, MultiEngineAdapter.Reply> connection;

  private ClientNode(
      AdapterConnection<MultiEngineAdapter.Command, MultiEngineAdapter.Reply> connection) {
    this.connection = connection;
  }

  static ClientNode connect(Config config, FurlFile furlFile) {
    return new ClientNode(AdapterConnection.connect(config, furlFile, "multiengine",
        "a MultiEngineClient", "ipcontroller-mec.furl", MultiEngineAdapter.Reply::requestId));
  }

  /** Sends a request built around a fresh request id; completes with the adapter's reply. */
  CompletableFuture<MultiEngineAdapter.Reply> ask(RequestFactory factory) {
    return connection.ask(factory::create);
  }

  /** Builds a request from the capability, a request id and where the reply goes. */
  interface RequestFactory {
    MultiEngineAdapter.Command create(String capability, long requestId,
        ActorRef<MultiEngineAdapter.Reply> replyTo);
  }

  @Override
  public void close() {
    connection.close();
  }
}
