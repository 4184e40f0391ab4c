package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.ncnnAxis;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.fail;
import static dev.reparo.graph.ops.Rules.normAxis;
import static dev.reparo.graph.ops.Rules.sameDim;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Operators that cut tensors apart or join them: Concat, Split, Slice, Gather. */
final class SliceOps {
  private SliceOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("Concat", 1, OpSchema.VARIADIC, 1, 1, Map.of("axis", INT), (cx, n) -> cx.one(n, concat(cx, n)))
            .folder((n, in, opset) -> Layout.concat(in, n.attrInt("axis", 0)))
            .ncnn(SliceOps::ncnnConcat),
        op("Split", 1, 2, 1, OpSchema.VARIADIC, Map.of("axis", INT, "split", INTS, "num_outputs", INT),
            SliceOps::split)
            .ncnn(SliceOps::ncnnSplit),
        op("Slice", 1, 5, 1, 1, Map.of("starts", INTS, "ends", INTS, "axes", INTS),
            (cx, n) -> cx.one(n, slice(cx, n)))
            .folder(SliceOps::foldSlice)
            .ncnn(SliceOps::ncnnSlice),
        op("Gather", 2, 2, 1, 1, Map.of("axis", INT), (cx, n) -> cx.one(n, gather(cx, n)))
            .folder((n, in, opset) -> Layout.gather(in.get(0), in.get(1), n.attrInt("axis", 0))));
  }

  private static ConstValue foldSlice(Node n, List<ConstValue> in, long opset) throws CannotFold {
    if (opset < 10) {
      return Layout.slice(in.get(0), n.attrInts("starts"), n.attrInts("ends"), n.attrInts("axes"), null);
    }
    return Layout.slice(in.get(0), in.get(1).longs(), in.get(2).longs(), ConstantEvaluator.longsOrNull(in, 3),
        ConstantEvaluator.longsOrNull(in, 4));
  }

  private static Shape concat(InferenceContext cx, Node n) {
    if (!n.hasAttribute("axis")) {
      throw fail(n, "has no axis attribute");
    }
    long axisAttr = n.attrInt("axis", 0);
    int rank = -1;
    List<Shape> shapes = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      Shape s = cx.shapeOf(n, i);
      shapes.add(s);
      if (s.hasRank()) {
        if (rank >= 0 && s.rank() != rank) {
          throw fail(n, "inputs differ in rank: " + shapes);
        }
        rank = s.rank();
      }
    }
    if (rank < 0) {
      return Shape.unknown();
    }
    int axis = normAxis(n, axisAttr, rank, "axis");
    List<Dim> out = new ArrayList<>();
    for (int d = 0; d < rank; d++) {
      if (d == axis) {
        long sum = 0;
        for (Shape s : shapes) {
          if (!s.hasRank() || !s.dim(d).isKnown()) {
            sum = -1;
            break;
          }
          sum += s.dim(d).value();
        }
        out.add(sum < 0 ? Dim.unknown() : Dim.of(sum));
        continue;
      }
      Dim r = Dim.unknown();
      for (Shape s : shapes) {
        if (s.hasRank()) {
          r = sameDim(n, r, s.dim(d), "inputs " + shapes + " differ outside the concat axis " + axis);
        }
      }
      out.add(r);
    }
    Shape result = Shape.of(out);
    cx.fold(n, result);
    return result;
  }

  private static List<ValueInfo> split(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    int count = n.outputs().size();
    List<ValueInfo> out = new ArrayList<>();
    DataType type = cx.typeOf(n, 0);
    if (!x.hasRank()) {
      for (int i = 0; i < count; i++) {
        out.add(new ValueInfo("", type, Shape.unknown()));
      }
      return out;
    }
    int axis = normAxis(n, n.attrInt("axis", 0), x.rank(), "axis");
    Dim d = x.dim(axis);
    long[] sizes = null;
    boolean unknownSizes = false;
    if (n.hasInput(1)) {
      sizes = cx.constInts(n, 1);
      unknownSizes = sizes == null;
    } else if (n.hasAttribute("split")) {
      sizes = n.attrInts("split");
    }
    if (sizes != null) {
      if (sizes.length != count) {
        throw fail(n, "split " + Arrays.toString(sizes) + " has " + sizes.length + " sizes for "
            + count + " outputs");
      }
      long sum = 0;
      for (long s : sizes) {
        if (s < 0) {
          throw fail(n, "negative size in split " + Arrays.toString(sizes));
        }
        sum += s;
      }
      if (d.isKnown() && sum != d.value()) {
        throw fail(n, "split " + Arrays.toString(sizes) + " sums to " + sum + " but axis " + axis
            + " of input " + x + " has " + d.value());
      }
    } else if (!unknownSizes && d.isKnown()) {
      long total = d.value();
      sizes = new long[count];
      if (n.hasAttribute("num_outputs")) {
        long num = n.attrInt("num_outputs", 0);
        if (num != count) {
          throw fail(n, "num_outputs is " + num + " but the node has " + count + " outputs");
        }
        long chunk = Layout.ceilDiv(total, count);
        long last = total - chunk * (count - 1);
        if (last < 0) {
          throw fail(n, "cannot split " + total + " into " + count + " chunks of " + chunk);
        }
        Arrays.fill(sizes, chunk);
        sizes[count - 1] = last;
      } else {
        if (total % count != 0) {
          throw fail(n, "axis " + axis + " of input " + x + " does not split evenly into " + count
              + " outputs");
        }
        Arrays.fill(sizes, total / count);
      }
    }
    for (int i = 0; i < count; i++) {
      List<Dim> dims = new ArrayList<>(x.dims());
      dims.set(axis, sizes == null ? Dim.unknown() : Dim.of(sizes[i]));
      out.add(new ValueInfo("", type, Shape.of(dims)));
    }
    return out;
  }

  private static Shape slice(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    long[] starts;
    long[] ends;
    long[] axes = null;
    long[] steps = null;
    boolean axesGiven;
    if (n.inputs().size() > 1) {
      starts = cx.constInts(n, 1);
      ends = cx.constInts(n, 2);
      axesGiven = n.hasInput(3);
      if (axesGiven) {
        axes = cx.constInts(n, 3);
      }
      if (n.hasInput(4)) {
        steps = cx.constInts(n, 4);
        if (steps == null) {
          starts = null; // unknown steps make every sliced length unknown
        }
      }
    } else {
      starts = n.attrInts("starts");
      ends = n.attrInts("ends");
      axesGiven = n.hasAttribute("axes");
      axes = n.attrInts("axes");
      if (starts == null || ends == null) {
        throw fail(n, "needs starts and ends");
      }
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    if (axesGiven && axes == null) {
      return Shape.ofRank(rank);
    }
    if (starts == null || ends == null) {
      if (axes == null) {
        return Shape.ofRank(rank);
      }
      List<Dim> dims = new ArrayList<>(x.dims());
      for (long a : axes) {
        dims.set(normAxis(n, a, rank, "axes"), Dim.unknown());
      }
      return Shape.of(dims);
    }
    if (starts.length != ends.length || axes != null && axes.length != starts.length
        || steps != null && steps.length != starts.length) {
      throw fail(n, "starts, ends, axes and steps differ in length");
    }
    if (axes == null) {
      axes = new long[starts.length];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = i;
      }
    }
    int[] axisOf = new int[starts.length];
    boolean[] seen = new boolean[rank];
    List<Dim> dims = new ArrayList<>(x.dims());
    for (int i = 0; i < starts.length; i++) {
      int a = normAxis(n, axes[i], rank, "axes");
      if (seen[a]) {
        throw fail(n, "axis " + a + " is sliced twice");
      }
      seen[a] = true;
      axisOf[i] = a;
      long step = steps == null ? 1 : steps[i];
      if (step == 0) {
        throw fail(n, "step is 0 on axis " + a);
      }
      Dim d = x.dim(a);
      if (!d.isKnown()) {
        boolean whole = step == 1 && starts[i] == 0 && ends[i] >= Integer.MAX_VALUE;
        dims.set(a, whole ? d : Dim.unknown());
        continue;
      }
      long[] r = Layout.sliceRange(d.value(), starts[i], ends[i], step);
      dims.set(a, Dim.of(r[2]));
    }
    Shape out = Shape.of(dims);
    cx.fold(n, out);
    return out;
  }

  private static Shape gather(InferenceContext cx, Node n) {
    Shape data = cx.shapeOf(n, 0);
    Shape idx = cx.shapeOf(n, 1);
    if (!data.hasRank()) {
      return Shape.unknown();
    }
    if (data.rank() == 0) {
      throw fail(n, "data is a scalar");
    }
    int axis = normAxis(n, n.attrInt("axis", 0), data.rank(), "axis");
    long[] indices = cx.constInts(n, 1);
    Dim d = data.dim(axis);
    if (indices != null && d.isKnown()) {
      for (long i : indices) {
        if (i < -d.value() || i >= d.value()) {
          throw fail(n, "index " + i + " is out of range for axis " + axis + " of " + data);
        }
      }
    }
    if (!idx.hasRank()) {
      return Shape.unknown();
    }
    List<Dim> out = new ArrayList<>(data.dims().subList(0, axis));
    out.addAll(idx.dims());
    out.addAll(data.dims().subList(axis + 1, data.rank()));
    Shape result = Shape.of(out);
    cx.fold(n, result);
    return result;
  }

  private static void ncnnConcat(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.output(0));
    int axis = ncnnAxis(n, n.attrInt("axis", 1), r);
    String[] ins = new String[n.inputs().size()];
    for (int i = 0; i < ins.length; i++) {
      ins[i] = cx.blob(n, i, r);
    }
    cx.emit(layer("Concat", cx.layerName(n)).inputs(ins).outputs(n.output(0))
        .intAttr(NcnnParams.CONCAT_AXIS, axis).build());
  }

  private static void ncnnSplit(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.input(0));
    int axis = ncnnAxis(n, n.attrInt("axis", 0), r);
    long[] sizes = n.attrInts("split");
    if (sizes == null && n.hasInput(1)) {
      LongTensor s = cx.intsOf(n.input(1));
      if (s == null) {
        throw unsupported(n, "its split sizes are not constants");
      }
      sizes = s.data().clone();
    }
    int outs = n.outputs().size();
    if (sizes == null) {
      Shape in = cx.shape(n.input(0));
      Dim d = in.dim(axis + 1);
      sizes = new long[outs];
      if (d.isKnown()) {
        long each = (d.value() + outs - 1) / outs; // ONNX: equal parts, the last one smaller
        for (int i = 0; i < outs; i++) {
          sizes[i] = Math.min(each, d.value() - each * i);
        }
      } else {
        Arrays.fill(sizes, NcnnParams.Slice.EVEN);
      }
    }
    if (sizes.length != outs) {
      throw unsupported(n, sizes.length + " split sizes for " + outs + " outputs");
    }
    cx.emit(layer("Slice", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.outputs().toArray(String[]::new))
        .intsAttr(NcnnParams.Slice.SLICES, sizes).intAttr(NcnnParams.Slice.AXIS, axis).build());
  }

  private static void ncnnSlice(LoweringContext cx, Node n) {
    long[] starts;
    long[] ends;
    long[] axes;
    long[] steps = null;
    if (n.hasAttribute("starts")) {
      starts = n.attrInts("starts");
      ends = n.attrInts("ends");
      axes = n.attrInts("axes");
    } else {
      starts = cx.constInts(n, 1);
      ends = cx.constInts(n, 2);
      axes = n.hasInput(3) ? cx.constInts(n, 3) : null;
      steps = n.hasInput(4) ? cx.constInts(n, 4) : null;
    }
    Shape in = cx.shape(n.input(0));
    if (!in.isKnown()) {
      throw unsupported(n, "the shape of its input is not known");
    }
    long[] dims = in.toArray();
    List<Long> s = new ArrayList<>();
    List<Long> e = new ArrayList<>();
    List<Long> a = new ArrayList<>();
    for (int i = 0; i < starts.length; i++) {
      int axis = (int) (axes == null ? i : axes[i] < 0 ? axes[i] + dims.length : axes[i]);
      long step = steps == null ? 1 : steps[i];
      long size = dims[axis];
      long st = clampIndex(starts[i], size);
      long en = clampIndex(ends[i], size);
      if (step != 1) {
        throw unsupported(n, "step " + step + " on axis " + axis
            + " (ncnn crops are contiguous; the Focus rewrite removes strided slices)");
      }
      if (st == 0 && en == size) {
        continue;
      }
      if (axis == 0) {
        throw unsupported(n, "it slices the batch axis");
      }
      s.add(st);
      e.add(en);
      a.add((long) axis - 1);
    }
    String x = cx.blob(n, 0);
    if (a.isEmpty()) {
      cx.passThrough(n, x);
      return;
    }
    cx.emit(layer("Crop", cx.layerName(n)).inputs(x).outputs(n.output(0))
        .intsAttr(NcnnParams.Crop.STARTS, toArray(s)).intsAttr(NcnnParams.Crop.ENDS, toArray(e))
        .intsAttr(NcnnParams.Crop.AXES, toArray(a)).build());
  }

  private static long clampIndex(long i, long size) {
    long v = i < 0 ? i + size : i;
    return Math.max(0, Math.min(size, v));
  }

  private static long[] toArray(List<Long> l) {
    return l.stream().mapToLong(Long::longValue).toArray();
  }
}
