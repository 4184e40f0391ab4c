package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class DepthwiseLayersTest {
  @Test
  void findsEveryShuffleNetDepthwiseConvolution() throws Exception {
    Graph g = Int8LoweringTest.lowered("yolov5lite_s-default-torchscript13-raw");
    // ncnn's own description of a depth-wise layer: as many groups (param 7) as outputs (param 0)
    List<String> expected = g.nodes().stream()
        .filter(n -> n.opType().equals("ConvolutionDepthWise") && n.attrInt("7", 1) == n.attrInt("0", 0))
        .map(Node::name).toList();
    List<String> found = DepthwiseLayers.find(g);
    assertFalse(found.isEmpty());
    assertEquals(expected, found);
    // the 1x1 convolutions around them stay eligible for int8
    assertTrue(QuantizableLayer.find(g).size() > found.size());
  }

  @Test
  void groupedConvolutionsAreNotDepthwise() throws Exception {
    // the RepVGG backbone's grouped 3x3 layers are ConvolutionDepthWise in ncnn, with 2 groups
    Graph g = Int8LoweringTest.lowered("yolov5lite_g-default-torchscript17-raw");
    long grouped = g.nodes().stream().filter(n -> n.opType().equals("ConvolutionDepthWise")).count();
    assertTrue(grouped > 0, "the fixture has grouped layers");
    assertEquals(List.of(), DepthwiseLayers.find(g));
  }
}
