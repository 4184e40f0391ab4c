package dev.reparo.tensorrt;

import java.util.List;

/**
 * The TensorRT calls an engine build makes, on plain handles (native addresses; 0 is none), so that
 * {@link EngineBuilder}'s checks and clean-up are tested without a GPU against a fake; {@link
 * CudaEngineNatives} is the real one.
 */
interface BuilderNatives {
  /** A builder, or 0 when TensorRT could not create one (its log says why). */
  long createBuilder();

  /** A network with the given creation flags, or 0. */
  long createNetwork(long builder, int flags);

  /** A builder config, or 0. */
  long createConfig(long builder);

  /** An ONNX parser writing into {@code network}, or 0. Never deleted: see reparo_trt_delete.h. */
  long createParser(long network);

  /** Parses ONNX bytes into the parser's network: the parser's errors, empty when it succeeded. */
  List<String> parse(long parser, byte[] onnx);

  void setWorkspace(long config, long bytes);

  /** The network's dims of an input (-1 where dynamic), or null when it has no such input. */
  long[] inputDims(long network, String input);

  /** Adds a profile whose min, opt and max are {@code shape}; false when TensorRT refuses it. */
  boolean addProfile(long builder, long config, String input, long[] shape);

  /** The serialized engine, or null when TensorRT could not build one (its log says why). */
  byte[] buildSerialized(long builder, long network, long config);

  /** C++ {@code delete} of a builder, network or config. */
  void delete(long object);
}
