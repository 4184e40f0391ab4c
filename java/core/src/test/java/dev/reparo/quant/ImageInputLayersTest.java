package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageInputLayersTest {
  @Test
  void findsTheStemConvolutionThatReadsTheImage() throws Exception {
    Graph g = Int8LoweringTest.lowered("yolov5lite_e-training-torchscript11-raw");
    String image = g.inputs().get(0).name();
    List<String> readers = g.nodes().stream().filter(n -> n.inputs().contains(image)).map(Node::name).toList();
    List<String> stem = ImageInputLayers.find(g);
    assertEquals(1, stem.size(), "stem: " + stem);
    assertEquals(readers, stem, "the one quantizable layer reading the 3-channel image");
    // every other quantizable layer reads feature maps and stays eligible for int8
    long others = QuantizableLayer.find(g).stream().filter(l -> !stem.contains(l.name())).count();
    assertEquals(QuantizableLayer.find(g).size() - 1, others);
  }

  @Test
  void aLayerReadingAWideInputIsNotAStem() throws Exception {
    // yolov5lite_e's stem reads the image; after removing that layer's input from the graph's inputs
    // nothing qualifies: only graph inputs count, never feature maps.
    Graph g = Int8LoweringTest.lowered("yolov5lite_e-training-torchscript11-raw");
    Graph renamed = g.copy();
    renamed.setInputs(List.of());
    assertEquals(List.of(), ImageInputLayers.find(renamed));
  }
}
