package dev.reparo.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphValidatorTest {
  /** x -> Conv(w) -> Relu -> y, valid. */
  private static Graph convRelu() {
    Graph g = new Graph("g", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 2, 4, 4));
    g.putInitializer("w", Tensor.zeros(3, 2, 1, 1));
    g.addNode(Node.builder("Conv").name("conv").inputs("x", "w").outputs("c").intsAttr("kernel_shape", 1, 1).build());
    g.addNode(Node.builder("Relu").name("relu").inputs("c").outputs("y").build());
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 3, 4, 4));
    return g;
  }

  private static InvalidGraphException invalid(Graph g, String where, String fragment) {
    InvalidGraphException e = assertThrows(InvalidGraphException.class, () -> GraphValidator.validate(g));
    assertEquals(where, e.where());
    assertTrue(e.getMessage().startsWith(where + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
    return e;
  }

  @Test
  void acceptsAWellFormedGraph() {
    GraphValidator.validate(convRelu());
  }

  @Test
  void namesTheNodeReadingAValueNothingProduces() {
    Graph g = convRelu();
    g.replaceNode(g.nodes().get(1), Node.builder("Relu").name("relu").inputs("typo").outputs("y").build());
    invalid(g, "node 'relu' (Relu)", "input 'typo' is not a graph input, an initializer or any node's output");
  }

  @Test
  void namesTheNodeReadingAValueBeforeItIsProduced() {
    Graph g = convRelu();
    List<Node> swapped = List.of(g.nodes().get(1), g.nodes().get(0));
    g.setNodes(swapped);
    invalid(g, "node 'relu' (Relu)", "is produced by a later node");
    g.sortTopologically();
    GraphValidator.validate(g);
    assertEquals("conv", g.nodes().get(0).name());
  }

  @Test
  void namesTheSecondProducerOfAValue() {
    Graph g = convRelu();
    g.addNode(Node.builder("Sigmoid").name("sig").inputs("x").outputs("c").build());
    invalid(g, "node 'sig' (Sigmoid)", "output 'c' is already produced by node 'conv' (Conv)");
  }

  @Test
  void namesTheNodeWithTooFewInputsOrAWrongAttribute() {
    Graph g = convRelu();
    g.replaceNode(g.nodes().get(0), Node.builder("Conv").name("conv").inputs("x").outputs("c").build());
    invalid(g, "node 'conv' (Conv)", "Conv needs at least 2");
    Graph h = convRelu();
    h.replaceNode(h.nodes().get(0), h.nodes().get(0).withAttribute(Attribute.of("group", 1.5f)));
    invalid(h, "node 'conv' (Conv)", "attribute 'group' is FLOAT, expected INT");
    Graph k = convRelu();
    k.replaceNode(k.nodes().get(1), k.nodes().get(1).withAttribute(Attribute.of("alpha", 0.1f)));
    invalid(k, "node 'relu' (Relu)", "unknown attribute 'alpha'");
  }

  @Test
  void namesAnUnnamedNodeByItsOutput() {
    Graph g = convRelu();
    g.addNode(Node.builder("Add").inputs("y").outputs("z").build());
    invalid(g, "unnamed Add node producing 'z'", "Add needs at least 2");
  }

  @Test
  void namesTheNodeWithAnUnsupportedOp() {
    Graph g = convRelu();
    g.addNode(Node.builder("TopK").name("topk").inputs("y").outputs("t").build());
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> GraphValidator.validate(g));
    assertEquals("topk", e.nodeName());
    assertTrue(e.getMessage().startsWith("node 'topk' (TopK): unsupported operator TopK; Reparo supports "), e.getMessage());
  }

  @Test
  void namesMissingOrDuplicatedGraphOutputs() {
    Graph g = convRelu();
    g.addOutput(ValueInfo.unknown("ghost"));
    invalid(g, "graph output 'ghost'", "is not produced");
    Graph h = convRelu();
    h.addOutput(ValueInfo.unknown("y"));
    invalid(h, "graph output 'y'", "is declared twice");
  }

  @Test
  void sortNamesTheNodesOfACycle() {
    Graph g = new Graph("cycle", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1));
    g.addNode(Node.builder("Add").name("a").inputs("x", "b_out").outputs("a_out").build());
    g.addNode(Node.builder("Relu").name("b").inputs("a_out").outputs("b_out").build());
    g.addOutput(ValueInfo.unknown("b_out"));
    InvalidGraphException e = assertThrows(InvalidGraphException.class, g::sortTopologically);
    assertTrue(e.getMessage().contains("is on a cycle") && e.getMessage().contains("node 'a' (Add)")
        && e.getMessage().contains("node 'b' (Relu)"), e.getMessage());
  }

  @Test
  void shapeInferenceNamesTheNodeWhoseShapesDoNotFit() {
    Graph g = convRelu();
    g.putInitializer("w", Tensor.zeros(3, 5, 1, 1)); // 5 input channels, the input has 2
    g.setOutputs(List.of(ValueInfo.unknown("y")));
    InvalidGraphException e = assertThrows(InvalidGraphException.class, () -> ShapeInference.infer(g));
    assertEquals("node 'conv' (Conv)", e.where());
    assertTrue(e.getMessage().contains("input has 2 channels"), e.getMessage());
  }
}
