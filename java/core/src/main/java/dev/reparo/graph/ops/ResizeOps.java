package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.FLOATS;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.fail;
import static dev.reparo.graph.ops.Rules.normAxis;

import dev.reparo.format.ncnn.NcnnParams.Interp;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.constant.ConstValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Spatial resizing: Resize and Upsample. */
final class ResizeOps {
  private ResizeOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("Resize", 1, 4, 1, 1, Map.of("mode", STRING, "coordinate_transformation_mode", STRING,
            "nearest_mode", STRING, "cubic_coeff_a", FLOAT, "exclude_outside", INT,
            "extrapolation_value", FLOAT, "antialias", INT, "axes", INTS,
            "keep_aspect_ratio_policy", STRING), (cx, n) -> cx.one(n, resize(cx, n))).ncnn(ResizeOps::ncnnResize),
        op("Upsample", 1, 2, 1, 1, Map.of("mode", STRING, "scales", FLOATS), (cx, n) -> cx.one(n, upsample(cx, n)))
            .ncnn(ResizeOps::ncnnResize));
  }

  private static Shape resize(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    int scalesAt = cx.opset() >= 11 ? 2 : 1;
    int sizesAt = cx.opset() >= 11 ? 3 : -1;
    ConstValue scalesK = n.hasInput(scalesAt) ? cx.knownOf(n, scalesAt) : null;
    ConstValue sizesK = sizesAt >= 0 && n.hasInput(sizesAt) ? cx.knownOf(n, sizesAt) : null;
    boolean scalesGiven = n.hasInput(scalesAt) && !(scalesK != null && scalesK.size() == 0);
    boolean sizesGiven = sizesAt >= 0 && n.hasInput(sizesAt) && !(sizesK != null && sizesK.size() == 0);
    if (scalesGiven == sizesGiven) {
      throw fail(n, scalesGiven ? "gives both scales and sizes" : "gives neither scales nor sizes");
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    int rank = x.rank();
    long[] axes = n.attrInts("axes");
    if (axes == null) {
      axes = new long[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
    }
    int[] ax = new int[axes.length];
    for (int i = 0; i < axes.length; i++) {
      ax[i] = normAxis(n, axes[i], rank, "axes");
    }
    List<Dim> dims = new ArrayList<>(x.dims());
    ConstValue given = scalesGiven ? scalesK : sizesK;
    if (given == null) {
      for (int a : ax) {
        dims.set(a, Dim.unknown());
      }
      return Shape.of(dims);
    }
    if (given.size() != ax.length) {
      throw fail(n, (scalesGiven ? "scales" : "sizes") + " " + given + " have " + given.size()
          + " values for " + ax.length + " axes of input " + x);
    }
    if (scalesGiven) {
      if (!given.isFloat()) {
        throw fail(n, "scales must be float, got " + given.type());
      }
      for (int i = 0; i < ax.length; i++) {
        dims.set(ax[i], scaled(n, x.dim(ax[i]), given.floats()[i]));
      }
      return Shape.of(dims);
    }
    if (given.isFloat()) {
      throw fail(n, "sizes must be int64, got " + given.type());
    }
    String policy = n.attrString("keep_aspect_ratio_policy", "stretch");
    if (policy.equals("stretch")) {
      for (int i = 0; i < ax.length; i++) {
        dims.set(ax[i], given.dimAt(i));
      }
      return Shape.of(dims);
    }
    if (!policy.equals("not_larger") && !policy.equals("not_smaller")) {
      throw fail(n, "unknown keep_aspect_ratio_policy '" + policy + "'");
    }
    float scale = policy.equals("not_larger") ? Float.MAX_VALUE : 0;
    for (int i = 0; i < ax.length; i++) {
      Dim d = x.dim(ax[i]);
      if (!d.isKnown() || !given.elemKnown(i)) {
        for (int a : ax) {
          dims.set(a, Dim.unknown());
        }
        return Shape.of(dims);
      }
      float s = (float) given.ints()[i] / d.value();
      scale = policy.equals("not_larger") ? Math.min(scale, s) : Math.max(scale, s);
    }
    for (int a : ax) {
      dims.set(a, Dim.of(Math.round(scale * x.dim(a).value())));
    }
    return Shape.of(dims);
  }

  private static Shape upsample(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    float[] scales;
    if (n.hasInput(1)) {
      ConstValue k = cx.knownOf(n, 1);
      if (k != null && !k.isFloat()) {
        throw fail(n, "scales must be float, got " + k.type());
      }
      scales = k == null ? null : k.floats();
    } else {
      scales = n.attrFloats("scales");
      if (scales == null) {
        throw fail(n, "has no scales");
      }
    }
    if (!x.hasRank()) {
      return Shape.unknown();
    }
    if (scales == null) {
      return Shape.ofRank(x.rank());
    }
    if (scales.length != x.rank()) {
      throw fail(n, "scales " + Arrays.toString(scales) + " do not fit input " + x);
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < scales.length; i++) {
      dims.add(scaled(n, x.dim(i), scales[i]));
    }
    return Shape.of(dims);
  }

  private static Dim scaled(Node n, Dim d, float scale) {
    if (!(scale > 0)) {
      throw fail(n, "scale " + scale + " is not positive");
    }
    if (scale == 1f) {
      return d;
    }
    // Float arithmetic, floored, as ONNX Runtime computes it.
    return d.isKnown() ? Dim.of((long) Math.floor(d.value() * scale)) : Dim.unknown();
  }

  private static void ncnnResize(LoweringContext cx, Node n) {
    String mode = n.attrString("mode", "nearest");
    Shape in = cx.shape(n.input(0));
    Shape o = cx.shape(n.output(0));
    if (!in.isKnown() || !o.isKnown() || in.rank() != 4 || in.dim(0).value() != o.dim(0).value()
        || in.dim(1).value() != o.dim(1).value()) {
      throw unsupported(n, "only spatial resizing of a known NCHW shape is supported");
    }
    Node.Builder b = layer("Interp", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0));
    String ctm = n.attrString("coordinate_transformation_mode", "half_pixel");
    long oh = o.dim(2).value();
    long ow = o.dim(3).value();
    long ih = in.dim(2).value();
    long iw = in.dim(3).value();
    switch (mode) {
      case "nearest" -> {
        boolean integerScales = oh % ih == 0 && ow % iw == 0;
        if (!integerScales && !ctm.equals("asymmetric")) {
          throw unsupported(n, "nearest resize by a non-integer factor with "
              + ctm + " coordinates");
        }
        b.intAttr(Interp.RESIZE_TYPE, Interp.NEAREST);
      }
      case "linear", "bilinear" -> {
        switch (ctm) {
          case "align_corners" -> b.intAttr(Interp.RESIZE_TYPE, Interp.BILINEAR).intAttr(Interp.ALIGN_CORNER, 1);
          case "half_pixel", "pytorch_half_pixel" -> b.intAttr(Interp.RESIZE_TYPE, Interp.BILINEAR);
          default -> throw unsupported(n, "linear resize with " + ctm + " coordinates");
        }
      }
      default -> throw unsupported(n, "resize mode '" + mode + "'");
    }
    if (oh % ih == 0 && ow % iw == 0) {
      b.floatAttr(Interp.HEIGHT_SCALE, (float) oh / ih).floatAttr(Interp.WIDTH_SCALE, (float) ow / iw);
    } else {
      b.intAttr(Interp.OUTPUT_HEIGHT, oh).intAttr(Interp.OUTPUT_WIDTH, ow);
    }
    cx.emit(b.build());
  }
}
