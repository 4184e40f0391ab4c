package dev.reparo.graph.ops;

import dev.reparo.graph.Node;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.ConstValue;
import java.util.List;

/**
 * Evaluates a node on constant inputs with the folder its {@link OpDef} registers: the operators
 * exporters use to compute shapes, indices and small parameters (Constant, Identity, Shape, Gather,
 * Unsqueeze, Squeeze, Cast, Concat, Expand, Range, ConstantOfShape, Reshape, Slice, Add, Sub, Mul,
 * Div, Pow, Equal and Where). It is not a numeric oracle: tests check it against ONNX Runtime.
 * Stateless, thread-safe.
 */
public final class ConstantEvaluator {
  private ConstantEvaluator() {}

  /** True for the operators {@link #evaluate} knows. */
  public static boolean supports(String opType) {
    OpDef d = OpTable.get(opType);
    return d != null && d.folder() != null;
  }

  /**
   * The outputs of {@code n} given its inputs, one per input of the node ({@code null} where an
   * optional input is omitted).
   *
   * @throws CannotFold if the operator is not one this evaluator knows, or the result would not be
   *     faithful (types Reparo cannot store, division by zero, too many elements)
   */
  public static List<ConstValue> evaluate(Node n, List<ConstValue> in, long opset) throws CannotFold {
    OpDef d = OpTable.get(n.opType());
    if (d == null || d.folder() == null) {
      throw new CannotFold("no constant evaluator for " + n.opType());
    }
    return List.of(d.folder().fold(n, in, opset));
  }

  /** Squeeze and Unsqueeze axes: an input from opset 13, an attribute before. */
  static long[] axes(Node n, List<ConstValue> in, long opset) throws CannotFold {
    return opset >= 13 ? longsOrNull(in, 1) : n.attrInts("axes");
  }

  /** Optional input i's integers, or null when it is omitted. */
  static long[] longsOrNull(List<ConstValue> in, int i) throws CannotFold {
    ConstValue v = i < in.size() ? in.get(i) : null;
    return v == null ? null : v.longs();
  }
}
