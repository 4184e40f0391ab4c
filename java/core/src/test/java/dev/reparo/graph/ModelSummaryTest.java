package dev.reparo.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelSummaryTest {
  @Test
  void countsConvAndGemmMacsAndParameters() {
    Graph g = new Graph("small", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 3, 8, 8));
    g.putInitializer("w", Tensor.zeros(4, 3, 3, 3));
    g.putInitializer("b", Tensor.zeros(4));
    g.putInitializer("dw", Tensor.zeros(4, 1, 3, 3));
    g.putInitializer("fc", Tensor.zeros(10, 64));
    g.putInitializer("fcb", Tensor.zeros(10));
    g.addNode(Node.builder("Conv").name("conv").inputs("x", "w", "b").outputs("c")
        .intsAttr("pads", 1, 1, 1, 1).build());
    g.addNode(Node.builder("Conv").name("dwconv").inputs("c", "dw").outputs("d")
        .intAttr("group", 4).intsAttr("strides", 2, 2).intsAttr("pads", 1, 1, 1, 1).build());
    g.addNode(Node.builder("Relu").name("relu").inputs("d").outputs("r").build());
    g.addNode(Node.builder("Flatten").name("flat").inputs("r").outputs("f").build());
    g.addNode(Node.builder("Gemm").name("fc").inputs("f", "fc", "fcb").outputs("y").intAttr("transB", 1).build());
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 10));

    ModelSummary s = ModelSummary.of(g);
    // conv: 4x8x8 outputs x 3x3x3; depthwise: 4x4x4 outputs x 1x3x3; fc: 64 x 10 (computed by hand)
    assertEquals(4 * 64 * 27 + 4 * 16 * 9 + 64 * 10, s.macs());
    assertEquals(108 + 4 + 36 + 640 + 10, s.parameters());
    assertEquals(5, s.layers());
    assertEquals(Map.of("Conv", 2, "Relu", 1, "Flatten", 1, "Gemm", 1), s.opCounts());
    assertEquals("5 layers, 798 parameters, 0.000 GFLOPs", s.line());
  }
}
