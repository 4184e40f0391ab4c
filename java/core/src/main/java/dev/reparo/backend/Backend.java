package dev.reparo.backend;

/**
 * A runtime that executes converted models: ncnn, ONNX Runtime, TensorRT. Implementations live in
 * their own jars and are found with {@link java.util.ServiceLoader} (see {@link Backends}), so a
 * backend is available exactly when its jar and natives are on the classpath.
 *
 * <p>Implementations must be thread-safe and cheap to construct; native libraries are loaded
 * lazily, on {@link #isAvailable} or {@link #load}.
 */
public interface Backend {
  /** Which runtime this is; never {@link BackendKind#AUTO}. */
  BackendKind kind();

  /** The runtime's name and version, e.g. {@code "ncnn 1.0.20261020"}. */
  String describe();

  /** Whether the runtime can run here (natives load, hardware present). */
  boolean isAvailable();

  /** Why {@link #isAvailable} is false, for error messages; empty when available. */
  String unavailableReason();

  /**
   * Loads a converted model. The backend runs tensors only: what the outputs mean is the caller's
   * business (for detection, {@link dev.reparo.detect.DetectionTask}).
   *
   * @throws dev.reparo.ModelFormatException if the artefact this backend needs is missing or bad
   */
  LoadedModel load(DeployedModel model, LoadOptions options);
}
