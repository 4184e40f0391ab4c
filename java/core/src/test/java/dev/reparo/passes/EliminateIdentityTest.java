package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Ort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EliminateIdentityTest {
  private static final Map<String, Tensor> FEED = Map.of("x", Tensor.of(new float[] {-1, 2, -3, 4}, 1, 4));

  private static Node op(String type, String out, String... in) {
    return Node.builder(type).name(out).inputs(in).outputs(out).build();
  }

  private static List<String> ops(Graph g) {
    return g.nodes().stream().map(Node::opType).toList();
  }

  private static PassLog run(Graph g) {
    PassLog log = new PassLog();
    new EliminateIdentity().run(g, log);
    return log;
  }

  private static Graph graph() {
    Graph g = new Graph("ids", 15);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4));
    return g;
  }

  @Test
  void removesIdentityNoOpCastAndInferenceDropoutAndKeepsTheResult() {
    Graph g = graph();
    g.addNode(op("Identity", "a", "x"));
    g.addNode(Node.builder("Cast").name("same").inputs("a").outputs("b").intAttr("to", 1).build());
    g.addNode(Node.builder("Dropout").name("drop").inputs("b").outputs("c").build());
    g.addNode(op("Relu", "r", "c"));
    g.addNode(op("CastLike", "d", "r", "x"));
    g.addNode(op("Identity", "y", "d")); // feeds the graph output: its producer takes the name
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 4));
    Map<String, Tensor> expected = Ort.run(OnnxWriter.toBytes(g), FEED);
    PassLog log = run(g);
    assertEquals(5, log.rewritten().size());
    assertEquals(List.of("Relu"), ops(g));
    assertEquals(List.of("x"), g.nodes().get(0).inputs());
    assertEquals(List.of("y"), g.nodes().get(0).outputs());
    assertArrayEquals(expected.get("y").data(), Ort.run(OnnxWriter.toBytes(g), FEED).get("y").data());
    assertArrayEquals(new float[] {0, 2, 0, 4}, expected.get("y").data());
  }

  @Test
  void keepsRealConversions() {
    Graph g = graph();
    g.addNode(Node.builder("Cast").name("to_int").inputs("x").outputs("i").intAttr("to", 7).build());
    g.addNode(Node.builder("Cast").name("back").inputs("i").outputs("y").intAttr("to", 1).build());
    g.addOutput(ValueInfo.unknown("y"));
    assertTrue(!run(g).changedGraph());
    assertEquals(List.of("Cast", "Cast"), ops(g));
  }

  @Test
  void refusesWhatItCannotBypassAndSaysWhy() {
    Graph g = graph();
    g.putInitializer("training", LongTensor.of(DataType.BOOL, new long[] {1}, new int[0]));
    g.addNode(op("Identity", "y", "x")); // graph output fed straight from the graph input
    g.addNode(Node.builder("Dropout").name("masked").inputs("x").outputs("m", "mask").build());
    g.addNode(op("Cast", "mask_out", "mask").withAttribute(dev.reparo.graph.Attribute.of("to", 1L)));
    g.addNode(Node.builder("Dropout").name("training").inputs("x", "", "training").outputs("t").build());
    g.addOutput(ValueInfo.unknown("y"));
    g.addOutput(ValueInfo.unknown("m"));
    g.addOutput(ValueInfo.unknown("mask_out"));
    g.addOutput(ValueInfo.unknown("t"));
    PassLog log = run(g);
    List<String> refusals = log.refusedSites().stream().map(s -> s.node() + ": " + s.reason()).toList();
    assertEquals(3, refusals.size(), refusals.toString());
    assertTrue(refusals.get(0).startsWith("node 'y' (Identity): its output 'y' is a graph output fed by the graph input"),
        refusals.get(0));
    assertTrue(refusals.get(1).contains("mask output 'mask' is used"), refusals.get(1));
    assertTrue(refusals.get(2).contains("training_mode is not a constant false"), refusals.get(2));
    assertEquals(4, g.nodes().size());
  }
}
