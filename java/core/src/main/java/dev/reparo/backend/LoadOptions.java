package dev.reparo.backend;

/**
 * What a {@link Backend} needs to load a model, and nothing about what the model computes.
 * Immutable and thread-safe.
 *
 * @param threads inference threads per call; 0 for the backend's own default
 * @param fp16 half-precision storage and arithmetic where the backend has it (ignored elsewhere)
 * @param inputSize square input side for models whose input size is dynamic; 0 for the model's own
 */
public record LoadOptions(int threads, boolean fp16, int inputSize) {
  public LoadOptions {
    if (threads < 0 || inputSize < 0) {
      throw new IllegalArgumentException("threads and inputSize must be >= 0, got " + threads + " and " + inputSize);
    }
  }

  /** The backend's default threads, fp32, the model's input size. */
  public static LoadOptions defaults() {
    return new LoadOptions(0, false, 0);
  }

  public LoadOptions withThreads(int n) {
    return new LoadOptions(n, fp16, inputSize);
  }
}
