package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.onnx.Onnx;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The FP16 rewrite on a real fused detector (RepVGG backbone, Resize in the neck). */
class CastToFloat16Test {
  static final Path FIXTURE = Path.of(System.getProperty("reparo.fixtures"), "yolov5lite_g-default-torchscript17-raw");

  @Test
  void everyFloatWeightAndInputReachesComputeAsHalfAndOutputsStayFloat(@TempDir Path cache) throws Exception {
    DeployedModel m = new ConversionCache(cache).deploy(FIXTURE.resolve("model.onnx"));
    Graph fp32 = Onnx.read(m.file("onnx"));
    Graph fp16 = CastToFloat16.apply(fp32);
    int castsToHalf = 0;
    for (Node n : fp16.nodes()) {
      if (n.opType().equals("Cast")) {
        long to = n.attrInt("to", 0);
        assertTrue(to == DataType.FLOAT16.onnxCode() || fp32.outputs().stream().anyMatch(o -> o.name()
            .equals(n.output(0))), "only outputs are cast back to float: " + n);
        castsToHalf += to == DataType.FLOAT16.onnxCode() ? 1 : 0;
        continue;
      }
      for (int i = 0; i < n.inputs().size(); i++) {
        String in = n.input(i);
        boolean resizeParam = n.opType().equals("Resize") && (i == 1 || i == 2);
        boolean floatSource = fp16.initializers().containsKey(in)
            || fp16.inputs().stream().anyMatch(v -> v.name().equals(in));
        assertTrue(resizeParam || !floatSource, n + " reads float32 '" + in + "' directly");
      }
    }
    assertEquals(fp32.initializers().size() + 1 - resizeOnly(fp32), castsToHalf, "one cast per weight + the input");
    assertEquals(fp32.inputs(), fp16.inputs(), "same input name and type");
    assertEquals(fp32.outputs().stream().map(v -> v.name()).toList(),
        fp16.outputs().stream().map(v -> v.name()).toList(), "same output names");
    assertTrue(fp32.nodes().stream().noneMatch(n -> n.opType().equals("Cast")), "the source graph is untouched");
  }

  /** Initializers used only as Resize roi/scales, which stay float32. */
  private static int resizeOnly(Graph g) {
    int n = 0;
    for (String name : g.initializers().keySet()) {
      List<Node> users = g.consumers(name);
      if (!users.isEmpty() && users.stream().allMatch(u -> u.opType().equals("Resize") && u.inputs().indexOf(name) >= 1
          && u.inputs().indexOf(name) <= 2)) {
        n++;
      }
    }
    return n;
  }
}
