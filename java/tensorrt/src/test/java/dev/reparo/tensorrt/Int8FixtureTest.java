package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.convert.ConversionCache;
import dev.reparo.format.npy.Npy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The INT8 model the GPU test builds an engine from: a Q/DQ ONNX close to FP32 on ONNX Runtime. */
class Int8FixtureTest {
  @Test
  void theQdqModelSelectsInt8AndRunsNearFp32(@TempDir Path dir) throws Exception {
    DeployedModel fp32 = new ConversionCache(dir.resolve("cache")).deploy(CastToFloat16Test.FIXTURE.resolve("model.onnx"));
    Tensor x = Npy.read(CastToFloat16Test.FIXTURE.resolve("input.npy"));
    DeployedModel int8 = Int8Fixture.write(fp32, x, dir.resolve("int8"));
    assertEquals(TensorRtPrecision.INT8, TensorRtPrecision.of(LoadOptions.defaults(), int8));
    Map<String, float[]> want = CastToFloat16Test.run(EngineBuilder.read(fp32.file(Artefact.ONNX)), "images", x.data(), 1, 3,
        320, 320);
    Map<String, float[]> got = CastToFloat16Test.run(EngineBuilder.read(int8.file(Artefact.ONNX_QDQ)), "images", x.data(), 1,
        3, 320, 320);
    for (String out : want.keySet()) {
      double c = cosine(want.get(out), got.get(out));
      System.out.printf("INT8 (Q/DQ on ONNX Runtime) %s: cosine to FP32 %.5f%n", out, c);
      // Max calibration on one image, every layer int8: measured 0.93-0.98. The GPU test compares the
      // TensorRT INT8 engine with this same Q/DQ graph on ONNX Runtime, a tighter oracle.
      assertTrue(c > 0.9, out + ": cosine " + c);
    }
  }

  static double cosine(float[] a, float[] b) {
    return dev.reparo.quant.Cosine.similarity(a, b);
  }
}
