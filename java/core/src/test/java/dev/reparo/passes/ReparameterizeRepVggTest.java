package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.Node;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReparameterizeRepVggTest {
  /** How a test block's identity branch looks. */
  enum Identity { NONE, BATCH_NORM, PLAIN }

  /**
   * relu(dense + pointwise [+ identity]) on input x of {@code cin} channels; {@code folded} gives the
   * convs a bias and no BN (the exporter's default form). {@code order} permutes the Add operands.
   */
  private static TestGraphs block(int cin, int cout, int stride, int group, Identity identity,
      boolean folded, int order) {
    TestGraphs t = new TestGraphs(7 + order, "x", 1, cin, 9, 7);
    String dense = t.conv("dense", "x", cin, cout, 3, stride, 1, group, 1, folded);
    String pw = t.conv("pw", "x", cin, cout, 1, stride, 0, group, 1, folded);
    if (!folded) {
      dense = t.bn("dense_bn", dense, cout);
      pw = t.bn("pw_bn", pw, cout);
    }
    String sum;
    if (identity == Identity.NONE) {
      sum = order % 2 == 0 ? t.op("Add", "add", dense, pw) : t.op("Add", "add", pw, dense);
    } else {
      String id = identity == Identity.PLAIN ? "x" : t.bn("id_bn", "x", cin);
      sum = switch (order) {
        case 0 -> t.op("Add", "add2", t.op("Add", "add1", dense, pw), id);
        case 1 -> t.op("Add", "add2", id, t.op("Add", "add1", pw, dense));
        case 2 -> t.op("Add", "add2", t.op("Add", "add1", id, dense), pw);
        default -> t.op("Add", "add2", pw, t.op("Add", "add1", dense, id));
      };
    }
    t.output(t.op("Relu", "relu", sum));
    return t;
  }

  private static PassLog fuseAndCheck(TestGraphs t) {
    Graph before = t.g.copy();
    PassLog log = new PassLog();
    new ReparameterizeRepVgg().run(t.g, log);
    GraphValidator.validate(t.g);
    assertEquals(1, log.rewritten().size(), () -> "refused: " + log.refusedSites());
    assertEquals(1, TestGraphs.count(t.g, "Conv"));
    assertEquals(0, TestGraphs.count(t.g, "BatchNormalization"));
    assertEquals(0, TestGraphs.count(t.g, "Add"));
    assertEquals(1, TestGraphs.count(t.g, "Relu"), "the activation stays");
    Node conv = t.g.nodes().get(0);
    assertEquals("Conv", conv.opType());
    assertEquals("x", conv.input(0));
    assertTrue(Arrays.equals(new long[] {3, 3}, conv.attrInts("kernel_shape")));
    // Only the fused weight and bias remain.
    assertEquals(2, t.g.initializers().size(), t.g.initializers().keySet().toString());
    t.assertSameOutputs(before, t.g, 1e-5);
    return log;
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void fusesThreeBranchBlockWithIdentityBatchNormInAnyOperandOrder(int order) {
    fuseAndCheck(block(8, 8, 1, 1, Identity.BATCH_NORM, false, order));
  }

  @Test
  void fusesStrideTwoBlockWithoutIdentity() {
    TestGraphs t = block(4, 8, 2, 1, Identity.NONE, false, 1);
    fuseAndCheck(t);
    assertTrue(Arrays.equals(new long[] {2, 2}, t.g.nodes().get(0).attrInts("strides")));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 4, 8})
  void fusesGroupedBlockPlacingIdentityWithinItsGroup(int group) {
    TestGraphs t = block(8, 8, 1, group, Identity.BATCH_NORM, false, 2);
    fuseAndCheck(t);
    assertEquals(group, t.g.nodes().get(0).attrInt("group", 1));
  }

  @Test
  void fusesExporterFoldedBranchesWithBiasAndBareIdentityBatchNorm() {
    fuseAndCheck(block(8, 8, 1, 1, Identity.BATCH_NORM, true, 3));
  }

  @Test
  void fusesPlainIdentityBranch() {
    fuseAndCheck(block(8, 8, 1, 2, Identity.PLAIN, true, 0));
  }

  /** Ultralytics' RepConv without identity: act(conv1(x) + conv2(x) + 0), the 0 a constant. */
  @Test
  void foldsAnAddedZeroConstantAsUltralyticsRepConvWritesIt() {
    TestGraphs t = new TestGraphs(5, "x", 1, 4, 6, 6);
    String d = t.bn("dense_bn", t.conv("dense", "x", 4, 8, 3, 1, 1, 1, 1, false), 8);
    String p = t.bn("pw_bn", t.conv("pw", "x", 4, 8, 1, 1, 0, 1, 1, false), 8);
    String zero = t.weight("zero", Tensor.of(new float[] {0f}, new int[0]));
    t.output(t.op("Relu", "relu", t.op("Add", "add2", t.op("Add", "add1", d, p), zero)));
    fuseAndCheck(t);
  }

  /** YOLOv10's RepVGGDW: depth-wise 7x7 + depth-wise 3x3, each with BN; here with a 1x1 as well. */
  @Test
  void fusesSmallerOddKernelsCentredInTheLargest() {
    TestGraphs t = new TestGraphs(9, "x", 1, 8, 11, 9);
    String big = t.bn("dw7_bn", t.conv("dw7", "x", 8, 8, 7, 1, 3, 8, 1, false), 8);
    String small = t.bn("dw3_bn", t.conv("dw3", "x", 8, 8, 3, 1, 1, 8, 1, false), 8);
    String pw = t.bn("pw_bn", t.conv("pw", "x", 8, 8, 1, 1, 0, 8, 1, false), 8);
    t.output(t.op("Relu", "relu", t.op("Add", "add2", small, t.op("Add", "add1", big, pw))));
    Graph before = t.g.copy();
    PassLog log = new PassLog();
    new ReparameterizeRepVgg().run(t.g, log);
    assertEquals(1, log.rewritten().size(), () -> "refused: " + log.refusedSites());
    assertEquals(1, TestGraphs.count(t.g, "Conv"));
    assertTrue(Arrays.equals(new long[] {7, 7}, t.g.nodes().get(0).attrInts("kernel_shape")));
    t.assertSameOutputs(before, t.g, 1e-5);
  }

  @Test
  void refusesASmallerBranchThatIsNotCentred() {
    TestGraphs t = new TestGraphs(9, "x", 1, 4, 9, 9);
    String big = t.conv("c5", "x", 4, 4, 5, 1, 2, 1, 1, true);
    String small = t.conv("c3", "x", 4, 4, 3, 1, 2, 1, 1, true);
    t.output(t.op("Add", "add", big, small));
    assertRefused(t, "3x3 branch has pads [2, 2, 2, 2], expected [1, 1, 1, 1]");
  }

  /** A per-channel constant added to the sum (YOLOv7's ImplicitA after its conv) lands in the bias. */
  @Test
  void foldsAPerChannelConstantIntoTheBias() {
    TestGraphs t = new TestGraphs(6, "x", 1, 8, 6, 6);
    String d = t.conv("dense", "x", 8, 8, 3, 1, 1, 1, 1, true);
    String p = t.conv("pw", "x", 8, 8, 1, 1, 0, 1, 1, true);
    String shift = t.weight("shift", t.random(1.0, 1, 8, 1, 1));
    t.output(t.op("Relu", "relu", t.op("Add", "add2", shift, t.op("Add", "add1", p, d))));
    fuseAndCheck(t);
  }

  @Test
  void refusesAConstantThatVariesAlongHeightOrWidth() {
    TestGraphs t = new TestGraphs(6, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 4, 3, 1, 1, 1, 1, true);
    String p = t.conv("pw", "x", 4, 4, 1, 1, 0, 1, 1, true);
    String ramp = t.weight("ramp", t.random(1.0, 1, 1, 1, 6));
    t.output(t.op("Add", "add2", t.op("Add", "add1", d, p), ramp));
    assertRefused(t, "the sum also adds 'ramp', which is no branch on block input 'x' nor a per-channel constant");
  }

  /** 3x3 + 1x1 with pads that do not centre the 1x1 on the 3x3: fusing would shift the sum. */
  @Test
  void refusesOneByOneBranchWithPadding() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.bn("dbn", t.conv("dense", "x", 4, 4, 3, 1, 1, 1, 1, false), 4);
    String p = t.bn("pbn", t.conv("pw", "x", 4, 4, 1, 1, 1, 1, 1, false), 4);
    t.output(t.op("Relu", "relu", t.op("Add", "add", d, p)));
    assertRefused(t, "1x1 branch has pads [1, 1, 1, 1], expected 0");
  }

  @Test
  void refusesBranchesThatDifferInDilation() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 4, 3, 1, 1, 1, 1, true);
    String p = t.conv("pw", "x", 4, 4, 1, 1, 0, 1, 2, true);
    t.output(t.op("Add", "add", d, p));
    assertRefused(t, "1x1 branch has dilation 2, 3x3 branch 1");
  }

  @Test
  void refusesBranchesThatDifferInStride() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 4, 3, 2, 1, 1, 1, true);
    String p = t.conv("pw", "x", 4, 4, 1, 1, 0, 1, 1, true);
    t.output(t.op("Add", "add", d, p));
    assertRefused(t, "1x1 branch has stride [1, 1], 3x3 branch [2, 2]");
  }

  @Test
  void refusesBranchesThatDifferInGroups() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 4, 3, 1, 1, 2, 1, true);
    String p = t.conv("pw", "x", 4, 4, 1, 1, 0, 1, 1, true);
    t.output(t.op("Add", "add", d, p));
    assertRefused(t, "1x1 branch has groups 1, 3x3 branch 2");
  }

  @Test
  void refusesWhenABranchOutputHasAnotherReader() {
    TestGraphs t = block(8, 8, 1, 1, Identity.BATCH_NORM, false, 0);
    // A second graph output reads the pointwise branch: it must survive, so no fusion.
    t.g.addOutput(dev.reparo.graph.ValueInfo.unknown("pw_bn_out"));
    assertRefused(t, "branch output 'pw_bn_out' is also read outside the sum");
  }

  @Test
  void refusesWhenTheConvFeedingABranchBatchNormHasAnotherReader() {
    TestGraphs t = block(8, 8, 1, 1, Identity.NONE, false, 0);
    t.g.addOutput(dev.reparo.graph.ValueInfo.unknown("dense_out"));
    assertRefused(t, "output 'dense_out' of conv 'dense' is also read elsewhere");
  }

  @Test
  void refusesIdentityBesideAChannelChange() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 8, 3, 1, 1, 1, 1, true);
    String sum = t.op("Add", "add", d, t.bn("idbn", "x", 4));
    t.output(sum);
    assertRefused(t, "identity branch beside convs mapping 4 to 8 channels");
  }

  @Test
  void refusesASumWithAnUnrelatedOperand() {
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String d = t.conv("dense", "x", 4, 4, 3, 1, 1, 1, 1, true);
    String p = t.conv("pw", "x", 4, 4, 1, 1, 0, 1, 1, true);
    String other = t.op("Sigmoid", "sig", "x");
    t.output(t.op("Add", "add2", t.op("Add", "add1", d, p), other));
    assertRefused(t, "the sum also adds 'sig_out', which is no branch on block input 'x' nor a per-channel constant");
  }

  @Test
  void leavesSumsThatAreNoRepVggBlockAloneWithoutComplaint() {
    // A residual: x + relu(conv3x3(x)) is not a branch sum (the conv output goes through Relu).
    TestGraphs t = new TestGraphs(3, "x", 1, 4, 6, 6);
    String r = t.op("Relu", "r", t.conv("c", "x", 4, 4, 3, 1, 1, 1, 1, true));
    Graph g = t.output(t.op("Add", "add", "x", r));
    PassLog log = new PassLog();
    new ReparameterizeRepVgg().run(g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals(List.of(), log.refusedSites());
    assertEquals(3, g.nodes().size());
  }

  @Test
  void fusesEveryBlockOfAStackInOneRun() {
    TestGraphs t = new TestGraphs(11, "x", 1, 4, 8, 8);
    String v = "x";
    int[][] spec = {{4, 8, 2}, {8, 8, 1}, {8, 8, 1}};
    for (int i = 0; i < spec.length; i++) {
      int cin = spec[i][0];
      int cout = spec[i][1];
      int s = spec[i][2];
      String d = t.bn("d" + i + "bn", t.conv("d" + i, v, cin, cout, 3, s, 1), cout);
      String p = t.bn("p" + i + "bn", t.conv("p" + i, v, cin, cout, 1, s, 1), cout);
      String sum = t.op("Add", "a" + i, d, p);
      if (cin == cout && s == 1) {
        sum = t.op("Add", "b" + i, sum, t.bn("id" + i, v, cin));
      }
      v = t.op("Relu", "r" + i, sum);
    }
    Graph before = t.g.copy();
    t.output(v);
    before.addOutput(dev.reparo.graph.ValueInfo.unknown(v));
    PassLog log = new PassLog();
    new ReparameterizeRepVgg().run(t.g, log);
    assertEquals(3, log.rewritten().size());
    assertEquals(3, TestGraphs.count(t.g, "Conv"));
    assertEquals(0, TestGraphs.count(t.g, "BatchNormalization"));
    t.assertSameOutputs(before, t.g, 1e-5);
    PassLog again = new PassLog();
    new ReparameterizeRepVgg().run(t.g, again);
    assertEquals(List.of(), again.rewritten(), "a fused graph has nothing left to fuse");
  }

  private static void assertRefused(TestGraphs t, String reason) {
    int nodes = t.g.nodes().size();
    PassLog log = new PassLog();
    new ReparameterizeRepVgg().run(t.g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals(1, log.refusedSites().size(), log.refusedSites().toString());
    assertEquals(reason, log.refusedSites().get(0).reason());
    assertEquals(nodes, t.g.nodes().size(), "a refused site is left as it was");
  }
}
