package dev.reparo.backend;

import dev.reparo.detect.DetectorOptions;

/**
 * A runtime that executes converted models: ncnn, ONNX Runtime, TensorRT. Implementations live in
 * their own jars and are found with {@link java.util.ServiceLoader} (see {@link Backends}), so a
 * backend is available exactly when its jar and natives are on the classpath.
 *
 * <p>Implementations must be thread-safe and cheap to construct; native libraries are loaded
 * lazily, on {@link #isAvailable} or {@link #load}.
 */
public interface Backend {
  /** Which {@link DetectorOptions.Backend} this implements. */
  DetectorOptions.Backend kind();

  /** The runtime's name and version, e.g. {@code "ncnn 1.0.20261020"}. */
  String describe();

  /** Whether the runtime can run here (natives load, hardware present). */
  boolean isAvailable();

  /** Why {@link #isAvailable} is false, for error messages; empty when available. */
  String unavailableReason();

  /**
   * Loads a converted model.
   *
   * @throws dev.reparo.ModelFormatException if the artefact this backend needs is missing or bad
   */
  LoadedModel load(DeployedModel model, DetectorOptions options);
}
