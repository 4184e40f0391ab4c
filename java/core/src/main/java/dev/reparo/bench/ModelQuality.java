package dev.reparo.bench;

import dev.reparo.backend.Artefact;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.DeployedModel;
import java.io.IOException;
import java.nio.file.Files;

/**
 * What a bench row's model weighs and how well it detects, for the size and accuracy columns.
 * Immutable and thread-safe.
 *
 * @param modelMb the artefacts its backend loads, in MB (10^6 bytes)
 * @param map50 COCO AP@0.5 on the bench dataset, NaN when not measured
 * @param map COCO AP@[.5:.95] on the bench dataset, NaN when not measured
 */
public record ModelQuality(double modelMb, double map50, double map) {
  /** The size alone, accuracy not measured. */
  public static ModelQuality sizeOnly(double modelMb) {
    return new ModelQuality(modelMb, Double.NaN, Double.NaN);
  }

  public boolean measured() {
    return !Double.isNaN(map);
  }

  /**
   * Megabytes of the files {@code kind} loads from {@code model}: ncnn its param and bin, ONNX
   * Runtime and TensorRT the Q/DQ ONNX of an int8 model, else the fused ONNX.
   */
  public static double megabytes(DeployedModel model, BackendKind kind) throws IOException {
    long bytes;
    if (kind == BackendKind.NCNN) {
      bytes = Files.size(model.file(Artefact.NCNN_PARAM)) + Files.size(model.file(Artefact.NCNN_BIN));
    } else {
      bytes = Files.size(model.file(model.has(Artefact.ONNX_QDQ) ? Artefact.ONNX_QDQ : Artefact.ONNX));
    }
    return bytes / 1e6;
  }
}
