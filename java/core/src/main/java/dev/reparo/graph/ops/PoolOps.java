package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.ops.LoweringContext.ints;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.fail;
import static dev.reparo.graph.ops.Rules.intsOr;
import static dev.reparo.graph.ops.Rules.normAxis;

import dev.reparo.format.ncnn.NcnnParams.Pooling;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Pooling (MaxPool, AveragePool, the global pools, ReduceMean) and the sliding-window sizes Conv shares. */
final class PoolOps {
  private PoolOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("MaxPool", 1, 1, 1, 2, Map.of("auto_pad", STRING, "ceil_mode", INT, "dilations", INTS,
            "kernel_shape", INTS, "pads", INTS, "storage_order", INT, "strides", INTS), PoolOps::pool)
            .ncnn(PoolOps::ncnnPool),
        op("AveragePool", 1, 1, 1, 1, Map.of("auto_pad", STRING, "ceil_mode", INT,
            "count_include_pad", INT, "dilations", INTS, "kernel_shape", INTS, "pads", INTS,
            "strides", INTS), PoolOps::pool).ncnn(PoolOps::ncnnPool),
        op("GlobalAveragePool", 1, 1, 1, 1, Map.of(), (cx, n) -> cx.one(n, globalPool(cx, n)))
            .ncnn((cx, n) -> ncnnGlobalPool(cx, n, true)),
        op("GlobalMaxPool", 1, 1, 1, 1, Map.of(), (cx, n) -> cx.one(n, globalPool(cx, n)))
            .ncnn((cx, n) -> ncnnGlobalPool(cx, n, true)),
        op("ReduceMean", 1, 2, 1, 1, Map.of("axes", INTS, "keepdims", INT, "noop_with_empty_axes", INT),
            (cx, n) -> cx.one(n, reduce(cx, n))).ncnn(PoolOps::ncnnReduceSpatial));
  }

  private static List<ValueInfo> pool(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    long[] kernel = n.attrInts("kernel_shape");
    if (kernel == null) {
      throw fail(n, "has no kernel_shape");
    }
    int sp = kernel.length;
    Shape out;
    if (!x.hasRank()) {
      out = Shape.ofRank(sp + 2);
    } else {
      if (x.rank() != sp + 2) {
        throw fail(n, "kernel_shape " + Arrays.toString(kernel) + " does not fit input " + x);
      }
      List<Dim> dims = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
      dims.addAll(windowDims(n, x, sp, kernel, n.attrInt("ceil_mode", 0) != 0));
      out = Shape.of(dims);
    }
    List<ValueInfo> result = new ArrayList<>();
    result.add(new ValueInfo("", cx.typeOf(n, 0), out));
    if (n.outputs().size() > 1) {
      result.add(new ValueInfo("", DataType.INT64, out));
    }
    return result;
  }

  /** Output sizes of a sliding window (Conv, MaxPool, AveragePool) over the spatial dims of x. */
  static List<Dim> windowDims(Node n, Shape x, int sp, long[] kernel, boolean ceilMode) {
    long[] strides = intsOr(n, "strides", sp, 1);
    long[] dilations = intsOr(n, "dilations", sp, 1);
    long[] pads = intsOr(n, "pads", 2 * sp, 0);
    String autoPad = n.attrString("auto_pad", "NOTSET");
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < sp; i++) {
      if (strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 || pads[i + sp] < 0
          || kernel[i] == 0 || kernel[i] < -1) {
        throw fail(n, "bad window: kernel " + Arrays.toString(kernel) + ", strides "
            + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations) + ", pads "
            + Arrays.toString(pads));
      }
      Dim in = x.hasRank() ? x.dim(2 + i) : Dim.unknown();
      if (!in.isKnown() || kernel[i] < 0) {
        out.add(Dim.unknown());
        continue;
      }
      long size = in.value();
      long s = strides[i];
      long extent = dilations[i] * (kernel[i] - 1) + 1;
      long o;
      switch (autoPad) {
        case "SAME_UPPER", "SAME_LOWER" -> o = Layout.ceilDiv(size, s);
        case "NOTSET", "VALID" -> {
          long head = autoPad.equals("VALID") ? 0 : pads[i];
          long tail = autoPad.equals("VALID") ? 0 : pads[i + sp];
          long span = size + head + tail - extent;
          if (span < 0) {
            throw fail(n, "window of extent " + extent + " is larger than the padded input ("
                + (size + head + tail) + ") on spatial axis " + i);
          }
          o = (ceilMode ? Layout.ceilDiv(span, s) : span / s) + 1;
          if (ceilMode && (o - 1) * s >= size + head) {
            o--; // the last window must start inside the input or its head padding
          }
        }
        default -> throw fail(n, "unknown auto_pad '" + autoPad + "'");
      }
      out.add(Dim.of(o));
    }
    return out;
  }

  private static Shape globalPool(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    if (x.rank() < 3) {
      throw fail(n, "input " + x + " has no spatial dims");
    }
    List<Dim> dims = new ArrayList<>(List.of(x.dim(0), x.dim(1)));
    for (int i = 2; i < x.rank(); i++) {
      dims.add(Dim.of(1));
    }
    return Shape.of(dims);
  }

  /** ReduceMean and friends: axes from the attribute (opset < 18) or the second input. */
  private static Shape reduce(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    boolean keep = n.attrInt("keepdims", 1) != 0;
    long[] axes;
    if (n.hasInput(1)) {
      axes = cx.constInts(n, 1);
      if (axes == null) {
        return x.hasRank() && keep ? Shape.ofRank(x.rank()) : Shape.unknown();
      }
    } else {
      axes = n.attrInts("axes");
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    boolean[] reduced = new boolean[rank];
    if (axes == null || axes.length == 0) {
      if (n.attrInt("noop_with_empty_axes", 0) != 0) {
        return x;
      }
      Arrays.fill(reduced, true);
    } else {
      for (long a : axes) {
        reduced[normAxis(n, a, rank, "axes")] = true;
      }
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      if (!reduced[i]) {
        dims.add(x.dim(i));
      } else if (keep) {
        dims.add(Dim.of(1));
      }
    }
    return Shape.of(dims);
  }

  private static void ncnnPool(LoweringContext cx, Node n) {
    if (n.outputs().size() > 1 && !n.output(1).isEmpty() && !cx.graph().consumers(n.output(1)).isEmpty()) {
      throw unsupported(n, "its indices output is read");
    }
    long[] k = n.attrInts("kernel_shape");
    if (k == null || k.length != 2) {
      throw unsupported(n, "only 2-D pooling is supported");
    }
    long[] dil = ints(n, "dilations", 1, 1);
    if (dil[0] != 1 || dil[1] != 1) {
      throw unsupported(n, "dilated pooling");
    }
    long[] s = ints(n, "strides", 1, 1);
    long[] pads = n.attrInts("pads");
    if (pads == null) {
      pads = new long[4];
    }
    boolean max = n.opType().equals("MaxPool");
    Node.Builder b = layer("Pooling", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
        .intAttr(Pooling.POOLING_TYPE, max ? Pooling.MAX : Pooling.AVERAGE)
        .intAttr(Pooling.KERNEL_W, k[1]).intAttr(Pooling.KERNEL_H, k[0])
        .intAttr(Pooling.STRIDE_W, s[1]).intAttr(Pooling.STRIDE_H, s[0]);
    String autoPad = n.attrString("auto_pad", "NOTSET");
    switch (autoPad) {
      case "NOTSET", "VALID" -> {
        if (autoPad.equals("NOTSET")) {
          b.intAttr(Pooling.PAD_LEFT, pads[1]).intAttr(Pooling.PAD_RIGHT, pads[3])
              .intAttr(Pooling.PAD_TOP, pads[0]).intAttr(Pooling.PAD_BOTTOM, pads[2]);
        }
        b.intAttr(Pooling.PAD_MODE, n.attrInt("ceil_mode", 0) != 0 ? Pooling.PAD_FULL : Pooling.PAD_VALID);
      }
      case "SAME_UPPER" -> b.intAttr(Pooling.PAD_MODE, Pooling.PAD_SAME_UPPER);
      case "SAME_LOWER" -> b.intAttr(Pooling.PAD_MODE, Pooling.PAD_SAME_LOWER);
      default -> throw unsupported(n, "auto_pad " + autoPad);
    }
    if (!max) {
      b.intAttr(Pooling.AVGPOOL_COUNT_INCLUDE_PAD, n.attrInt("count_include_pad", 0));
    }
    cx.emit(b.build());
  }

  /** A mean or max over the two spatial axes of NCHW is global pooling. */
  private static void ncnnReduceSpatial(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.input(0));
    long[] axes = n.hasInput(1) ? cx.constInts(n, 1) : n.attrInts("axes");
    boolean spatial = r == 4 && axes != null && axes.length == 2;
    if (spatial) {
      long a0 = axes[0] < 0 ? axes[0] + r : axes[0];
      long a1 = axes[1] < 0 ? axes[1] + r : axes[1];
      spatial = Math.min(a0, a1) == 2 && Math.max(a0, a1) == 3;
    }
    if (!spatial) {
      throw unsupported(n, "only reductions over the spatial axes of NCHW are supported");
    }
    ncnnGlobalPool(cx, n, n.attrInt("keepdims", 1) != 0);
  }

  private static void ncnnGlobalPool(LoweringContext cx, Node n, boolean keepDims) {
    Shape in = cx.shape(n.input(0));
    if (!in.hasRank() || in.rank() != 4 || !in.dim(1).isKnown()) {
      throw unsupported(n, "global pooling needs an NCHW input with known channels");
    }
    String pooled = keepDims ? cx.fresh(n.output(0) + "_flat") : n.output(0);
    String name = cx.layerName(n);
    cx.emit(layer("Pooling", name).inputs(cx.blob(n, 0)).outputs(pooled)
        .intAttr(Pooling.POOLING_TYPE, n.opType().equals("GlobalMaxPool") ? Pooling.MAX : Pooling.AVERAGE)
        .intAttr(Pooling.GLOBAL_POOLING, 1).build());
    if (!keepDims) {
      return; // [1, C] is ncnn's 1-D blob of C values
    }
    // ncnn's global pooling yields a 1-D blob of C values; ONNX keeps [1, C, 1, 1].
    cx.emit(cx.reshapeLayer(cx.fresh(name + "_reshape"), pooled, n.output(0),
        new long[] {1, in.dim(1).value(), 1, 1}));
    cx.graph().putValueInfo(new ValueInfo(pooled, DataType.FLOAT, Shape.of(1, in.dim(1).value())));
  }
}
