package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Replaces YOLOv5's Focus stem by one convolution. The pattern, on a 4-D input {@code x}:
 *
 * <pre>
 *   four strided views x[..., dy::2, dx::2] (Slice nodes, one per axis or one for both axes)
 *   -> Concat(axis=1) -> Conv(kh x kw, stride s, pads p, group 1, dilation 1)
 * </pre>
 *
 * Concat input {@code q} holds the pixels of parity {@code (dy_q, dx_q)}, so the conv reads pixel
 * {@code (2(s·i + a − p) + dy_q, ...)} of {@code x} through its weight {@code W[o, q·C + c, a, b]}.
 * That is a conv on {@code x} itself with stride {@code 2s}, pads {@code 2p} and the
 * {@code 2kh x 2kw} kernel {@code K[o, c, 2a + dy_q, 2b + dx_q] = W[o, q·C + c, a, b]}: every weight
 * is moved, none is changed, and the output size is the same (zero padding of the slices maps onto
 * zero padding of {@code x}). Slices left without readers are removed.
 *
 * <p>Refused, with the reason, when a slice is not a full stride-2 view of the spatial axes, the
 * Concat output is read by more than the conv, or the conv is grouped or dilated.
 *
 * <p>Stateless and thread-safe.
 */
public final class FuseFocus implements GraphPass {
  /** An end at least this large means "to the end of the axis" when the axis size is unknown. */
  private static final long OPEN_END = Integer.MAX_VALUE;

  @Override
  public String name() {
    return "fuse-focus";
  }

  @Override
  public void run(Graph g, PassLog log) {
    for (Node concat : List.copyOf(g.nodes())) {
      if (!concat.opType().equals("Concat") || concat.inputs().size() != 4 || !allFromSlices(g, concat)
          || (concat.attrInt("axis", 1) != 1 && concat.attrInt("axis", 1) != -3)) {
        continue;
      }
      try {
        rewrite(g, concat);
        log.rewrote(GraphQueries.label(concat));
      } catch (PatternRefused r) {
        log.refused(GraphQueries.label(concat), r.getMessage());
      }
    }
  }

  private static boolean allFromSlices(Graph g, Node concat) {
    for (String in : concat.inputs()) {
      Node p = g.producer(in);
      if (p == null || !p.opType().equals("Slice")) {
        return false;
      }
    }
    return true;
  }

  /** One concat input traced back: the source tensor, the parity it picks, the slices it took. */
  private record View(String source, int dy, int dx, List<Node> slices) {}

  private static void rewrite(Graph g, Node concat) throws PatternRefused {
    Node convNode = GraphQueries.soleConsumer(g, concat.output(0));
    if (convNode == null || !convNode.opType().equals("Conv") || !convNode.input(0).equals(concat.output(0))) {
      throw new PatternRefused("Concat output '" + concat.output(0) + "' is not read by one Conv alone");
    }
    List<View> views = new ArrayList<>();
    for (String in : concat.inputs()) {
      views.add(trace(g, in));
    }
    String x = views.get(0).source();
    for (View v : views) {
      if (!v.source().equals(x)) {
        throw new PatternRefused("the slices read different tensors ('" + x + "', '" + v.source() + "')");
      }
    }
    ConvAttributes conv = ConvAttributes.of(g, convNode);
    String who = GraphQueries.label(convNode);
    if (conv.group() != 1) {
      throw new PatternRefused("conv '" + who + "' has groups " + conv.group());
    }
    if (conv.dilations()[0] != 1 || conv.dilations()[1] != 1) {
      throw new PatternRefused("conv '" + who + "' has dilation " + Arrays.toString(conv.dilations()));
    }
    if (conv.weight().dim(1) % 4 != 0) {
      throw new PatternRefused("conv '" + who + "' reads " + conv.weight().dim(1)
          + " channels, not four equal slices");
    }

    int out = conv.outChannels();
    int c = conv.weight().dim(1) / 4;
    int kh = conv.kernelHeight();
    int kw = conv.kernelWidth();
    float[] w = conv.weight().data();
    double[] weight = new double[out * c * 2 * kh * 2 * kw];
    for (int o = 0; o < out; o++) {
      for (int q = 0; q < 4; q++) {
        View v = views.get(q);
        for (int ch = 0; ch < c; ch++) {
          for (int a = 0; a < kh; a++) {
            for (int b = 0; b < kw; b++) {
              int from = ((o * 4 * c + q * c + ch) * kh + a) * kw + b;
              int to = ((o * c + ch) * 2 * kh + 2 * a + v.dy()) * 2 * kw + 2 * b + v.dx();
              weight[to] += w[from];
            }
          }
        }
      }
    }
    int[] strides = {2 * conv.strides()[0], 2 * conv.strides()[1]};
    int[] pads = conv.pads().clone();
    for (int i = 0; i < 4; i++) {
      pads[i] *= 2;
    }
    Node fused = ConvAttributes.build(g, convNode.name(), x, convNode.output(0), weight,
        new int[] {out, c, 2 * kh, 2 * kw}, conv.biasOrZero(), strides, pads, new int[] {1, 1}, 1);
    g.replaceNode(convNode, fused);
    List<Node> doomed = new ArrayList<>(List.of(convNode, concat));
    GraphEdits.removeNodes(g, doomed);
    removeUnreadSlices(g, views);
  }

  /** Follows a chain of Slice nodes back from {@code value} to the tensor they view. */
  private static View trace(Graph g, String value) throws PatternRefused {
    List<Node> slices = new ArrayList<>();
    Integer[] start = new Integer[4];
    String v = value;
    for (Node p = g.producer(v); p != null && p.opType().equals("Slice"); p = g.producer(v)) {
      slices.add(p);
      readSlice(g, p, start);
      v = p.input(0);
    }
    if (start[2] == null || start[3] == null) {
      throw new PatternRefused("'" + value + "' does not slice both spatial axes");
    }
    return new View(v, start[2], start[3], slices);
  }

  /** Records in {@code start[axis]} where {@code slice} starts along each axis it cuts. */
  private static void readSlice(Graph g, Node slice, Integer[] start) throws PatternRefused {
    String who = GraphQueries.label(slice);
    if (slice.inputs().size() == 1) {
      throw new PatternRefused("Slice '" + who + "' (opset 9 form) has no steps");
    }
    long[] starts = constant(g, slice, 1, "starts");
    long[] ends = constant(g, slice, 2, "ends");
    long[] axes = slice.hasInput(3) ? constant(g, slice, 3, "axes") : null;
    long[] steps = slice.hasInput(4) ? constant(g, slice, 4, "steps") : null;
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    if (ends.length != starts.length || axes.length != starts.length
        || (steps != null && steps.length != starts.length)) {
      throw new PatternRefused("Slice '" + who + "' has starts, ends, axes, steps of different lengths");
    }
    Shape shape = shapeOf(g, slice.input(0));
    for (int i = 0; i < starts.length; i++) {
      int axis = Math.toIntExact(axes[i] < 0 ? axes[i] + 4 : axes[i]);
      long step = steps == null ? 1 : steps[i];
      if (axis != 2 && axis != 3) {
        throw new PatternRefused("Slice '" + who + "' cuts axis " + axes[i] + ", not a spatial axis");
      }
      if (step != 2) {
        throw new PatternRefused("Slice '" + who + "' has step " + step + " on axis " + axis);
      }
      if (starts[i] != 0 && starts[i] != 1) {
        throw new PatternRefused("Slice '" + who + "' starts at " + starts[i] + " on axis " + axis);
      }
      long size = shape.hasRank() && shape.rank() == 4 && shape.dim(axis).isKnown()
          ? shape.dim(axis).value() : -1;
      if (ends[i] < (size >= 0 ? size : OPEN_END)) {
        throw new PatternRefused("Slice '" + who + "' ends at " + ends[i] + " on axis " + axis
            + ", before the end of the axis");
      }
      if (start[axis] != null) {
        throw new PatternRefused("axis " + axis + " is sliced twice on the way to '" + slice.output(0) + "'");
      }
      start[axis] = (int) starts[i];
    }
  }

  private static long[] constant(Graph g, Node slice, int input, String what) throws PatternRefused {
    LongTensor t = GraphQueries.longConstant(g, slice.input(input));
    if (t == null) {
      throw new PatternRefused(what + " of Slice '" + GraphQueries.label(slice) + "' are not a constant");
    }
    return t.data();
  }

  private static Shape shapeOf(Graph g, String value) {
    ValueInfo v = g.valueInfo(value);
    return v == null ? Shape.unknown() : v.shape();
  }

  /** Removes the traced slices nothing reads any more, last slice first. */
  private static void removeUnreadSlices(Graph g, List<View> views) {
    Set<Node> candidates = new LinkedHashSet<>();
    views.forEach(v -> candidates.addAll(v.slices()));
    boolean removed = true;
    while (removed) {
      removed = false;
      for (Node s : List.copyOf(candidates)) {
        if (g.consumers(s.output(0)).isEmpty() && !GraphQueries.isGraphOutput(g, s.output(0))) {
          GraphEdits.removeNodes(g, List.of(s));
          candidates.remove(s);
          removed = true;
        }
      }
    }
  }
}
