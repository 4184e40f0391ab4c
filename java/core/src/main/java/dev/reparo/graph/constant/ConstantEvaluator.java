package dev.reparo.graph.constant;

import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import java.util.List;

/**
 * Evaluates, on constants, the operators exporters use to compute shapes, indices and small
 * parameters: Constant, Identity, Shape, Gather, Unsqueeze, Squeeze, Cast, Concat, Expand, Range,
 * ConstantOfShape, Reshape, Slice, Add, Sub, Mul, Div, Pow, Equal and Where. It reads a node's
 * attributes and inputs and hands them to the kernels ({@link Arithmetic}, {@link Casts}, {@link
 * Layout}, {@link Generators}). It is not a numeric oracle: tests check it against ONNX Runtime.
 * Stateless, thread-safe.
 */
public final class ConstantEvaluator {
  private ConstantEvaluator() {}

  /** True for the operators {@link #evaluate} knows. */
  public static boolean supports(String opType) {
    return switch (opType) {
      case "Constant", "Identity", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Concat",
          "Expand", "Range", "ConstantOfShape", "Reshape", "Slice", "Add", "Sub", "Mul", "Div", "Pow",
          "Equal", "Where" -> true;
      default -> false;
    };
  }

  /**
   * The outputs of {@code n} given its inputs, one per input of the node ({@code null} where an
   * optional input is omitted).
   *
   * @throws CannotFold if the operator is not one this evaluator knows, or the result would not be
   *     faithful (types Reparo cannot store, division by zero, too many elements)
   */
  public static List<ConstValue> evaluate(Node n, List<ConstValue> in, long opset) throws CannotFold {
    ConstValue out = switch (n.opType()) {
      case "Constant" -> constant(n);
      case "Identity" -> in.get(0);
      case "Shape" -> Generators.shape(Shape.of(in.get(0).shape()), n.attrInt("start", 0),
          n.attrInt("end", in.get(0).rank()));
      case "Gather" -> Layout.gather(in.get(0), in.get(1), n.attrInt("axis", 0));
      case "Unsqueeze" -> Layout.unsqueeze(in.get(0), axes(n, in, opset >= 13));
      case "Squeeze" -> Layout.squeeze(in.get(0), axes(n, in, opset >= 13));
      case "Cast" -> Casts.cast(in.get(0), Casts.target(n.attrInt("to", 0)));
      case "Concat" -> Layout.concat(in, n.attrInt("axis", 0));
      case "Expand" -> Layout.expand(in.get(0), in.get(1).longs());
      case "Range" -> Generators.range(in.get(0), in.get(1), in.get(2));
      case "ConstantOfShape" -> Generators.constantOfShape(in.get(0).longs(), n.attribute("value"));
      case "Reshape" -> Layout.reshape(in.get(0), in.get(1).longs(), n.attrInt("allowzero", 0) != 0);
      case "Slice" -> slice(n, in, opset);
      case "Add", "Sub", "Mul", "Div", "Pow" -> Arithmetic.binary(n.opType(), in.get(0), in.get(1));
      case "Equal" -> Arithmetic.equal(in.get(0), in.get(1));
      case "Where" -> Arithmetic.where(in.get(0), in.get(1), in.get(2));
      default -> throw new CannotFold("no constant evaluator for " + n.opType());
    };
    return List.of(out);
  }

  private static ConstValue constant(Node n) throws CannotFold {
    ConstValue v = ConstantNode.value(n);
    if (v == null) {
      throw new CannotFold("Constant of kind '" + n.attributes().keySet().iterator().next()
          + "' (strings are not folded)");
    }
    return v;
  }

  private static ConstValue slice(Node n, List<ConstValue> in, long opset) throws CannotFold {
    if (opset < 10) {
      return Layout.slice(in.get(0), n.attrInts("starts"), n.attrInts("ends"), n.attrInts("axes"), null);
    }
    return Layout.slice(in.get(0), in.get(1).longs(), in.get(2).longs(), longsOrNull(in, 3),
        longsOrNull(in, 4));
  }

  private static long[] axes(Node n, List<ConstValue> in, boolean fromInput) throws CannotFold {
    return fromInput ? longsOrNull(in, 1) : n.attrInts("axes");
  }

  private static long[] longsOrNull(List<ConstValue> in, int i) throws CannotFold {
    ConstValue v = i < in.size() ? in.get(i) : null;
    return v == null ? null : v.longs();
  }
}
