package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FuseFocusTest {
  /** The ways exporters spell x[..., dy::2, dx::2]. */
  enum Spelling {
    /** One Slice per axis, rows first, parameters as initializers (TorchScript with folding). */
    SLICE_PER_AXIS,
    /** One Slice over both axes. */
    ONE_SLICE,
    /** Columns first, negative axes, parameters from Constant nodes (no constant folding). */
    CONSTANT_NODES_COLUMNS_FIRST,
    /** The row slices x[..., ::2] and x[..., 1::2] computed once and shared by two views. */
    SHARED_ROW_SLICES
  }

  private static final long END = Long.MAX_VALUE;
  /** YOLOv5's order: (dy, dx) = (0,0), (1,0), (0,1), (1,1). */
  private static final int[][] PARITIES = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};

  private static String ints(TestGraphs t, String name, boolean asConstantNode, long... v) {
    if (asConstantNode) {
      t.g.addNode(Node.builder("Constant").name(name).outputs(name).tensorAttr("value", LongTensor.vector(v)).build());
    } else {
      t.g.putInitializer(name, LongTensor.vector(v));
    }
    return name;
  }

  private static String slice(TestGraphs t, String name, String x, boolean constants, long start, long axis) {
    t.g.addNode(Node.builder("Slice").name(name).outputs(name + "_out")
        .inputs(x, ints(t, name + ".starts", constants, start), ints(t, name + ".ends", constants, END),
            ints(t, name + ".axes", constants, axis), ints(t, name + ".steps", constants, 2))
        .build());
    return name + "_out";
  }

  private static List<String> views(TestGraphs t, Spelling s) {
    List<String> out = new ArrayList<>();
    String[] rows = new String[2];
    for (int q = 0; q < 4; q++) {
      int dy = PARITIES[q][0];
      int dx = PARITIES[q][1];
      switch (s) {
        case SLICE_PER_AXIS -> out.add(slice(t, "c" + q, slice(t, "r" + q, "x", false, dy, 2), false, dx, 3));
        case CONSTANT_NODES_COLUMNS_FIRST ->
            out.add(slice(t, "r" + q, slice(t, "c" + q, "x", true, dx, -1), true, dy, -2));
        case SHARED_ROW_SLICES -> {
          if (rows[dy] == null) {
            rows[dy] = slice(t, "r" + dy, "x", false, dy, 2);
          }
          out.add(slice(t, "c" + q, rows[dy], false, dx, 3));
        }
        case ONE_SLICE -> {
          String n = "s" + q;
          t.g.putInitializer(n + ".starts", LongTensor.vector(dy, dx));
          t.g.putInitializer(n + ".ends", LongTensor.vector(END, END));
          t.g.putInitializer(n + ".axes", LongTensor.vector(2, 3));
          t.g.putInitializer(n + ".steps", LongTensor.vector(2, 2));
          t.g.addNode(Node.builder("Slice").name(n).outputs(n + "_out")
              .inputs("x", n + ".starts", n + ".ends", n + ".axes", n + ".steps").build());
          out.add(n + "_out");
        }
        default -> throw new AssertionError(s);
      }
    }
    return out;
  }

  /** Focus on a 1x3x8x10 input: four views, Concat, conv k (stride s, pad k/2) + BN + Relu. */
  private static TestGraphs focus(Spelling s, int k, int stride) {
    TestGraphs t = new TestGraphs(21, "x", 1, 3, 8, 10);
    t.g.addNode(Node.builder("Concat").name("cat").inputs(views(t, s).toArray(String[]::new))
        .outputs("cat_out").intAttr("axis", 1).build());
    String c = t.conv("focus_conv", "cat_out", 12, 5, k, stride, k / 2, 1, 1, false);
    t.output(t.op("Relu", "act", t.bn("focus_bn", c, 5)));
    return t;
  }

  @ParameterizedTest
  @EnumSource(Spelling.class)
  void replacesFocusByOneStrideTwoConvWithTwiceTheKernel(Spelling s) {
    TestGraphs t = focus(s, 3, 1);
    Graph before = t.g.copy();
    PassLog log = new PassLog();
    new FuseFocus().run(t.g, log);
    GraphValidator.validate(t.g);
    assertEquals(List.of(new PassLog.Site("cat", "")), log.rewritten(), log.refusedSites().toString());
    assertEquals(List.of("Conv", "BatchNormalization", "Relu"), t.g.nodes().stream().map(Node::opType).toList());
    Node conv = t.g.nodes().get(0);
    assertEquals("x", conv.input(0));
    assertArrayEquals(new long[] {6, 6}, conv.attrInts("kernel_shape"));
    assertArrayEquals(new long[] {2, 2}, conv.attrInts("strides"));
    assertArrayEquals(new long[] {2, 2, 2, 2}, conv.attrInts("pads"));
    assertArrayEquals(new int[] {5, 3, 6, 6}, t.g.initializer(conv.input(1)).shape());
    assertEquals(List.of(), t.g.longInitializers().keySet().stream().toList(), "slice parameters are gone");
    t.assertSameOutputs(before, t.g, 1e-6);
  }

  @Test
  void handlesAOneByOneFocusConvWithStride() {
    TestGraphs t = focus(Spelling.SLICE_PER_AXIS, 1, 2);
    Graph before = t.g.copy();
    new FuseFocus().run(t.g, new PassLog());
    Node conv = t.g.nodes().get(0);
    assertArrayEquals(new long[] {2, 2}, conv.attrInts("kernel_shape"));
    assertArrayEquals(new long[] {4, 4}, conv.attrInts("strides"));
    t.assertSameOutputs(before, t.g, 1e-6);
  }

  @Test
  void refusesWhenTheConcatIsAlsoReadElsewhere() {
    TestGraphs t = focus(Spelling.ONE_SLICE, 3, 1);
    t.g.addOutput(ValueInfo.unknown("cat_out"));
    PassLog log = new PassLog();
    new FuseFocus().run(t.g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals("Concat output 'cat_out' is not read by one Conv alone", log.refusedSites().get(0).reason());
  }

  @Test
  void refusesSlicesThatAreNotStrideTwoViews() {
    TestGraphs t = focus(Spelling.ONE_SLICE, 3, 1);
    t.g.putInitializer("s2.steps", LongTensor.vector(1, 2));
    PassLog log = new PassLog();
    new FuseFocus().run(t.g, log);
    assertEquals(List.of(), log.rewritten());
    assertEquals("Slice 's2' has step 1 on axis 2", log.refusedSites().get(0).reason());
    assertEquals(4, TestGraphs.count(t.g, "Slice"));
  }

  @Test
  void refusesAGroupedFocusConv() {
    TestGraphs t = new TestGraphs(21, "x", 1, 4, 8, 8);
    t.g.addNode(Node.builder("Concat").name("cat").inputs(views(t, Spelling.ONE_SLICE).toArray(String[]::new))
        .outputs("cat_out").intAttr("axis", 1).build());
    t.output(t.conv("focus_conv", "cat_out", 16, 4, 3, 1, 1, 2, 1, false));
    PassLog log = new PassLog();
    new FuseFocus().run(t.g, log);
    assertEquals("conv 'focus_conv' has groups 2", log.refusedSites().get(0).reason());
  }
}
