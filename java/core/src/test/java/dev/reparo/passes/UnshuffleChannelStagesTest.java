package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.testing.Ort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The oracle is ONNX Runtime running the graph before and after the rewrite. */
class UnshuffleChannelStagesTest {
  private static final int C = 8;
  private static final int H = 8;
  /** The input's side: the stage's maps are S/2 x S/2, a half more than MIN_HALF_ELEMENTS values. */
  private static final int S = 64;

  /**
   * A ShuffleNetV2 stage of {@code blocks} blocks on a {@code [1, C, S, S]} input: a stride-2 block
   * then stride-1 blocks whose halves are two Slices or one Split. Returns the stage output.
   */
  private static String stage(TestGraphs t, String x, int blocks, boolean split) {
    String a = t.op("Relu", "l_act", t.conv("l1", t.conv("l0", x, C, C, 3, 2, C), C, H, 1, 1, 1));
    String b = t.op("Relu", "r_act",
        t.conv("r2", t.conv("r1", t.op("Relu", "r0_act", t.conv("r0", x, C, H, 1, 1, 1)), H, H, 3, 2, H), H, H, 1, 1, 1));
    String out = shuffle(t, "u0", a, b);
    for (int k = 1; k < blocks; k++) {
      String first;
      String second;
      if (split) {
        t.g.putInitializer("sz" + k, LongTensor.vector(H, H));
        t.g.addNode(Node.builder("Split").name("halves" + k).inputs(out, "sz" + k)
            .outputs("A" + k, "B" + k).intAttr("axis", 1).build());
        first = "A" + k;
        second = "B" + k;
      } else {
        first = slice(t, "sa" + k, out, 0, H);
        second = slice(t, "sb" + k, out, H, 2 * H);
      }
      String y = t.op("Relu", "y_act" + k, t.conv("f2_" + k,
          t.conv("f1_" + k, t.op("Relu", "f0_act" + k, t.conv("f0_" + k, second, H, H, 1, 1, 1)), H, H, 3, 1, H),
          H, H, 1, 1, 1));
      out = shuffle(t, "u" + k, first, y);
    }
    return out;
  }

  private static String shuffle(TestGraphs t, String name, String p, String q) {
    String cat = t.op("Concat", name + "_cat", p, q);
    t.g.replaceNode(t.g.producer(cat), t.g.producer(cat).withAttribute(dev.reparo.graph.Attribute.of("axis", 1L)));
    t.g.putInitializer(name + "_s5", LongTensor.vector(1, 2, H, S / 2, S / 2));
    t.g.putInitializer(name + "_s4", LongTensor.vector(1, 2 * H, S / 2, S / 2));
    String r = t.op("Reshape", name + "_r1", cat, name + "_s5");
    t.g.addNode(Node.builder("Transpose").name(name + "_t").inputs(r).outputs(name + "_t_out")
        .intsAttr("perm", 0, 2, 1, 3, 4).build());
    return t.op("Reshape", name + "_r2", name + "_t_out", name + "_s4");
  }

  private static String slice(TestGraphs t, String name, String x, long start, long end) {
    t.g.putInitializer(name + "_st", LongTensor.vector(start));
    t.g.putInitializer(name + "_en", LongTensor.vector(end));
    t.g.putInitializer(name + "_ax", LongTensor.vector(1));
    return t.op("Slice", name, x, name + "_st", name + "_en", name + "_ax");
  }

  private static PassManager.Report run(Graph g) {
    return new PassManager(List.of(new UnshuffleChannelStages(), new EliminateDeadNodes())).run(g);
  }

  private static void assertSameInOrt(Graph before, Graph after) {
    Ort.assertSameOutputs(before, after, "x", 1e-4, 1, C, S, S);
  }

  private static int rewrites(PassManager.Report r) {
    return r.passes().get(0).rewritten();
  }

  /**
   * Four blocks, the stage output read by a depth-wise conv then a conv, by a SiLU then a conv, and
   * by a Concat then a conv: no shuffle, slice or reshape is left, and the outputs are the same.
   */
  @Test
  void removesTheShufflesOfAStageWhoseReadersTakeAnyChannelOrder() {
    for (boolean split : new boolean[] {false, true}) {
      TestGraphs t = new TestGraphs(3, "x", 1, C, S, S);
      String out = stage(t, "x", 4, split);
      String dw = t.conv("head_dw", out, 2 * H, 2 * H, 3, 1, 2 * H);
      String silu = t.op("Mul", "silu", out, t.op("Sigmoid", "sig", out));
      String other = t.conv("side", t.conv("down", "x", C, C, 3, 2, 1), C, 3, 1, 1, 1);
      String cat = t.op("Concat", "neck_cat", other, silu);
      t.g.replaceNode(t.g.producer(cat), t.g.producer(cat).withAttribute(dev.reparo.graph.Attribute.of("axis", 1L)));
      String sum = t.op("Add", "sum", t.conv("head", dw, 2 * H, 5, 1, 1, 1), t.conv("head2", cat, 2 * H + 3, 5, 1, 1, 1));
      Graph g = t.output(sum);
      Graph before = g.copy();
      PassManager.Report report = run(g);
      assertEquals(1, rewrites(report), report.format());
      assertEquals(0, TestGraphs.count(g, "Transpose") + TestGraphs.count(g, "Reshape"), report.format());
      // B_1, B_2, B_3 and the stage output, each one Concat of source ranges, and the neck's Concat
      assertEquals(5, TestGraphs.count(g, "Concat"), report.format());
      assertTrue(g.nodes().stream().filter(n -> n.opType().equals("Slice"))
          .allMatch(n -> !g.producer(n.input(0)).opType().equals("Concat")), "only sources are sliced");
      assertSameInOrt(before, g);
    }
  }

  /** A stage of one (stride-2) block: the shuffle goes, the reader absorbs the interleaving. */
  @Test
  void aSingleBlockStageLosesItsShuffle() {
    TestGraphs t = new TestGraphs(5, "x", 1, C, S, S);
    Graph g = t.output(t.conv("head", stage(t, "x", 1, false), 2 * H, 5, 1, 1, 1));
    Graph before = g.copy();
    PassManager.Report report = run(g);
    assertEquals(1, rewrites(report), report.format());
    assertEquals(0, TestGraphs.count(g, "Transpose"));
    assertSameInOrt(before, g);
  }

  @Test
  void refusesAStageWhoseOutputIsAGraphOutput() {
    TestGraphs t = new TestGraphs(6, "x", 1, C, S, S);
    Graph g = t.output(stage(t, "x", 3, false));
    PassManager.Report report = run(g);
    assertEquals(0, rewrites(report));
    assertEquals(List.of("u0_cat: the stage output 'u2_r2_out' is a graph output"),
        report.passes().get(0).refused());
    assertEquals(3, TestGraphs.count(g, "Transpose"));
  }

  @Test
  void refusesAStageWhoseOutputIsReshaped() {
    TestGraphs t = new TestGraphs(7, "x", 1, C, S, S);
    String out = stage(t, "x", 2, false);
    t.g.putInitializer("flat", LongTensor.vector(1, -1));
    Graph g = t.output(t.op("Reshape", "flatten", out, "flat"));
    PassManager.Report report = run(g);
    assertEquals(0, rewrites(report));
    assertEquals(List.of("u0_cat: 'u1_r2_out' is read by Reshape 'flatten', which cannot take its channels "
        + "in another order"), report.passes().get(0).refused());
  }

  /** A stage whose maps are small is left alone: its layers' overhead would outweigh the copies. */
  @Test
  void refusesAStageTooSmallToGain() {
    TestGraphs t = new TestGraphs(9, "x", 1, C, S / 2, S / 2);
    t.g.putInitializer("u0_s5", LongTensor.vector(1, 2, H, S / 4, S / 4));
    String a = t.op("Relu", "pa", t.conv("ca", "x", C, H, 1, 2, 1));
    String b = t.op("Relu", "pb", t.conv("cb", "x", C, H, 1, 2, 1));
    String cat = t.op("Concat", "u0_cat", a, b);
    t.g.replaceNode(t.g.producer(cat), t.g.producer(cat).withAttribute(dev.reparo.graph.Attribute.of("axis", 1L)));
    t.g.putInitializer("u0_s4", LongTensor.vector(1, 2 * H, S / 4, S / 4));
    String r = t.op("Reshape", "u0_r1", cat, "u0_s5");
    t.g.addNode(Node.builder("Transpose").name("u0_t").inputs(r).outputs("u0_t_out").intsAttr("perm", 0, 2, 1, 3, 4).build());
    Graph g = t.output(t.conv("head", t.op("Reshape", "u0_r2", "u0_t_out", "u0_s4"), 2 * H, 5, 1, 1, 1));
    PassManager.Report report = run(g);
    assertEquals(0, rewrites(report));
    assertEquals(List.of("u0_cat: a half of the stage holds 2048 values, fewer than 4096: the extra Slice "
        + "outputs cost more than the copies saved"), report.passes().get(0).refused());
  }

  /** A shuffle input that is not a conv's output (here the stage input itself) keeps its order. */
  @Test
  void refusesAShuffleOfValuesWhoseOrderIsNotFree() {
    TestGraphs t = new TestGraphs(8, "x", 1, 2 * H, S / 2, S / 2);
    String out = shuffle(t, "u0", slice(t, "lo", "x", 0, H), slice(t, "hi", "x", H, 2 * H));
    Graph g = t.output(t.conv("head", out, 2 * H, 5, 1, 1, 1));
    PassManager.Report report = run(g);
    assertEquals(0, rewrites(report));
    assertEquals(List.of("u0_cat: shuffle input 'lo_out' comes from Slice 'lo', not from a convolution whose "
        + "channel order is free"), report.passes().get(0).refused());
  }
}
