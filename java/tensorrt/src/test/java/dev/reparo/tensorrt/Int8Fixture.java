package dev.reparo.tensorrt;

import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
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
 * input scales from max calibration on one image, 127 / the peak each layer's input reaches
 * ({@link ActivationPeaks}).
 */
final class Int8Fixture {
  private Int8Fixture() {}

  static DeployedModel write(DeployedModel fp32, Tensor image, Path outDir) throws Exception {
    Graph fused = Onnx.read(fp32.file(Artefact.ONNX));
    long[] shape = java.util.Arrays.stream(image.shape()).asLongStream().toArray();
    Map<String, Float> peaks = new LinkedHashMap<>(ActivationPeaks.of(fused, shape, image.data()));
    float inputPeak = 0;
    for (float v : image.data()) {
      inputPeak = Math.max(inputPeak, Math.abs(v));
    }
    float p = inputPeak;
    fused.inputs().forEach(in -> peaks.put(in.name(), p));
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
