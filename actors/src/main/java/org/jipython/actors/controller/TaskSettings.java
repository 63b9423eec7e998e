package org.jipython.actors.controller;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Timing of the task scheduler.
 *
 * @param failurePenalty how long an engine whose task failed is held out
 * @param dependencyTimeout how long tasks wait while every engine is idle and none fits
 * @param propertiesRefresh how often idle engines' properties are read while tasks with
 *     dependencies wait
 */
public record TaskSettings(Duration failurePenalty, Duration dependencyTimeout,
    Duration propertiesRefresh) {

  /** The original's failure penalty. */
  public static final Duration DEFAULT_FAILURE_PENALTY = Duration.ofSeconds(1);
  /** The original's {@code TaskController.timeout}. */
  public static final Duration DEFAULT_DEPENDENCY_TIMEOUT = Duration.ofSeconds(30);
  /** Changed properties are seen within this. */
  public static final Duration DEFAULT_PROPERTIES_REFRESH = Duration.ofSeconds(1);

  /** The original's values. */
  public static final TaskSettings DEFAULTS = new TaskSettings(DEFAULT_FAILURE_PENALTY,
      DEFAULT_DEPENDENCY_TIMEOUT, DEFAULT_PROPERTIES_REFRESH);

  public TaskSettings {
    if (failurePenalty.isNegative()) {
      throw new IllegalArgumentException("the failure penalty must be >= 0, was "
          + failurePenalty);
    }
    if (dependencyTimeout.isNegative()) {
      throw new IllegalArgumentException("the dependency timeout must be >= 0, was "
          + dependencyTimeout);
    }
    if (propertiesRefresh.isNegative() || propertiesRefresh.isZero()) {
      throw new IllegalArgumentException("the properties refresh must be > 0, was "
          + propertiesRefresh);
    }
  }

  /**
   * From {@code jipython.task.failure-penalty}, {@code jipython.task.dependency-timeout} and
   * {@code jipython.task.properties-refresh}; a missing key keeps its default.
   */
  public static TaskSettings fromConfig(Config config) {
    return new TaskSettings(
        duration(config, "jipython.task.failure-penalty", DEFAULT_FAILURE_PENALTY),
        duration(config, "jipython.task.dependency-timeout", DEFAULT_DEPENDENCY_TIMEOUT),
        duration(config, "jipython.task.properties-refresh", DEFAULT_PROPERTIES_REFRESH));
  }

  private static Duration duration(Config config, String path, Duration fallback) {
    return config.hasPath(path) ? config.getDuration(path) : fallback;
  }
}
