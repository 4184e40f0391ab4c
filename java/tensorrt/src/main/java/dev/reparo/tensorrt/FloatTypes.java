package dev.reparo.tensorrt;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which values of a graph are float32 tensors, from the declared input and initializer types and
 * ONNX's output-type rules, without shapes; so the FP16 rewrite also handles ops Reparo's shape
 * inference does not know (NonMaxSuppression, TopK...). An op not listed here gives every output
 * its first input's type, which is ONNX's rule for the elementwise, layout and pooling ops that
 * make up detectors. Stateless and thread-safe.
 */
final class FloatTypes {
  private static final Set<String> INT64_OUTPUT = Set.of("Shape", "Size", "NonZero", "ArgMax", "ArgMin",
      "NonMaxSuppression");
  private static final Set<String> BOOL_OUTPUT = Set.of("Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
      "And", "Or", "Xor", "Not", "IsNaN", "IsInf");

  private FloatTypes() {}

  /** The float32 values of {@code g}, whose nodes are in topological order. */
  static Set<String> of(Graph g) {
    Map<String, DataType> t = new HashMap<>();
    g.valueInfos().forEach((k, v) -> t.put(k, v.type()));
    g.inputs().forEach(v -> t.put(v.name(), v.type()));
    g.initializers().keySet().forEach(k -> t.put(k, DataType.FLOAT));
    g.longInitializers().forEach((k, v) -> t.put(k, v.type()));
    for (Node n : g.nodes()) {
      for (int i = 0; i < n.outputs().size(); i++) {
        DataType d = output(n, i, t);
        if (d != DataType.UNDEFINED) {
          t.put(n.output(i), d);
        }
      }
    }
    Set<String> floats = new HashSet<>();
    t.forEach((k, v) -> {
      if (v == DataType.FLOAT) {
        floats.add(k);
      }
    });
    return floats;
  }

  private static DataType in(Node n, int i, Map<String, DataType> t) {
    return n.hasInput(i) && !n.input(i).isEmpty() ? t.getOrDefault(n.input(i), DataType.UNDEFINED)
        : DataType.UNDEFINED;
  }

  private static DataType code(long onnx) {
    DataType d = onnx == (int) onnx ? DataType.fromOnnx((int) onnx) : null;
    return d == null ? DataType.UNDEFINED : d;
  }

  private static DataType tensorAttr(Attribute a) {
    return a.isFloatTensor() ? DataType.FLOAT : a.asLongTensor().type();
  }

  private static DataType output(Node n, int i, Map<String, DataType> t) {
    String op = n.opType();
    if (INT64_OUTPUT.contains(op) || (op.equals("TopK") || op.equals("MaxPool")) && i == 1) {
      return DataType.INT64;
    }
    if (BOOL_OUTPUT.contains(op) || op.equals("Dropout") && i == 1) {
      return DataType.BOOL;
    }
    return switch (op) {
      case "Cast" -> code(n.attrInt("to", 0));
      case "CastLike" -> in(n, 1, t);
      case "Where" -> in(n, 1, t);
      case "DequantizeLinear" -> in(n, 1, t);
      case "QuantizeLinear" -> n.hasInput(2) && !n.input(2).isEmpty() ? in(n, 2, t) : DataType.UINT8;
      case "Constant" -> n.hasAttribute("value") ? tensorAttr(n.attribute("value"))
          : n.hasAttribute("value_float") || n.hasAttribute("value_floats") ? DataType.FLOAT
          : n.hasAttribute("value_int") || n.hasAttribute("value_ints") ? DataType.INT64 : DataType.UNDEFINED;
      case "ConstantOfShape" -> n.hasAttribute("value") ? tensorAttr(n.attribute("value")) : DataType.FLOAT;
      case "RandomNormal", "RandomUniform" -> code(n.attrInt("dtype", DataType.FLOAT.onnxCode()));
      case "RandomNormalLike", "RandomUniformLike", "EyeLike", "Bernoulli" ->
          n.hasAttribute("dtype") ? code(n.attrInt("dtype", 0)) : in(n, 0, t);
      case "Multinomial" -> code(n.attrInt("dtype", DataType.INT32.onnxCode()));
      default -> {
        for (int k = 0; k < n.inputs().size(); k++) {
          DataType d = in(n, k, t);
          if (d != DataType.UNDEFINED) {
            yield d;
          }
        }
        yield DataType.UNDEFINED;
      }
    };
  }

  /** A float32 value's info for a graph output, shape unknown. */
  static ValueInfo floatOutput(String name) {
    return new ValueInfo(name, DataType.FLOAT, dev.reparo.graph.Shape.unknown());
  }
}
