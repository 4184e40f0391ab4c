package dev.reparo.backend;

/**
 * The files of a converted model, each with the key {@code model.json} lists it under and the
 * file name Reparo writes it as. Backends ask a {@link DeployedModel} for the artefact they run.
 */
public enum Artefact {
  /** The fused FP32 ONNX (ONNX Runtime, TensorRT; the source of every re-lowering). */
  ONNX("onnx", "model.fused.onnx"),
  NCNN_PARAM("ncnn_param", "model.param"),
  NCNN_BIN("ncnn_bin", "model.bin"),
  /** An int8 model's QuantizeLinear/DequantizeLinear ONNX. */
  ONNX_QDQ("onnx_qdq", "model.qdq.onnx"),
  /** An int8 model's calibration table (ncnn2table format). */
  CALIBRATION_TABLE("calibration_table", "model.table");

  private final String key;
  private final String fileName;

  Artefact(String key, String fileName) {
    this.key = key;
    this.fileName = fileName;
  }

  /** The key in {@code model.json}'s {@code files} and {@code sha256}. */
  public String key() {
    return key;
  }

  /** The file name in a converted model's directory. */
  public String fileName() {
    return fileName;
  }
}
