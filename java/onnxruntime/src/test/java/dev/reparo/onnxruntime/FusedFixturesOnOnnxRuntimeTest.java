package dev.reparo.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.Backends;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.DetectorOptions;
import dev.reparo.format.npy.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every PyTorch-exported fixture is converted (re-parameterized and fused by Reparo) and its fused
 * ONNX run by this backend; the outputs must match what PyTorch computed on the unfused model,
 * within the tolerance recorded in the fixture's info.json (numpy.allclose semantics).
 */
class FusedFixturesOnOnnxRuntimeTest {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path cache;

  static Stream<String> fixtures() throws IOException {
    try (Stream<Path> dirs = Files.list(FIXTURES)) {
      List<String> names = dirs.filter(d -> Files.isRegularFile(d.resolve("input.npy")))
          .map(d -> d.getFileName().toString()).sorted().toList();
      assertFalse(names.isEmpty(), "no fixtures under " + FIXTURES);
      return names.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void fusedModelMatchesPyTorch(String name) throws Exception {
    Path dir = FIXTURES.resolve(name);
    JsonNode info = JSON.readTree(dir.resolve("info.json").toFile());
    double atol = info.path("tolerance").path("atol").asDouble();
    double rtol = info.path("tolerance").path("rtol").asDouble();
    DeployedModel deployed = new ConversionCache(cache).deploy(dir.resolve("model.onnx"));
    DetectorOptions opts = DetectorOptions.builder().backend(BackendKind.ONNXRUNTIME).threads(1).build();
    try (LoadedModel m = Backends.find(BackendKind.ONNXRUNTIME).load(deployed, opts.loadOptions())) {
      List<Tensor> got = m.run(Npy.read(dir.resolve("input.npy")));
      JsonNode outs = info.path("outputs");
      assertEquals(outs.size(), got.size(), "output count");
      for (int i = 0; i < outs.size(); i++) {
        Tensor want = Npy.read(dir.resolve(outs.get(i).path("file").asText()));
        assertArrayEquals(want.shape(), got.get(i).shape(), name + " output " + i + " shape");
        assertAllClose(name + " output " + outs.get(i).path("name").asText(), want.data(), got.get(i).data(), atol,
            rtol);
      }
    }
  }

  /** numpy.allclose(have, want, rtol, atol), not vacuous: the reference must not be all zero. */
  static void assertAllClose(String what, float[] want, float[] have, double atol, double rtol) {
    double worst = Double.NEGATIVE_INFINITY;
    int at = -1;
    double peak = 0;
    for (int i = 0; i < want.length; i++) {
      double excess = Math.abs(have[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
      if (excess > worst) {
        worst = excess;
        at = i;
      }
      peak = Math.max(peak, Math.abs(want[i]));
    }
    assertTrue(peak > 0, what + ": the reference is all zero, the comparison would prove nothing");
    assertTrue(worst <= 0, what + ": element " + at + " is " + have[at] + ", PyTorch says " + want[at]
        + " (atol " + atol + ", rtol " + rtol + ")");
  }

  @Test
  void wrongInputShapeIsRejectedNamingTheInput() throws Exception {
    Path dir = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw");
    DeployedModel deployed = new ConversionCache(cache).deploy(dir.resolve("model.onnx"));
    try (LoadedModel m = new OnnxRuntimeBackend().load(deployed, dev.reparo.backend.LoadOptions.defaults())) {
      InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.run(Tensor.zeros(1, 3, 64, 64)));
      assertTrue(e.getMessage().contains("'images'") && e.getMessage().contains("[1, 3, 320, 320]"), e.getMessage());
      m.close();
      assertThrows(IllegalStateException.class, () -> m.run(Tensor.zeros(1, 3, 320, 320)));
    }
  }

  @Test
  void backendIsFoundByServiceLoaderAndDescribesItsVersion() {
    var b = Backends.find(BackendKind.ONNXRUNTIME);
    assertTrue(b instanceof OnnxRuntimeBackend);
    assertTrue(b.isAvailable(), b.unavailableReason());
    assertTrue(b.describe().matches("onnxruntime \\d+\\.\\d+\\.\\d+.*"), b.describe());
  }
}
