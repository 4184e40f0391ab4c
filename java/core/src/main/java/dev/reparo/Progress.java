package dev.reparo;

/**
 * Told how far a long job has come: {@code done} of {@code total} items of a named phase
 * ("images", "calibrate"...). Each job says from which threads it calls; implementations
 * synchronize where a job calls from several.
 */
@FunctionalInterface
public interface Progress {
  void step(String phase, long done, long total);

  /** Ignores everything. */
  Progress NONE = (phase, done, total) -> {};
}
