package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.jipython.actors.engine.EngineWorker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EngineRegistryTest {

  private static ActorTestKit testKit;

  @BeforeAll
  static void startTestKit() {
    testKit = ActorTestKit.create("EngineRegistryTest");
  }

  @AfterAll
  static void stopTestKit() {
    testKit.shutdownTestKit();
  }

  private static ActorRef<EngineWorker.Command> newWorker() {
    return testKit.<EngineWorker.Command>createTestProbe().ref();
  }

  private static ActorRef<EngineQueue.Command> newQueue() {
    return testKit.<EngineQueue.Command>createTestProbe().ref();
  }

  private static EngineRegistry.Entry entry(int id) {
    return new EngineRegistry.Entry(id, newWorker(), newQueue(), "host" + id, 1000L + id);
  }

  /** Registers an engine the way the controller does: ask for an id, then add the entry. */
  private static int register(EngineRegistry registry, Integer desired) {
    int id = registry.assignId(desired).orElseThrow();
    registry.add(entry(id));
    return id;
  }

  @Test
  void enginesWithoutAWishGet0Then1Then2() {
    var registry = new EngineRegistry(8);

    assertEquals(0, register(registry, null));
    assertEquals(1, register(registry, null));
    assertEquals(2, register(registry, null));
    assertEquals(3, registry.size());
  }

  @Test
  void aDesiredFreeIdIsGranted() {
    var registry = new EngineRegistry(8);

    assertEquals(Optional.of(5), registry.assignId(5));
    assertEquals(5, register(registry, 5));
    assertEquals(0, register(registry, 0));
  }

  @Test
  void aDesiredIdThatIsTakenFallsBackToTheSmallestFreeId() {
    var registry = new EngineRegistry(8);
    register(registry, 0);
    register(registry, 2);

    assertEquals(Optional.of(1), registry.assignId(2));
  }

  @Test
  void aNegativeDesiredIdFallsBackToTheSmallestFreeId() {
    var registry = new EngineRegistry(8);
    register(registry, null);

    assertEquals(Optional.of(1), registry.assignId(-1));
  }

  @Test
  void aDesiredIdAtOrBeyondMaxEnginesFallsBackToTheSmallestFreeId() {
    var registry = new EngineRegistry(4);
    register(registry, null);

    assertEquals(Optional.of(1), registry.assignId(4), "desired == maxEngines is out of range");
    assertEquals(Optional.of(1), registry.assignId(100), "desired > maxEngines is out of range");
  }

  @Test
  void aRemovedIdReturnsToThePoolAndTheSmallestFreeIdIsReusedFirst() {
    var registry = new EngineRegistry(8);
    register(registry, null);
    register(registry, null);
    register(registry, null);

    var removed = registry.remove(1);

    assertTrue(removed.isPresent());
    assertEquals(1, removed.get().id());
    assertFalse(registry.get(1).isPresent());
    assertEquals(1, register(registry, null));
    assertEquals(3, register(registry, null));
  }

  @Test
  void removingAnUnknownIdFindsNothing() {
    var registry = new EngineRegistry(8);
    register(registry, null);

    assertFalse(registry.remove(7).isPresent());
    assertEquals(1, registry.size());
  }

  @Test
  void noIdIsAssignedWhenEveryIdIsTaken() {
    var registry = new EngineRegistry(3);
    register(registry, null);
    register(registry, null);
    register(registry, null);

    assertEquals(Optional.empty(), registry.assignId(null));
    assertEquals(Optional.empty(), registry.assignId(1));
    assertEquals(Optional.empty(), registry.assignId(3));
  }

  @Test
  void addingAnIdThatIsAlreadyRegisteredThrows() {
    var registry = new EngineRegistry(8);
    var first = entry(2);
    registry.add(first);

    assertThrows(IllegalStateException.class, () -> registry.add(entry(2)));
    assertSame(first, registry.get(2).orElseThrow(), "the first registration stays");
  }

  @Test
  void aRegistryNeedsRoomForAtLeastOneEngine() {
    assertThrows(IllegalArgumentException.class, () -> new EngineRegistry(0));
  }

  @Test
  void anEntryIsFoundByItsWorkerUntilItIsRemoved() {
    var registry = new EngineRegistry(8);
    var zero = entry(0);
    var one = entry(1);
    registry.add(zero);
    registry.add(one);

    assertSame(one, registry.byWorker(one.worker()).orElseThrow());
    assertSame(zero, registry.byWorker(zero.worker()).orElseThrow());
    assertFalse(registry.byWorker(newWorker()).isPresent(), "an unknown worker is not found");

    registry.remove(1);

    assertFalse(registry.byWorker(one.worker()).isPresent());
  }

  @Test
  void anEntryIsFoundByTheAddressOfItsWorker() {
    var registry = new EngineRegistry(8);
    var zero = entry(0);
    registry.add(zero);

    Address local = zero.worker().path().address();
    assertSame(zero, registry.byAddress(local).orElseThrow());

    Address elsewhere = new Address("pekko", "OtherSystem", "10.0.0.9", 25520);
    assertFalse(registry.byAddress(elsewhere).isPresent());
  }

  @Test
  void theQueuesAreListedByAscendingEngineId() {
    var registry = new EngineRegistry(8);
    var five = entry(5);
    var zero = entry(0);
    var three = entry(3);
    registry.add(five);
    registry.add(zero);
    registry.add(three);

    var queues = registry.queues();

    assertEquals(List.of(0, 3, 5), List.copyOf(queues.keySet()));
    assertEquals(zero.queue(), queues.get(0));
    assertEquals(three.queue(), queues.get(3));
    assertEquals(five.queue(), queues.get(5));
    assertThrows(UnsupportedOperationException.class, () -> queues.remove(0));
  }
}
