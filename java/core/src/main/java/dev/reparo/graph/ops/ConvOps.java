package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.ops.LoweringContext.ints;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.fail;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams.BatchNorm;
import dev.reparo.format.ncnn.NcnnParams.Conv;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Conv and BatchNormalization: shape rules and ncnn lowering. */
final class ConvOps {
  private ConvOps() {}

  static List<OpDef> defs() {
    Map<String, Attribute.Type> convLike = Map.of("auto_pad", STRING, "dilations", INTS,
        "group", INT, "kernel_shape", INTS, "pads", INTS, "strides", INTS);
    return List.of(
        op("Conv", 2, 3, 1, 1, convLike, (cx, n) -> cx.one(n, conv(cx, n))).ncnn(ConvOps::ncnnConv),
        op("BatchNormalization", 5, 5, 1, 5, Map.of("epsilon", FLOAT, "momentum", FLOAT,
            "training_mode", INT, "spatial", INT, "is_test", INT), ConvOps::batchNorm)
            .ncnn(ConvOps::ncnnBatchNorm));
  }

  private static Shape conv(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    Shape w = cx.shapeOf(n, 1);
    int rank = x.hasRank() ? x.rank() : w.hasRank() ? w.rank() : -1;
    if (rank < 0) {
      return Shape.unknown();
    }
    if (rank < 3) {
      throw fail(n, "input has rank " + rank + "; Conv needs N, C and at least one spatial dim");
    }
    if (x.hasRank() && w.hasRank() && x.rank() != w.rank()) {
      throw fail(n, "input " + x + " and weight " + w + " differ in rank");
    }
    int sp = rank - 2;
    long group = n.attrInt("group", 1);
    if (group < 1) {
      throw fail(n, "group must be positive, got " + group);
    }
    long[] kernel = new long[sp];
    long[] kAttr = n.attrInts("kernel_shape");
    if (kAttr != null && kAttr.length != sp) {
      throw fail(n, "kernel_shape " + Arrays.toString(kAttr) + " has " + kAttr.length
          + " values for " + sp + " spatial dims");
    }
    for (int i = 0; i < sp; i++) {
      Dim k = w.hasRank() ? w.dim(2 + i) : Dim.unknown();
      if (kAttr != null && k.isKnown() && kAttr[i] != k.value()) {
        throw fail(n, "kernel_shape " + Arrays.toString(kAttr) + " does not match weight " + w);
      }
      kernel[i] = kAttr != null ? kAttr[i] : k.isKnown() ? k.value() : -1;
    }
    Dim c = x.hasRank() ? x.dim(1) : Dim.unknown();
    Dim wc = w.hasRank() ? w.dim(1) : Dim.unknown();
    Dim m = w.hasRank() ? w.dim(0) : Dim.unknown();
    if (c.isKnown() && wc.isKnown() && c.value() != wc.value() * group) {
      throw fail(n, "input has " + c.value() + " channels but weight " + w + " with group " + group
          + " expects " + wc.value() * group);
    }
    if (m.isKnown() && m.value() % group != 0) {
      throw fail(n, "weight " + w + " has " + m.value() + " output channels, not a multiple of group "
          + group);
    }
    if (n.hasInput(2)) {
      Shape b = cx.shapeOf(n, 2);
      if (b.hasRank() && (b.rank() != 1 || b.dim(0).isKnown() && m.isKnown() && b.dim(0).value() != m.value())) {
        throw fail(n, "bias " + b + " does not fit " + m + " output channels");
      }
    }
    List<Dim> out = new ArrayList<>();
    out.add(x.hasRank() ? x.dim(0) : Dim.unknown());
    out.add(m);
    out.addAll(PoolOps.windowDims(n, x, sp, kernel, false));
    return Shape.of(out);
  }

  private static List<ValueInfo> batchNorm(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    Dim c = x.hasRank() && x.rank() >= 2 ? x.dim(1) : Dim.unknown();
    if (x.hasRank() && x.rank() < 2) {
      throw fail(n, "input " + x + " has no channel dim");
    }
    String[] what = {"scale", "B", "mean", "var"};
    for (int i = 1; i <= 4; i++) {
      Shape p = cx.shapeOf(n, i);
      if (p.hasRank() && (p.rank() != 1 || c.isKnown() && p.dim(0).isKnown() && p.dim(0).value() != c.value())) {
        throw fail(n, what[i - 1] + " " + p + " does not fit " + c + " channels of input " + x);
      }
    }
    List<ValueInfo> out = new ArrayList<>();
    out.add(new ValueInfo("", cx.typeOf(n, 0), x));
    for (int i = 1; i < n.outputs().size(); i++) {
      out.add(new ValueInfo("", cx.typeOf(n, 0), Shape.of(List.of(c))));
    }
    return out;
  }

  private static void ncnnConv(LoweringContext cx, Node n) {
    Tensor w = cx.constantOf(n.input(1));
    if (w == null || w.rank() != 4) {
      throw unsupported(n, w == null ? "its weight is not a constant"
          : "only 2-D convolutions are supported (weight rank " + w.rank() + ")");
    }
    long group = n.attrInt("group", 1);
    int cout = w.dim(0);
    int kh = w.dim(2);
    int kw = w.dim(3);
    long[] dil = ints(n, "dilations", 1, 1);
    long[] strides = ints(n, "strides", 1, 1);
    long[] pads = n.attrInts("pads");
    if (pads == null) {
      pads = new long[4];
    }
    String autoPad = n.attrString("auto_pad", "NOTSET");
    Node.Builder b = layer(group == 1 ? "Convolution" : "ConvolutionDepthWise", cx.layerName(n))
        .outputs(n.output(0));
    b.intAttr(Conv.NUM_OUTPUT, cout).intAttr(Conv.KERNEL_W, kw).intAttr(Conv.KERNEL_H, kh)
        .intAttr(Conv.DILATION_W, dil[1]).intAttr(Conv.DILATION_H, dil[0])
        .intAttr(Conv.STRIDE_W, strides[1]).intAttr(Conv.STRIDE_H, strides[0]);
    switch (autoPad) {
      case "NOTSET" -> b.intAttr(Conv.PAD_LEFT, pads[1]).intAttr(Conv.PAD_RIGHT, pads[3])
          .intAttr(Conv.PAD_TOP, pads[0]).intAttr(Conv.PAD_BOTTOM, pads[2]);
      case "VALID" -> b.intAttr(Conv.PAD_LEFT, 0);
      case "SAME_UPPER" -> b.intAttr(Conv.PAD_LEFT, Conv.PAD_SAME_UPPER);
      case "SAME_LOWER" -> b.intAttr(Conv.PAD_LEFT, Conv.PAD_SAME_LOWER);
      default -> throw unsupported(n, "auto_pad " + autoPad);
    }
    boolean bias = n.hasInput(2);
    b.intAttr(Conv.BIAS_TERM, bias ? 1 : 0).intAttr(Conv.WEIGHT_DATA_SIZE, w.size());
    if (group != 1) {
      b.intAttr(Conv.GROUP, group);
    }
    List<String> inputs = new ArrayList<>(List.of(cx.blob(n, 0), cx.weight(n.input(1), w)));
    if (bias) {
      Tensor bt = cx.constantOf(n.input(2));
      if (bt == null) {
        throw unsupported(n, "its bias is not a constant");
      }
      inputs.add(cx.weight(n.input(2), bt));
    }
    cx.emit(b.inputs(inputs.toArray(String[]::new)).build());
  }

  private static void ncnnBatchNorm(LoweringContext cx, Node n) {
    for (int i = 1; i < n.outputs().size(); i++) {
      if (!n.output(i).isEmpty() && !cx.graph().consumers(n.output(i)).isEmpty()) {
        throw unsupported(n, "training-mode statistics outputs are read");
      }
    }
    String[] w = new String[4];
    int[] order = {1, 3, 4, 2}; // ncnn reads slope (scale), mean, var, bias
    int c = -1;
    for (int k = 0; k < 4; k++) {
      Tensor t = cx.constantOf(n.input(order[k]));
      if (t == null) {
        throw unsupported(n, "input " + order[k] + " is not a constant");
      }
      c = t.size();
      w[k] = cx.weight(n.input(order[k]), t);
    }
    cx.emit(layer("BatchNorm", cx.layerName(n)).inputs(cx.blob(n, 0), w[0], w[1], w[2], w[3])
        .outputs(n.output(0)).intAttr(BatchNorm.CHANNELS, c)
        .floatAttr(BatchNorm.EPS, n.attrFloat("epsilon", 1e-5f)).build());
  }
}
