package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.testing.Ort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracle is ONNX Runtime running the graph before and after the rewrite. */
class FuseConvAffineTest {
  private static void assertSameInOrt(Graph before, Graph after, int channels) {
    Ort.assertSameOutputs(before, after, "x", 1e-5, 1, channels, 6, 6);
  }

  /** YOLOv7's ImplicitM after the head conv, then a scalar shift: both fold, one per round. */
  @Test
  void foldsPerChannelMultiplyAndScalarAddIntoTheConv() {
    TestGraphs t = new TestGraphs(4, "x", 1, 4, 6, 6);
    String c = t.conv("head", "x", 4, 8, 1, 1, 0, 1, 1, true);
    String m = t.op("Mul", "implicit_m", c, t.weight("m", t.random(1.0, 1, 8, 1, 1)));
    String a = t.op("Add", "shift", t.weight("half", Tensor.of(new float[] {0.5f}, new int[0])), m);
    Graph g = t.output(t.op("Relu", "relu", a));
    Graph before = g.copy();
    PassManager.Report report = new PassManager(List.of(new FuseConvAffine())).run(g);
    assertEquals(List.of("Conv", "Relu"), g.nodes().stream().map(dev.reparo.graph.Node::opType).toList(),
        report.format());
    assertSameInOrt(before, g, 4);
  }

  /** YOLOv7's ImplicitA in front of a (grouped) unpadded head conv folds into the conv's bias. */
  @Test
  void foldsAPerChannelShiftInFrontOfAnUnpaddedConvIntoItsBias() {
    TestGraphs t = new TestGraphs(7, "x", 1, 4, 6, 6);
    String shifted = t.op("Add", "implicit_a", "x", t.weight("a", t.random(1.0, 1, 4, 1, 1)));
    Graph g = t.output(t.conv("head", shifted, 4, 6, 3, 1, 0, 2, 1, true));
    Graph before = g.copy();
    PassLog log = new PassLog();
    new FoldInputShiftIntoConv().run(g, log);
    assertEquals(1, log.rewritten().size(), () -> log.refusedSites().toString());
    assertEquals(List.of("Conv"), g.nodes().stream().map(dev.reparo.graph.Node::opType).toList());
    assertSameInOrt(before, g, 4);

    TestGraphs padded = new TestGraphs(8, "x", 1, 4, 6, 6);
    padded.output(padded.conv("p", padded.op("Add", "sh", "x", padded.weight("b", padded.random(1.0, 1, 4, 1, 1))),
        4, 4, 3, 1, 1, 1, 1, true));
    PassLog refused = new PassLog();
    new FoldInputShiftIntoConv().run(padded.g, refused);
    assertEquals(List.of(), refused.rewritten());
    assertTrue(refused.refusedSites().get(0).reason().startsWith("it pads its input [1, 1, 1, 1]"),
        refused.refusedSites().get(0).reason());
  }

  @Test
  void refusesWhenTheConvOutputHasAnotherReaderOrTheConstantVariesAlongWidth() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 6, 6);
    String c = t.conv("c", "x", 4, 4, 3, 1, 1, 1, 1, true);
    String scaled = t.op("Mul", "scaled", c, t.weight("s", t.random(1.0, 1, 4, 1, 1)));
    t.output(t.op("Add", "both", scaled, c));
    PassLog log = new PassLog();
    new FuseConvAffine().run(t.g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals("output 'c_out' of conv 'c' is also read elsewhere", log.refusedSites().get(0).reason());

    TestGraphs w = new TestGraphs(6, "x", 1, 4, 6, 6);
    String d = w.conv("d", "x", 4, 4, 3, 1, 1, 1, 1, true);
    w.output(w.op("Mul", "ramp", d, w.weight("r", w.random(1.0, 1, 1, 1, 6))));
    PassLog log2 = new PassLog();
    new FuseConvAffine().run(w.g, log2);
    assertEquals(List.of(), log2.rewritten());
    assertEquals("constant of shape [1, 1, 1, 6] is not one value per channel of 4",
        log2.refusedSites().get(0).reason());
  }
}
