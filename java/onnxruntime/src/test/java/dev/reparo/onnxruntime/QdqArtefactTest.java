package dev.reparo.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ModelConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An int8 model directory lists both the fused FP32 ONNX ({@code onnx}) and the Q/DQ ONNX
 * ({@code onnx_qdq}); ONNX Runtime must run the Q/DQ one. Shown by making the FP32 file unreadable:
 * the model still loads and computes what the Q/DQ file computes.
 */
class QdqArtefactTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));

  @Test
  void runsTheQdqOnnxWhenTheModelHasOne(@TempDir Path dir) throws Exception {
    Path onnx = FIXTURES.resolve("yolov5lite_e-training-torchscript11-raw").resolve("model.onnx");
    DeployedModel fp32 = ModelConverter.convert(onnx, dir.resolve("fp32"), false).model();

    Path int8Dir = Files.createDirectories(dir.resolve("int8"));
    Files.copy(fp32.file(Artefact.ONNX), int8Dir.resolve("model.qdq.onnx"));
    Files.write(int8Dir.resolve(Artefact.ONNX.fileName()), new byte[] {1, 2, 3});
    Map<String, String> files = new HashMap<>(Map.of(Artefact.ONNX.key(), Artefact.ONNX.fileName()));
    DeployedModel onlyFp32 = copy(fp32, int8Dir, files);
    files.put(Artefact.ONNX_QDQ.key(), "model.qdq.onnx");
    DeployedModel withQdq = copy(fp32, int8Dir, files);

    OnnxRuntimeBackend backend = new OnnxRuntimeBackend();
    LoadOptions options = LoadOptions.defaults().withThreads(1);
    assertThrows(ModelFormatException.class, () -> backend.load(onlyFp32, options), "the FP32 file is garbage");

    float[] x = new float[3 * 320 * 320];
    Random r = new Random(1);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    Tensor input = Tensor.of(x, 1, 3, 320, 320);
    List<Tensor> want;
    List<Tensor> got;
    try (LoadedModel m = backend.load(fp32, options)) {
      want = m.run(input);
    }
    try (LoadedModel m = backend.load(withQdq, options)) {
      got = m.run(input);
    }
    assertTrue(!want.isEmpty() && want.size() == got.size());
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i).data(), got.get(i).data(), 0f, "output " + i);
    }
  }

  private static DeployedModel copy(DeployedModel m, Path dir, Map<String, String> files) {
    return new DeployedModel(dir, m.sourceFile(), m.sourceSha256(), m.inputName(), m.inputShape(), m.outputNames(),
        m.outputShapes(), files, Map.of(), m.ncnnFp16(), m.metadata());
  }
}
