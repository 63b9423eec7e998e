package org.jipython.actors.controller;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.engine.EngineWorker;

/**
 * Which engines are registered, under which ids. Owned by the {@link Controller}; not thread-safe.
 *
 * <p>An engine gets the id it asks for when that id is free (an MPI rank asks for id = rank),
 * otherwise the smallest free id; an id goes back to the pool when its engine leaves.
 */
final class EngineRegistry {

  /** One registered engine. */
  record Entry(
      int id,
      ActorRef<EngineWorker.Command> worker,
      ActorRef<EngineQueue.Command> queue,
      String host,
      long pid) {}

  private final int maxEngines;
  private final TreeMap<Integer, Entry> byId = new TreeMap<>();
  private final Map<ActorRef<EngineWorker.Command>, Entry> byWorker = new HashMap<>();

  EngineRegistry(int maxEngines) {
    if (maxEngines < 1) {
      throw new IllegalArgumentException("maxEngines must be at least 1, was " + maxEngines);
    }
    this.maxEngines = maxEngines;
  }

  /** The id a new engine gets, or empty when every id is taken. */
  Optional<Integer> assignId(Integer desired) {
    if (desired != null && desired >= 0 && desired < maxEngines && !byId.containsKey(desired)) {
      return Optional.of(desired);
    }
    int candidate = 0;
    for (int taken : byId.keySet()) {
      if (taken != candidate) {
        break;
      }
      candidate++;
    }
    return candidate < maxEngines ? Optional.of(candidate) : Optional.empty();
  }

  void add(Entry entry) {
    if (byId.containsKey(entry.id())) {
      throw new IllegalStateException("engine id " + entry.id() + " is already registered");
    }
    byId.put(entry.id(), entry);
    byWorker.put(entry.worker(), entry);
  }

  Optional<Entry> remove(int id) {
    var entry = byId.remove(id);
    if (entry != null) {
      byWorker.remove(entry.worker());
    }
    return Optional.ofNullable(entry);
  }

  Optional<Entry> get(int id) {
    return Optional.ofNullable(byId.get(id));
  }

  Optional<Entry> byWorker(ActorRef<EngineWorker.Command> worker) {
    return Optional.ofNullable(byWorker.get(worker));
  }

  Optional<Entry> byAddress(org.apache.pekko.actor.Address address) {
    return byId.values().stream()
        .filter(e -> e.worker().path().address().equals(address))
        .findFirst();
  }

  int size() {
    return byId.size();
  }

  /** The queues by engine id, ascending: what adapters resolve targets against. */
  SortedMap<Integer, ActorRef<EngineQueue.Command>> queues() {
    var queues = new TreeMap<Integer, ActorRef<EngineQueue.Command>>();
    byId.forEach((id, e) -> queues.put(id, e.queue()));
    return Collections.unmodifiableSortedMap(queues);
  }
}
