package dev.reparo.tensorrt;

/**
 * The TensorRT and CUDA calls a loaded engine makes, on plain handles (native addresses; 0 is
 * none). {@link TensorRtModel} decides what to create, check and release through it, so that the
 * decisions are tested without a GPU against a fake; {@link CudaEngineNatives} is the real one.
 * CUDA failures throw a {@link dev.reparo.ReparoException} naming the call and CUDA's error.
 */
interface EngineNatives {
  /** A TensorRT runtime, or 0 when TensorRT could not create one (its log says why). */
  long createRuntime();

  /** The engine deserialized from {@code plan}, or 0 when it did not deserialize. */
  long deserialize(long runtime, byte[] plan);

  /** The engine's dims of a tensor (-1 where dynamic), or null when it has no such tensor. */
  long[] engineShape(long engine, String tensor);

  boolean isFloat32(long engine, String tensor);

  /** A new execution context, or 0 (out of memory, its log says). */
  long createContext(long engine);

  boolean setInputShape(long context, String tensor, long[] shape);

  /** The context's dims of a tensor once its input shapes are set; null when it has no such tensor. */
  long[] contextShape(long context, String tensor);

  boolean setTensorAddress(long context, String tensor, long device);

  boolean enqueue(long context, long stream);

  /** C++ {@code delete} of a runtime, engine or context. */
  void delete(long object);

  long createStream();

  void destroyStream(long stream);

  long malloc(long bytes);

  void free(long device);

  /** Copies {@code host} to device memory on {@code stream}, and waits for the stream. */
  void copyToDevice(long device, float[] host, long stream);

  /** Copies device memory into {@code host} on {@code stream}, and waits for the stream. */
  void copyToHost(float[] host, long device, long stream);
}
