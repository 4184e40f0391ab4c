package dev.reparo.graph.constant;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Node;

/** The value a {@code Constant} node holds, read from its one value attribute. */
public final class ConstantNode {
  private ConstantNode() {}

  /**
   * The numeric value of a Constant node, or null when it holds strings ({@code value_string(s)}).
   *
   * @throws CannotFold if the node has not exactly one value attribute, or one of an unknown kind
   */
  public static ConstValue value(Node n) throws CannotFold {
    if (n.attributes().size() != 1) {
      throw new CannotFold("must have exactly one value attribute, has " + n.attributes().keySet());
    }
    Attribute a = n.attributes().values().iterator().next();
    return switch (a.name()) {
      case "value" -> a.isFloatTensor() ? ConstValue.of(a.asTensor()) : ConstValue.of(a.asLongTensor());
      case "value_float" -> ConstValue.ofFloats(new int[0], new float[] {a.asFloat()});
      case "value_floats" -> {
        float[] f = a.asFloats();
        yield ConstValue.ofFloats(new int[] {f.length}, f);
      }
      case "value_int" -> ConstValue.ofInts(DataType.INT64, new int[0], new long[] {a.asInt()});
      case "value_ints" -> {
        long[] v = a.asInts();
        yield ConstValue.ofInts(DataType.INT64, new int[] {v.length}, v);
      }
      case "value_string", "value_strings" -> null;
      default -> throw new CannotFold("unsupported value attribute '" + a.name() + "'");
    };
  }
}
