package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.detect.HeadKind;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Cuts the decode off an Ultralytics anchor-free head exported decoded ({@code yolo export} of
 * YOLOv8, YOLO11, YOLO26): the graph then ends at the per-scale box and class convolutions, two
 * outputs per stride, {@code box_stride<s>} {@code [1, 4·R, H, W]} (R box-distribution bins) and
 * {@code cls_stride<s>} {@code [1, C, H, W]} (class logits), the layout
 * {@link HeadKind#ANCHOR_FREE_RAW} decodes in Java for the few cells whose best logit passes. (Not
 * one concatenated {@code [1, 4·R + C, H, W]} per stride: that concat cost YOLOv8t about 2% on ncnn.)
 * The decode it removes, matched exactly from the output back:
 *
 * <pre>
 *   output = Concat(axis 1)[boxes, Sigmoid(Concat(axis −1)[Reshape(cls_i, [1, C, −1]) …])]
 *   boxes  = Mul(Concat(axis 1)[Div(Add(lt, rb), 2), Sub(rb, lt)], stride row [1, N])
 *   lt     = Sub(anchor points [1, 2, N], Slice(dist, 0:2 on axis 1))
 *   rb     = Add(anchor points [1, 2, N], Slice(dist, 2:4 on axis 1))
 *   dist   = Reshape(Conv(Softmax(axis 1)(Transpose[0,2,1,3](Reshape(box, [1, 4, R, N]))), [0..R−1]), [1, 4, N])
 *            (DFL; R = 1: dist = box)
 *   box    = Concat(axis −1)[Reshape(box_i, [1, 4·R, −1]) …]
 * </pre>
 *
 * where the anchor points are the cell centres (x + 0.5, y + 0.5) of every scale's grid and the
 * stride row holds each scale's stride. The metadata gains {@code strides} and
 * {@code head_layout = yolov8-raw}.
 *
 * <p>Unlike the deploy passes this one changes the graph's outputs (and so what the model
 * computes), so it runs only when asked ({@link dev.reparo.convert.ModelConverter}); anything that
 * deviates from the pattern is refused with the node and what was expected. A graph it already
 * cut is left alone without a refusal.
 *
 * <p>Stateless and thread-safe.
 */
public final class CutAnchorFreeDecode implements GraphPass {
  /** Ultralytics' anchor offset: anchors sit at cell centres. */
  private static final float CELL_CENTRE = 0.5f;

  /** One scale of the head: its box and class conv outputs, grid and stride. */
  record Scale(String box, String cls, int height, int width, int stride) {}

  /** A matched head: its scales, bins per box side, classes, and the decode nodes to remove. */
  record Site(List<Scale> scales, int bins, int classes, Set<Node> decode) {}

  @Override
  public String name() {
    return "cut-anchor-free-decode";
  }

  @Override
  public void run(Graph g, PassLog log) {
    if (HeadKind.ANCHOR_FREE_RAW.cliName().equals(g.metadata().get(ModelMetadata.HEAD_LAYOUT))) {
      return; // cut already
    }
    String anchor = g.outputs().isEmpty() ? "graph" : g.outputs().get(0).name();
    Site site;
    try {
      site = match(g);
    } catch (PatternRefused r) {
      log.refused(anchor, r.getMessage());
      return;
    }
    rewrite(g, site);
    log.rewrote(anchor);
  }

  /**
   * The decoded head ending at the graph's one output.
   *
   * @throws PatternRefused naming the first value that does not fit the pattern
   */
  static Site match(Graph g) throws PatternRefused {
    if (g.outputs().size() != 1) {
      throw new PatternRefused("the graph has " + g.outputs().size()
          + " outputs; a decoded anchor-free head has one [1, 4+C, N]");
    }
    ShapeInference.Result shapes = ShapeInference.infer(g);
    Set<Node> decode = new LinkedHashSet<>();
    Node out = expect(g, g.outputs().get(0).name(), "Concat", "boxes and class scores", decode);
    if (out.inputs().size() != 2 || !isAxis(out, 1, 3)) {
      throw new PatternRefused("output Concat '" + GraphQueries.label(out) + "' does not join two inputs on axis 1");
    }
    Node sigmoid = expect(g, out.input(1), "Sigmoid", "class scores", decode);
    List<Node> clsConvs = perScale(g, sigmoid.input(0), "class logits", decode);
    List<Node> boxConvs = new ArrayList<>();
    int bins = boxes(g, out.input(0), shapes, boxConvs, decode);
    if (boxConvs.size() != clsConvs.size()) {
      throw new PatternRefused(boxConvs.size() + " box scales but " + clsConvs.size() + " class scales");
    }
    List<Scale> scales = new ArrayList<>();
    int classes = -1;
    for (int i = 0; i < boxConvs.size(); i++) {
      long[] box = nchw(shapes, boxConvs.get(i).output(0));
      long[] cls = nchw(shapes, clsConvs.get(i).output(0));
      if (box[1] != 4L * bins || box[2] != cls[2] || box[3] != cls[3] || classes >= 0 && cls[1] != classes) {
        throw new PatternRefused("scale " + i + ": box conv '" + GraphQueries.label(boxConvs.get(i)) + "' gives "
            + Arrays.toString(box) + " and class conv '" + GraphQueries.label(clsConvs.get(i)) + "' "
            + Arrays.toString(cls) + "; expected [1, " + 4 * bins + ", H, W] and [1, C, H, W] on one grid");
      }
      classes = (int) cls[1];
      scales.add(new Scale(boxConvs.get(i).output(0), clsConvs.get(i).output(0), (int) box[2], (int) box[3], 0));
    }
    scales = withStrides(g, g.producer(out.input(0)), scales, decode);
    checkReshapes(g, decode, bins, classes);
    checkSelfContained(g, decode, out);
    return new Site(List.copyOf(scales), bins, classes, decode);
  }

  /**
   * Matches {@code boxes = Mul(Concat[Div(Add(lt, rb), 2), Sub(rb, lt)], strides)} and what feeds
   * lt and rb down to the per-scale box convs (added to {@code convs}).
   *
   * @return the distribution bins per box side (1 without DFL)
   */
  private static int boxes(Graph g, String boxes, ShapeInference.Result shapes, List<Node> convs, Set<Node> decode)
      throws PatternRefused {
    Node mul = expect(g, boxes, "Mul", "boxes times strides", decode);
    int strideIn = GraphQueries.floatConstant(g, mul.input(1)) != null ? 1 : 0;
    Node xywh = expect(g, mul.input(1 - strideIn), "Concat", "centre and size", decode);
    if (xywh.inputs().size() != 2 || !isAxis(xywh, 1, 3)) {
      throw new PatternRefused("Concat '" + GraphQueries.label(xywh) + "' does not join centre and size on axis 1");
    }
    Node div = expect(g, xywh.input(0), "Div", "box centre", decode);
    Tensor two = GraphQueries.floatConstant(g, div.input(1));
    if (two == null || two.size() != 1 || two.data()[0] != 2f) {
      throw new PatternRefused("Div '" + GraphQueries.label(div) + "' does not halve the corner sum");
    }
    Node sum = expect(g, div.input(0), "Add", "corner sum", decode);
    Node size = expect(g, xywh.input(1), "Sub", "box size", decode);
    Node lt = expect(g, size.input(1), "Sub", "top-left corner", decode);
    Node rb = expect(g, size.input(0), "Add", "bottom-right corner", decode);
    if (!Set.of(sum.input(0), sum.input(1)).equals(Set.of(lt.output(0), rb.output(0)))) {
      throw new PatternRefused("Add '" + GraphQueries.label(sum) + "' does not add the two corners");
    }
    int rbSlice = GraphQueries.floatConstant(g, rb.input(0)) != null ? 1 : 0;
    if (GraphQueries.floatConstant(g, lt.input(0)) == null || GraphQueries.floatConstant(g, rb.input(1 - rbSlice)) == null) {
      throw new PatternRefused("corners '" + GraphQueries.label(lt) + "' and '" + GraphQueries.label(rb)
          + "' do not start from constant anchor points");
    }
    Node loSlice = expect(g, lt.input(1), "Slice", "left and top distances", decode);
    Node hiSlice = expect(g, rb.input(rbSlice), "Slice", "right and bottom distances", decode);
    if (!loSlice.input(0).equals(hiSlice.input(0))) {
      throw new PatternRefused("Slices '" + GraphQueries.label(loSlice) + "' and '" + GraphQueries.label(hiSlice)
          + "' read different distances");
    }
    checkSlice(g, loSlice, 0, 2);
    checkSlice(g, hiSlice, 2, 4);
    Node dist = g.producer(loSlice.input(0));
    if (dist != null && dist.opType().equals("Concat")) {
      convs.addAll(perScale(g, loSlice.input(0), "box distances", decode));
      return 1;
    }
    // DFL: Reshape [1,4,N] ← Conv(arange) ← Softmax(axis 1) ← Transpose[0,2,1,3] ← Reshape [1,4,R,N] ← Concat
    Node flat = expect(g, loSlice.input(0), "Reshape", "DFL distances [1, 4, N]", decode);
    Node project = expect(g, flat.input(0), "Conv", "DFL expectation", decode);
    Node softmax = expect(g, project.input(0), "Softmax", "DFL bin probabilities", decode);
    Node transpose = expect(g, softmax.input(0), "Transpose", "DFL bins to channels", decode);
    Node split = expect(g, transpose.input(0), "Reshape", "DFL bins [1, 4, R, N]", decode);
    if (softmax.attrInt("axis", -1) != 1) {
      throw new PatternRefused("Softmax '" + GraphQueries.label(softmax) + "' is not over axis 1 (the bins)");
    }
    if (!Arrays.equals(transpose.attrInts("perm"), new long[] {0, 2, 1, 3})) {
      throw new PatternRefused("Transpose '" + GraphQueries.label(transpose) + "' has perm "
          + Arrays.toString(transpose.attrInts("perm")) + ", expected [0, 2, 1, 3]");
    }
    Tensor weight = GraphQueries.floatConstant(g, project.input(1));
    int bins = weight == null ? -1 : weight.size();
    if (weight == null || !Arrays.equals(weight.shape(), new int[] {1, bins, 1, 1}) || project.inputs().size() > 2
        && !project.input(2).isEmpty() || project.attrInt("group", 1) != 1) {
      throw new PatternRefused("Conv '" + GraphQueries.label(project) + "' is not a bias-free 1x1 conv of the bins");
    }
    for (int i = 0; i < bins; i++) {
      if (weight.data()[i] != i) {
        throw new PatternRefused("Conv '" + GraphQueries.label(project) + "' weights are not 0.." + (bins - 1)
            + " (the DFL expectation)");
      }
    }
    convs.addAll(perScale(g, split.input(0), "box distributions", decode));
    return bins;
  }

  /** {@code Concat(axis −1)[Reshape(conv_i, [1, c, −1]) …]}: the convs, one per scale. */
  private static List<Node> perScale(Graph g, String value, String role, Set<Node> decode) throws PatternRefused {
    Node cat = expect(g, value, "Concat", role + " of all scales", decode);
    if (!isAxis(cat, 2, 3)) {
      throw new PatternRefused("Concat '" + GraphQueries.label(cat) + "' does not join the scales on the last axis");
    }
    List<Node> convs = new ArrayList<>();
    for (String in : cat.inputs()) {
      Node flat = expect(g, in, "Reshape", role + " of one scale", decode);
      convs.add(expect(g, flat.input(0), "Conv", role + " conv", null));
    }
    return convs;
  }

  /** Each scale's stride from the stride row, checked against the grid, the input and the anchor points. */
  private static List<Scale> withStrides(Graph g, Node mul, List<Scale> scales, Set<Node> decode)
      throws PatternRefused {
    Tensor row = GraphQueries.floatConstant(g, mul.input(0));
    row = row != null ? row : GraphQueries.floatConstant(g, mul.input(1));
    int cells = scales.stream().mapToInt(s -> s.height() * s.width()).sum();
    if (row == null || row.size() != cells) {
      throw new PatternRefused("Mul '" + GraphQueries.label(mul) + "' does not scale by a constant stride per cell ("
          + cells + " cells)");
    }
    long[] input = g.inputs().size() == 1 ? g.inputs().get(0).shape().toArray() : new long[0];
    List<Scale> out2 = new ArrayList<>();
    int first = 0;
    for (Scale s : scales) {
      float stride = row.data()[first];
      int plane = s.height() * s.width();
      for (int c = first; c < first + plane; c++) {
        if (row.data()[c] != stride) {
          throw new PatternRefused("stride row of Mul '" + GraphQueries.label(mul) + "' varies within a scale");
        }
      }
      if (stride != Math.rint(stride) || stride < 1 || input.length != 4 || input[2] != (long) stride * s.height()
          || input[3] != (long) stride * s.width()) {
        throw new PatternRefused("stride " + stride + " times the " + s.width() + "x" + s.height()
            + " grid is not the model input " + Arrays.toString(input));
      }
      out2.add(new Scale(s.box(), s.cls(), s.height(), s.width(), (int) stride));
      first += plane;
    }
    for (Node corner : decode) {
      // the corners are the Sub and Add with a constant operand (boxes() made sure they have one)
      boolean isCorner = (corner.opType().equals("Sub") || corner.opType().equals("Add"))
          && corner.inputs().stream().anyMatch(in -> GraphQueries.floatConstant(g, in) != null);
      if (isCorner) {
        String points = GraphQueries.floatConstant(g, corner.input(0)) != null ? corner.input(0) : corner.input(1);
        checkAnchorPoints(GraphQueries.floatConstant(g, points), out2, corner);
      }
    }
    return out2;
  }

  /** Anchor points {@code [1, 2, N]}: x then y of every cell centre, scale after scale, row-major. */
  private static void checkAnchorPoints(Tensor points, List<Scale> scales, Node corner) throws PatternRefused {
    int cells = scales.stream().mapToInt(s -> s.height() * s.width()).sum();
    if (!Arrays.equals(points.shape(), new int[] {1, 2, cells})) {
      throw new PatternRefused("'" + GraphQueries.label(corner) + "' adds " + Arrays.toString(points.shape())
          + ", expected anchor points [1, 2, " + cells + "]");
    }
    float[] p = points.data();
    int a = 0;
    for (Scale s : scales) {
      for (int y = 0; y < s.height(); y++) {
        for (int x = 0; x < s.width(); x++, a++) {
          if (p[a] != x + CELL_CENTRE || p[cells + a] != y + CELL_CENTRE) {
            throw new PatternRefused("'" + GraphQueries.label(corner) + "': anchor point " + a + " is ("
                + p[a] + ", " + p[cells + a] + "), expected the cell centre (" + (x + CELL_CENTRE) + ", "
                + (y + CELL_CENTRE) + ")");
          }
        }
      }
    }
  }

  /** Slice of channels {@code [start, end)} on axis 1, step 1. */
  private static void checkSlice(Graph g, Node slice, long start, long end) throws PatternRefused {
    boolean ok = slice.inputs().size() >= 4
        && Arrays.equals(ints(g, slice.input(1)), new long[] {start})
        && Arrays.equals(ints(g, slice.input(2)), new long[] {end})
        && Arrays.equals(ints(g, slice.input(3)), new long[] {1})
        && (slice.inputs().size() < 5 || slice.input(4).isEmpty()
            || Arrays.equals(ints(g, slice.input(4)), new long[] {1}));
    if (!ok) {
      throw new PatternRefused("Slice '" + GraphQueries.label(slice) + "' does not take channels " + start + ":"
          + end + " of axis 1");
    }
  }

  /** Every Reshape of the decode reshapes to what the pattern says, given R bins and C classes. */
  private static void checkReshapes(Graph g, Set<Node> decode, int bins, int classes) throws PatternRefused {
    for (Node r : decode) {
      if (!r.opType().equals("Reshape")) {
        continue;
      }
      long[] to = ints(g, r.input(1));
      boolean ok = to != null && to.length >= 3 && to[0] == 1 && (
          Arrays.equals(to, new long[] {1, 4L * bins, -1}) || Arrays.equals(to, new long[] {1, classes, -1})
          || to.length == 4 && to[1] == 4 && to[2] == bins || to.length == 3 && to[1] == 4 && to[2] > 0);
      if (!ok) {
        throw new PatternRefused("Reshape '" + GraphQueries.label(r) + "' reshapes to " + Arrays.toString(to)
            + ", not a shape of the decode (" + bins + " bins, " + classes + " classes)");
      }
    }
  }

  /** Nothing outside the decode reads what it computes, so removing it changes no other value. */
  private static void checkSelfContained(Graph g, Set<Node> decode, Node out) throws PatternRefused {
    for (Node n : decode) {
      for (String v : n.outputs()) {
        for (Node reader : g.consumers(v)) {
          if (!decode.contains(reader)) {
            throw new PatternRefused("'" + v + "' of the decode is also read by '" + GraphQueries.label(reader) + "'");
          }
        }
        if (n != out && GraphQueries.isGraphOutput(g, v)) {
          throw new PatternRefused("'" + v + "' of the decode is also a graph output");
        }
      }
    }
  }

  private static void rewrite(Graph g, Site site) {
    List<ValueInfo> outputs = new ArrayList<>();
    int[] strides = new int[site.scales().size()];
    GraphEdits.removeNodes(g, site.decode());
    for (int i = 0; i < strides.length; i++) {
      Scale s = site.scales().get(i);
      strides[i] = s.stride();
      String box = g.uniqueName("box_stride" + s.stride());
      GraphEdits.renameValue(g, s.box(), box);
      String cls = g.uniqueName("cls_stride" + s.stride());
      GraphEdits.renameValue(g, s.cls(), cls);
      outputs.add(ValueInfo.of(box, DataType.FLOAT, 1, 4L * site.bins(), s.height(), s.width()));
      outputs.add(ValueInfo.of(cls, DataType.FLOAT, 1, site.classes(), s.height(), s.width()));
    }
    g.setOutputs(outputs);
    GraphEdits.dropValueInfos(g, Set.copyOf(site.scales().stream()
        .flatMap(s -> java.util.stream.Stream.of(s.box(), s.cls())).toList()));
    g.putMetadata(ModelMetadata.STRIDES, Arrays.toString(strides));
    g.putMetadata(ModelMetadata.HEAD_LAYOUT, HeadKind.ANCHOR_FREE_RAW.cliName());
  }

  /** The producer of {@code value}, which must be a {@code op}; added to {@code decode} unless null. */
  private static Node expect(Graph g, String value, String op, String role, Set<Node> decode) throws PatternRefused {
    Node p = g.producer(value);
    if (p == null || !p.opType().equals(op)) {
      throw new PatternRefused("'" + value + "' (" + role + ") comes from "
          + (p == null ? "no node" : "a " + p.opType() + " '" + GraphQueries.label(p) + "'") + ", expected a " + op);
    }
    if (decode != null) {
      decode.add(p);
    }
    return p;
  }

  private static boolean isAxis(Node concat, int axis, int rank) {
    long a = concat.attrInt("axis", Long.MIN_VALUE);
    return a == axis || a == axis - rank;
  }

  private static long[] ints(Graph g, String value) {
    LongTensor t = GraphQueries.longConstant(g, value);
    return t == null ? null : t.data();
  }

  private static long[] nchw(ShapeInference.Result shapes, String value) throws PatternRefused {
    Shape s = shapes.shape(value);
    if (!s.hasRank() || s.rank() != 4 || !s.isKnown() || s.dim(0).value() != 1) {
      throw new PatternRefused("'" + value + "' has shape " + s + ", expected a known [1, C, H, W]");
    }
    return s.toArray();
  }
}
