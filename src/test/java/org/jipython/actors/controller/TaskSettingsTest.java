package org.jipython.actors.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TaskSettingsTest {

  @Test
  void missingKeysKeepTheOriginalsOneSecondPenaltyAndThirtySecondTimeout() {
    var settings = TaskSettings.fromConfig(ConfigFactory.empty());

    assertEquals(TaskSettings.DEFAULTS, settings);
    assertEquals(Duration.ofSeconds(1), settings.failurePenalty());
    assertEquals(Duration.ofSeconds(30), settings.dependencyTimeout());
  }

  @Test
  void configuredKeysOverrideTheDefaults() {
    var settings = TaskSettings.fromConfig(ConfigFactory.parseString(
        "jipython.task { failure-penalty = 250ms, dependency-timeout = 5s }"));

    assertEquals(Duration.ofMillis(250), settings.failurePenalty());
    assertEquals(Duration.ofSeconds(5), settings.dependencyTimeout());
    assertEquals(TaskSettings.DEFAULT_PROPERTIES_REFRESH, settings.propertiesRefresh());
  }

  @Test
  void aNegativePenaltyOrAZeroRefreshIsRefusedNamingTheBound() {
    var negative = assertThrows(IllegalArgumentException.class, () -> new TaskSettings(
        Duration.ofSeconds(-1), Duration.ZERO, Duration.ofSeconds(1)));
    assertEquals("the failure penalty must be >= 0, was PT-1S", negative.getMessage());
    var zero = assertThrows(IllegalArgumentException.class, () -> new TaskSettings(
        Duration.ZERO, Duration.ZERO, Duration.ZERO));
    assertEquals("the properties refresh must be > 0, was PT0S", zero.getMessage());
  }
}
