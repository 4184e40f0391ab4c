package dev.reparo.tensorrt;

import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;

/**
 * The arithmetic a TensorRT engine is built for. TensorRT 11 networks are strongly typed: the
 * precision is what the ONNX graph's tensors say, not a builder flag, so each precision names the
 * graph it is built from:
 *
 * <ul>
 *   <li>{@link #FP32}: the fused ONNX as converted;
 *   <li>{@link #FP16}: the fused ONNX cast to float16 ({@link CastToFloat16}): every layer runs in
 *       half precision except the few that would overflow or lose whole pixels there, which stay
 *       FP32;
 *   <li>{@link #INT8}: the explicitly quantized (QuantizeLinear/DequantizeLinear) ONNX that INT8
 *       conversion stores as the {@link Artefact#ONNX_QDQ} artefact.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public enum TensorRtPrecision {
  FP32, FP16, INT8;

  /**
   * The precision for these options and this model: {@code fp16} asks for FP16; otherwise a model
   * that carries a Q/DQ ONNX runs in INT8, any other in FP32.
   */
  public static TensorRtPrecision of(LoadOptions options, DeployedModel model) {
    if (options.fp16()) {
      return FP16;
    }
    return model.has(Artefact.ONNX_QDQ) ? INT8 : FP32;
  }

  /** The artefact the engine is built from. */
  public Artefact artefact() {
    return this == INT8 ? Artefact.ONNX_QDQ : Artefact.ONNX;
  }
}
