package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.broadcast;
import static dev.reparo.graph.ops.Rules.fail;
import static dev.reparo.graph.ops.Rules.normAxis;
import static dev.reparo.graph.ops.Rules.product;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.Layout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Operators that give a tensor a new shape or axis order: Reshape, Flatten, Squeeze, Unsqueeze,
 * Expand, Transpose.
 */
final class ReshapeOps {
  private ReshapeOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("Reshape", 2, 2, 1, 1, Map.of("allowzero", INT), (cx, n) -> cx.one(n, reshape(cx, n)))
            .folder((n, in, opset) -> Layout.reshape(in.get(0), in.get(1).longs(), n.attrInt("allowzero", 0) != 0))
            .ncnn(ReshapeOps::ncnnReshape),
        op("Unsqueeze", 1, 2, 1, 1, Map.of("axes", INTS), (cx, n) -> cx.one(n, unsqueeze(cx, n)))
            .folder((n, in, opset) -> Layout.unsqueeze(in.get(0), ConstantEvaluator.axes(n, in, opset)))
            .ncnn(ReshapeOps::ncnnReshape),
        op("Squeeze", 1, 2, 1, 1, Map.of("axes", INTS), (cx, n) -> cx.one(n, squeeze(cx, n)))
            .folder((n, in, opset) -> Layout.squeeze(in.get(0), ConstantEvaluator.axes(n, in, opset)))
            .ncnn(ReshapeOps::ncnnReshape),
        op("Flatten", 1, 1, 1, 1, Map.of("axis", INT), (cx, n) -> cx.one(n, flatten(cx, n)))
            .ncnn(ReshapeOps::ncnnFlatten),
        op("Expand", 2, 2, 1, 1, Map.of(), (cx, n) -> cx.one(n, expand(cx, n)))
            .folder((n, in, opset) -> Layout.expand(in.get(0), in.get(1).longs())),
        op("Transpose", 1, 1, 1, 1, Map.of("perm", INTS), (cx, n) -> cx.one(n, transpose(cx, n)))
            .folder((n, in, opset) -> Layout.transpose(in.get(0), n.attrInts("perm")))
            .ncnn(ReshapeOps::ncnnTranspose));
  }

  private static Shape reshape(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    ConstValue target = cx.knownOf(n, 1);
    if (target == null || target.isFloat()) {
      Shape s = cx.shapeOf(n, 1);
      return s.hasRank() && s.rank() == 1 && s.dim(0).isKnown() ? Shape.ofRank((int) s.dim(0).value())
          : Shape.unknown();
    }
    if (target.rank() != 1) {
      throw fail(n, "shape input must be 1-D, got " + Arrays.toString(target.shape()));
    }
    boolean allowZero = n.attrInt("allowzero", 0) != 0;
    List<Dim> dims = new ArrayList<>();
    int inferAt = -1;
    for (int i = 0; i < target.size(); i++) {
      if (!target.elemKnown(i)) {
        dims.add(target.dimAt(i));
        continue;
      }
      long v = target.ints()[i];
      if (v == 0 && !allowZero) {
        if (x.hasRank() && i >= x.rank()) {
          throw fail(n, "shape " + target + " copies dim " + i + " (0) but input " + x + " has rank "
              + x.rank());
        }
        dims.add(x.hasRank() ? x.dim(i) : Dim.unknown());
      } else if (v == -1) {
        if (inferAt >= 0) {
          throw fail(n, "shape " + target + " has more than one -1");
        }
        inferAt = i;
        dims.add(Dim.unknown());
      } else if (v < 0) {
        throw fail(n, "shape " + target + " has invalid size " + v);
      } else {
        dims.add(Dim.of(v));
      }
    }
    if (x.hasRank()) {
      // Cancel the symbols and known sizes the two sides share; what remains must match.
      long inKnown = 1;
      long outKnown = 1;
      List<Object> inRest = new ArrayList<>();
      for (Dim d : x.dims()) {
        if (d.isKnown()) {
          inKnown *= d.value();
        } else {
          inRest.add(d.isSymbolic() ? d.param() : new Object());
        }
      }
      boolean outComplete = true;
      for (int i = 0; i < dims.size(); i++) {
        Dim d = dims.get(i);
        if (i == inferAt) {
          continue;
        }
        if (d.isKnown()) {
          outKnown *= d.value();
        } else if (!(d.isSymbolic() && inRest.remove(d.param()))) {
          outComplete = false;
        }
      }
      if (outComplete && inRest.isEmpty()) {
        if (inferAt >= 0) {
          if (outKnown == 0 || inKnown % outKnown != 0) {
            throw fail(n, "cannot reshape input " + x + " to " + target);
          }
          dims.set(inferAt, Dim.of(inKnown / outKnown));
        } else if (inKnown != outKnown) {
          throw fail(n, "cannot reshape input " + x + " (" + inKnown + " elements) to " + Shape.of(dims));
        }
      }
    }
    Shape out = Shape.of(dims);
    cx.copyKnown(n, 0, out);
    return out;
  }

  private static Shape unsqueeze(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    long[] axes = n.hasInput(1) ? cx.constInts(n, 1) : n.attrInts("axes");
    if (axes == null && !n.hasInput(1)) {
      throw fail(n, "has no axes");
    }
    if (axes == null || !x.hasRank()) {
      return axes == null || !x.hasRank() ? Shape.unknown() : Shape.ofRank(x.rank() + axes.length);
    }
    int rank = x.rank() + axes.length;
    boolean[] isNew = new boolean[rank];
    for (long a : axes) {
      int at = normAxis(n, a, rank, "axes");
      if (isNew[at]) {
        throw fail(n, "axes " + Arrays.toString(axes) + " repeat axis " + at);
      }
      isNew[at] = true;
    }
    List<Dim> dims = new ArrayList<>();
    int next = 0;
    for (int i = 0; i < rank; i++) {
      dims.add(isNew[i] ? Dim.of(1) : x.dim(next++));
    }
    Shape out = Shape.of(dims);
    cx.copyKnown(n, 0, out);
    return out;
  }

  private static Shape squeeze(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    boolean axesGiven = n.hasInput(1) || n.hasAttribute("axes");
    long[] axes = n.hasInput(1) ? cx.constInts(n, 1) : n.attrInts("axes");
    if (!x.hasRank() || axesGiven && axes == null) {
      return Shape.unknown();
    }
    boolean[] drop = new boolean[x.rank()];
    if (axes == null) {
      for (int i = 0; i < x.rank(); i++) {
        Dim d = x.dim(i);
        if (!d.isKnown()) {
          return Shape.unknown(); // might or might not be 1
        }
        drop[i] = d.value() == 1;
      }
    } else {
      for (long a : axes) {
        int at = normAxis(n, a, x.rank(), "axes");
        Dim d = x.dim(at);
        if (d.isKnown() && d.value() != 1) {
          throw fail(n, "cannot squeeze axis " + at + " of " + x + ": its size is not 1");
        }
        drop[at] = true;
      }
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < x.rank(); i++) {
      if (!drop[i]) {
        dims.add(x.dim(i));
      }
    }
    Shape out = Shape.of(dims);
    cx.copyKnown(n, 0, out);
    return out;
  }

  private static Shape flatten(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.ofRank(2);
    }
    long axis = n.attrInt("axis", 1);
    int rank = x.rank();
    if (axis < -rank || axis > rank) {
      throw fail(n, "axis " + axis + " is out of range for input " + x);
    }
    int a = (int) (axis < 0 ? axis + rank : axis);
    Shape out = Shape.of(List.of(product(x.dims().subList(0, a)), product(x.dims().subList(a, rank))));
    cx.copyKnown(n, 0, out);
    return out;
  }

  private static Shape expand(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    ConstValue target = cx.knownOf(n, 1);
    if (target == null || target.isFloat()) {
      Shape s = cx.shapeOf(n, 1);
      if (x.hasRank() && s.hasRank() && s.rank() == 1 && s.dim(0).isKnown()) {
        return Shape.ofRank((int) Math.max(x.rank(), s.dim(0).value()));
      }
      return Shape.unknown();
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      dims.add(target.dimAt(i));
    }
    return broadcast(n, List.of(x, Shape.of(dims)));
  }

  private static Shape transpose(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    long[] perm = n.attrInts("perm");
    if (perm == null) {
      perm = new long[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = rank - 1 - i;
      }
    }
    if (perm.length != rank) {
      throw fail(n, "perm " + Arrays.toString(perm) + " does not fit input " + x);
    }
    boolean[] seen = new boolean[rank];
    List<Dim> dims = new ArrayList<>();
    for (long p : perm) {
      if (p < 0 || p >= rank || seen[(int) p]) {
        throw fail(n, "perm " + Arrays.toString(perm) + " is not a permutation of 0.." + (rank - 1));
      }
      seen[(int) p] = true;
      dims.add(x.dim((int) p));
    }
    return Shape.of(dims);
  }

  private static void ncnnReshape(LoweringContext cx, Node n) {
    Shape o = cx.shape(n.output(0));
    Shape in = cx.shape(n.input(0));
    if (!o.isKnown()) {
      throw unsupported(n, "its output shape is not known");
    }
    long[] dims = o.toArray();
    if (dims.length < 2 || dims[0] != 1) {
      throw unsupported(n, "it reshapes to " + o + ", which moves the batch axis");
    }
    String x = cx.blob(n, 0);
    if (in.equals(o)) {
      cx.passThrough(n, x);
      return;
    }
    cx.emit(cx.reshapeLayer(cx.layerName(n), x, n.output(0), dims));
  }

  private static void ncnnFlatten(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.input(0));
    long axis = n.attrInt("axis", 1);
    if (axis < 0) {
      axis += r;
    }
    if (axis != 1) {
      throw unsupported(n, "Flatten on axis " + axis + " (ncnn flattens all but the batch)");
    }
    cx.emit(layer("Flatten", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0)).build());
  }

  /** ncnn's Permute orders: output axes innermost first, as letters of the input's axes. */
  private static final String[][] PERMUTE_ORDERS = {
    {"wh", "hw"},
    {"whc", "hwc", "wch", "cwh", "hcw", "chw"},
    {"whdc", "hwdc", "wdhc", "dwhc", "hdwc", "dhwc", "whcd", "hwcd", "wchd", "cwhd", "hcwd",
      "chwd", "wdch", "dwch", "wcdh", "cwdh", "dcwh", "cdwh", "hdcw", "dhcw", "hcdw", "chdw",
      "dchw", "cdhw"},
  };

  private static void ncnnTranspose(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.input(0));
    long[] perm = n.attrInts("perm");
    if (perm == null) {
      perm = new long[r];
      for (int i = 0; i < r; i++) {
        perm[i] = r - 1 - i;
      }
    }
    if (perm[0] != 0) {
      throw unsupported(n, "perm " + Arrays.toString(perm) + " moves the batch axis");
    }
    String x = cx.blob(n, 0);
    boolean identity = true;
    for (int i = 0; i < r; i++) {
      identity &= perm[i] == i;
    }
    if (identity) {
      cx.passThrough(n, x);
      return;
    }
    if (r < 3 || r > 5) {
      throw unsupported(n, "rank " + r + " permutes are not supported");
    }
    String letters = r == 3 ? "hw" : r == 4 ? "chw" : "cdhw"; // input axes 1.. outer first
    StringBuilder wanted = new StringBuilder();
    for (int i = r - 1; i >= 1; i--) {
      wanted.append(letters.charAt((int) perm[i] - 1));
    }
    String[] orders = PERMUTE_ORDERS[r - 3];
    int order = Arrays.asList(orders).indexOf(wanted.toString());
    cx.emit(layer("Permute", cx.layerName(n)).inputs(x).outputs(n.output(0))
        .intAttr(NcnnParams.PERMUTE_ORDER_TYPE, order).build());
  }
}
