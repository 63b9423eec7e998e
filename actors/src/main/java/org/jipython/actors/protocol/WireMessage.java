package org.jipython.actors.protocol;

/**
 * Marker for every message that crosses a process boundary. It is the only type bound to a
 * serializer (Jackson CBOR); Java serialization is off, so anything else sent remotely fails.
 */
public interface WireMessage {}
