package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.graph.Graph;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelinesTest {
  @Test
  void deployRunsThePassesInTheirRequiredOrder() {
    List<String> names = Pipelines.deployPasses().stream().map(GraphPass::name).toList();
    assertEquals(List.of("fold-constants", "eliminate-identity", "eliminate-dead-nodes",
        "reparameterize-repvgg", "fuse-focus", "fuse-conv-batchnorm", "fuse-conv-affine",
        "fold-input-shift-into-conv", "batchnorm-to-affine", "unshuffle-channel-stages",
        "fold-constants", "eliminate-identity", "eliminate-dead-nodes"), names);
  }

  /**
   * A RepVGG block, then a Conv+BN, then a BN on an activation: the block becomes one conv (its
   * identity BN is not turned into Mul+Add first), the Conv+BN one conv, the last BN a Mul+Add.
   */
  @Test
  void deployLeavesNoBatchNormAndKeepsTheOutputs() {
    TestGraphs t = new TestGraphs(31, "x", 1, 4, 6, 6);
    String d = t.bn("dbn", t.conv("dense", "x", 4, 4, 3, 1, 1), 4);
    String p = t.bn("pbn", t.conv("pw", "x", 4, 4, 1, 1, 1), 4);
    String block = t.op("Relu", "r1", t.op("Add", "a2", t.op("Add", "a1", d, p), t.bn("idbn", "x", 4)));
    String cbn = t.op("Relu", "r2", t.bn("bn2", t.conv("c2", block, 4, 6, 3, 2, 1), 6));
    Graph g = t.output(t.bn("bn3", cbn, 6));
    Graph before = g.copy();
    PassManager.Report report = Pipelines.deploy().run(g);
    assertEquals(0, TestGraphs.count(g, "BatchNormalization"), report.format());
    assertEquals(2, TestGraphs.count(g, "Conv"));
    assertEquals(1, TestGraphs.count(g, "Mul"));
    assertEquals(1, TestGraphs.count(g, "Add"));
    assertEquals(2, report.rounds(), "one round rewrites, the next confirms the fixed point");
    t.assertSameOutputs(before, g, 1e-5);
  }
}
