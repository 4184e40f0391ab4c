package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.FLOATS;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.Attribute.Type.STRINGS;
import static dev.reparo.graph.Attribute.Type.TENSOR;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.fail;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.Casts;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.ConstantNode;
import dev.reparo.graph.constant.Generators;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Operators that make or pass on values: Constant, Identity, Dropout, Shape, Cast, CastLike,
 * ConstantOfShape, Range.
 */
final class ValueOps {
  private ValueOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("Constant", 0, 0, 1, 1, Map.of("value", TENSOR, "value_float", FLOAT, "value_floats",
            FLOATS, "value_int", INT, "value_ints", INTS, "value_string", STRING, "value_strings",
            STRINGS), ValueOps::constant).folder((n, in, opset) -> foldConstant(n))
            .ncnn(ValueOps::ncnnConstant),
        op("Identity", 1, 1, 1, 1, Map.of(), (cx, n) -> {
          cx.copyKnown(n, 0, null);
          return cx.one(n, cx.shapeOf(n, 0));
        }).folder((n, in, opset) -> in.get(0)).ncnn((cx, n) -> cx.passThrough(n, cx.blob(n, 0))),
        op("Dropout", 1, 3, 1, 2, Map.of("ratio", FLOAT, "seed", INT, "is_test", INT), ValueOps::dropout),
        op("Shape", 1, 1, 1, 1, Map.of("start", INT, "end", INT), ValueOps::shape)
            .folder((n, in, opset) -> Generators.shape(Shape.of(in.get(0).shape()), n.attrInt("start", 0),
                n.attrInt("end", in.get(0).rank()))),
        op("Cast", 1, 1, 1, 1, Map.of("to", INT, "saturate", INT), ValueOps::cast)
            .folder((n, in, opset) -> Casts.cast(in.get(0), Casts.target(n.attrInt("to", 0))))
            .ncnn(ValueOps::ncnnCast),
        op("CastLike", 2, 2, 1, 1, Map.of("saturate", INT), ValueOps::castLike),
        op("ConstantOfShape", 1, 1, 1, 1, Map.of("value", TENSOR), ValueOps::constantOfShape)
            .folder((n, in, opset) -> Generators.constantOfShape(in.get(0).longs(), n.attribute("value"))),
        op("Range", 3, 3, 1, 1, Map.of(), ValueOps::range)
            .folder((n, in, opset) -> Generators.range(in.get(0), in.get(1), in.get(2))));
  }

  private static ConstValue foldConstant(Node n) throws CannotFold {
    ConstValue v = ConstantNode.value(n);
    if (v == null) {
      throw new CannotFold("Constant of kind '" + n.attributes().keySet().iterator().next()
          + "' (strings are not folded)");
    }
    return v;
  }

  private static void ncnnCast(LoweringContext cx, Node n) {
    if (n.attrInt("to", 0) != DataType.FLOAT.onnxCode()) {
      throw unsupported(n, "casts to a type other than float32");
    }
    cx.passThrough(n, cx.blob(n, 0));
  }

  /** A Constant still read at run time (not folded away) becomes a weight. */
  private static void ncnnConstant(LoweringContext cx, Node n) {
    Attribute v = n.attribute("value");
    if (v == null || !v.isFloatTensor()) {
      throw unsupported(n, "only float tensor constants can be kept");
    }
    cx.graph().putInitializer(n.output(0), v.asTensor());
  }

  private static List<ValueInfo> constant(InferenceContext cx, Node n) {
    ConstValue k;
    try {
      k = ConstantNode.value(n);
    } catch (CannotFold e) {
      throw fail(n, e.getMessage());
    }
    if (k == null) {
      Attribute a = n.attributes().values().iterator().next();
      Shape s = a.name().equals("value_string") ? Shape.scalar() : Shape.of(a.asStrings().size());
      return List.of(new ValueInfo("", DataType.STRING, s));
    }
    cx.known().put(n.output(0), k);
    return List.of(new ValueInfo("", k.type(), Shape.of(k.shape())));
  }

  private static List<ValueInfo> shape(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    if (!x.hasRank()) {
      return List.of(new ValueInfo("", DataType.INT64, Shape.ofRank(1)));
    }
    ConstValue dims = Generators.shape(x, n.attrInt("start", 0), n.attrInt("end", x.rank()));
    cx.known().put(n.output(0), dims);
    return List.of(new ValueInfo("", DataType.INT64, Shape.of(dims.shape())));
  }

  private static List<ValueInfo> cast(InferenceContext cx, Node n) {
    if (!n.hasAttribute("to")) {
      throw fail(n, "has no 'to' attribute");
    }
    DataType to;
    try {
      to = Casts.target(n.attrInt("to", 0));
    } catch (CannotFold e) {
      throw fail(n, "casts to unknown type " + n.attrInt("to", 0));
    }
    Shape out = cx.shapeOf(n, 0);
    cx.fold(n, out);
    return List.of(new ValueInfo("", to, out));
  }

  private static List<ValueInfo> castLike(InferenceContext cx, Node n) {
    DataType to = cx.typeOf(n, 1);
    if (to != DataType.UNDEFINED) {
      cx.put(n, () -> Casts.cast(cx.knownOrRefuse(n, 0), to));
    }
    return List.of(new ValueInfo("", to, cx.shapeOf(n, 0)));
  }

  private static List<ValueInfo> constantOfShape(InferenceContext cx, Node n) {
    DataType type;
    try {
      type = Generators.fill(n.attribute("value")).type();
    } catch (CannotFold e) {
      throw fail(n, e.getMessage());
    }
    ConstValue target = cx.knownOf(n, 0);
    if (target == null || target.isFloat()) {
      Shape s = cx.shapeOf(n, 0);
      Shape out = s.hasRank() && s.rank() == 1 && s.dim(0).isKnown() ? Shape.ofRank((int) s.dim(0).value())
          : Shape.unknown();
      return List.of(new ValueInfo("", type, out));
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < target.size(); i++) {
      if (target.elemKnown(i) && target.ints()[i] < 0) {
        throw fail(n, "negative size in shape " + target);
      }
      dims.add(target.dimAt(i));
    }
    Shape out = Shape.of(dims);
    cx.fold(n, out);
    return List.of(new ValueInfo("", type, out));
  }

  private static List<ValueInfo> range(InferenceContext cx, Node n) {
    DataType type = cx.typeOf(n, 0);
    for (int i = 0; i < 3; i++) {
      Shape s = cx.shapeOf(n, i);
      if (s.hasRank() && s.rank() != 0) {
        throw fail(n, "start, limit and delta must be scalars, input " + i + " is " + s);
      }
    }
    ConstValue start = cx.knownOf(n, 0);
    ConstValue limit = cx.knownOf(n, 1);
    ConstValue delta = cx.knownOf(n, 2);
    if (start == null || limit == null || delta == null || !start.fullyKnown() || !limit.fullyKnown()
        || !delta.fullyKnown()) {
      return List.of(new ValueInfo("", type, Shape.ofRank(1)));
    }
    double d = delta.num(0);
    if (d == 0) {
      throw fail(n, "delta is 0");
    }
    long count = Math.max((long) Math.ceil((limit.num(0) - start.num(0)) / d), 0);
    Shape out = Shape.of(count);
    cx.fold(n, out);
    ConstValue v = cx.known().get(n.output(0));
    if (v != null && v.size() != count) {
      cx.known().remove(n.output(0)); // float rounding disagrees with the count; keep only the shape
    }
    return List.of(new ValueInfo("", type, out));
  }

  private static List<ValueInfo> dropout(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    List<ValueInfo> out = new ArrayList<>();
    out.add(new ValueInfo("", cx.typeOf(n, 0), x));
    if (n.outputs().size() > 1) {
      out.add(new ValueInfo("", DataType.BOOL, x));
    }
    return out;
  }
}
