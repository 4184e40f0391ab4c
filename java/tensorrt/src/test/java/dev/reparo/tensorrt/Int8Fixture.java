package dev.reparo.tensorrt;

import dev.reparo.backend.DeployedModel;
import dev.reparo.graph.Graph;
import dev.reparo.onnx.Onnx;
import dev.reparo.quant.CalibrationTable;
import dev.reparo.quant.Int8ModelWriter;
import dev.reparo.quant.QuantizableLayer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An INT8 (Q/DQ ONNX) model for tests without ncnn's calibrator: per-channel weight scales, and
 * input scales from max calibration, 127 / the peak each layer's input reaches in the reference
 * run {@link ActivationPeaks} makes (graph inputs are in [0, 1)).
 */
final class Int8Fixture {
  private Int8Fixture() {}

  static DeployedModel write(DeployedModel fp32, Path outDir) throws Exception {
    Graph fused = Onnx.read(fp32.file("onnx"));
    Map<String, Float> peaks = new LinkedHashMap<>(ActivationPeaks.of(fused, EngineInputShape.of(fp32)));
    fused.inputs().forEach(in -> peaks.put(in.name(), 1f));
    Map<String, float[]> weights = new LinkedHashMap<>();
    Map<String, Float> inputs = new LinkedHashMap<>();
    for (QuantizableLayer l : QuantizableLayer.find(QuantizableLayer.lowered(fp32))) {
      Float peak = peaks.get(l.input());
      if (peak != null && peak > 0) {
        weights.put(l.name(), l.weightScales());
        inputs.put(l.name(), 127f / peak);
      }
    }
    if (inputs.isEmpty()) {
      throw new IllegalStateException(fp32.dir() + ": no layer input has a peak; the lowered names differ");
    }
    return Int8ModelWriter.write(fp32, new CalibrationTable(weights, inputs), outDir).model();
  }
}
