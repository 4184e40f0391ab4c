package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchNormToAffineTest {
  @Test
  void turnsBatchNormIntoMulAndAddWithChannelConstants() {
    TestGraphs t = new TestGraphs(5, "x", 1, 6, 4, 5);
    Graph g = t.output(t.op("Relu", "r", t.bn("bn", "x", 6)));
    Graph before = g.copy();
    PassLog log = new PassLog();
    new BatchNormToAffine().run(g, log);
    GraphValidator.validate(g);
    assertEquals(1, log.rewritten().size());
    assertEquals(List.of("Mul", "Add", "Relu"), g.nodes().stream().map(Node::opType).toList());
    assertArrayEquals(new int[] {6, 1, 1}, g.initializer(g.nodes().get(0).input(1)).shape());
    assertArrayEquals(new int[] {6, 1, 1}, g.initializer(g.nodes().get(1).input(1)).shape());
    assertEquals(2, g.initializers().size());
    t.assertSameOutputs(before, g, 1e-6);
  }

  @Test
  void infersTheRankOfAnIntermediateInput() {
    // The BN reads a Relu output whose shape nothing declared: the pass must infer it.
    TestGraphs t = new TestGraphs(5, "x", 1, 3, 4, 4);
    Graph g = t.output(t.bn("bn", t.op("Relu", "r", "x"), 3));
    Graph before = g.copy();
    PassLog log = new PassLog();
    new BatchNormToAffine().run(g, log);
    assertEquals(1, log.rewritten().size(), log.refusedSites().toString());
    t.assertSameOutputs(before, g, 1e-6);
  }

  @Test
  void refusesWhenTheInputRankCannotBeKnown() {
    TestGraphs t = new TestGraphs(5, "x", 1);
    t.g.setInputs(List.of(new ValueInfo("x", DataType.FLOAT, Shape.unknown())));
    Graph h = t.output(t.bn("bn", "x", 3));
    PassLog log = new PassLog();
    new BatchNormToAffine().run(h, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals("rank of input 'x' is unknown", log.refusedSites().get(0).reason());
    assertEquals(1, TestGraphs.count(h, "BatchNormalization"));
  }
}
