package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.ValueInfo;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class FuseConvBatchNormTest {
  @ParameterizedTest(name = "group {0}, bias {1}, stride {2}")
  @CsvSource({"1, false, 1", "1, true, 2", "2, true, 1", "6, false, 2", "6, true, 1"})
  void foldsBatchNormIntoConvOfAnyGroupCount(int group, boolean bias, int stride) {
    TestGraphs t = new TestGraphs(5, "x", 1, 6, 9, 8);
    String y = t.bn("bn", t.conv("conv", "x", 6, 6, 3, stride, 1, group, 1, bias), 6);
    Graph g = t.output(t.op("Relu", "relu", y));
    Graph before = g.copy();
    PassLog log = new PassLog();
    new FuseConvBatchNorm().run(g, log);
    GraphValidator.validate(g);
    assertEquals(List.of(new PassLog.Site("bn", "")), log.rewritten());
    assertEquals(0, TestGraphs.count(g, "BatchNormalization"));
    assertEquals(1, TestGraphs.count(g, "Conv"));
    assertEquals(group, g.nodes().get(0).attrInt("group", 1));
    assertEquals(2, g.initializers().size(), "the old weights and statistics are gone");
    t.assertSameOutputs(before, g, 1e-5);
  }

  @Test
  void refusesWhenTheUnnormalizedConvOutputIsReadElsewhere() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 5, 5);
    String c = t.conv("conv", "x", 4, 4, 3, 1, 1, 1, 1, false);
    Graph g = t.output(t.op("Add", "add", t.bn("bn", c, 4), c));
    PassLog log = new PassLog();
    new FuseConvBatchNorm().run(g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals(List.of(new PassLog.Site("bn", "output 'conv_out' of conv 'conv' is also read elsewhere")),
        log.refusedSites());
    assertEquals(1, TestGraphs.count(g, "BatchNormalization"));
  }

  @Test
  void refusesTrainingModeBatchNorm() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 5, 5);
    String y = t.bn("bn", t.conv("conv", "x", 4, 4, 3, 1, 1, 1, 1, false), 4);
    Graph g = t.output(y);
    g.replaceNode(g.nodes().get(1), g.nodes().get(1).withAttribute(
        dev.reparo.graph.Attribute.of("training_mode", 1L)));
    PassLog log = new PassLog();
    new FuseConvBatchNorm().run(g, log);
    assertEquals("BatchNormalization 'bn' runs in training mode", log.refusedSites().get(0).reason());
  }

  @Test
  void leavesBatchNormWithoutConvToTheAffinePass() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 5, 5);
    Graph g = t.output(t.bn("bn", t.op("Relu", "r", "x"), 4));
    PassLog log = new PassLog();
    new FuseConvBatchNorm().run(g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals(List.of(), log.refusedSites());
  }

  @Test
  void keepsAGraphOutputNameWhenTheBatchNormProducesIt() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 5, 5);
    Graph g = t.output(t.bn("bn", t.conv("conv", "x", 4, 4, 1, 1, 0, 1, 1, true), 4));
    Graph before = g.copy();
    new FuseConvBatchNorm().run(g, new PassLog());
    assertEquals(List.of(ValueInfo.unknown("bn_out")), g.outputs());
    assertEquals("bn_out", g.nodes().get(0).output(0));
    t.assertSameOutputs(before, g, 1e-5);
  }
}
