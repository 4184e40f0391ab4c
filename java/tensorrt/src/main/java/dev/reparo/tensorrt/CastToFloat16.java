package dev.reparo.tensorrt;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes a float32 graph compute in float16 for TensorRT's strongly typed networks, except where
 * float16 would be wrong. Each node that computes on float values gets a precision:
 *
 * <ul>
 *   <li>FP32 ("island") when a weight it reads (initializer or Constant) holds a magnitude beyond
 *       float16's {@value #FP16_MAX}; when an output reached beyond {@value #OUTPUT_LIMIT} in a
 *       reference run ({@link ActivationPeaks}; float16's step is 0.5 from 512 to 1024, where decoded
 *       box coordinates and sizes of a 640-px model lie; the threshold is the one NVIDIA's AutoCast
 *       uses); when ONNX defines the op for float32 only ({@link #FLOAT_ONLY_OPS}); when attributes
 *       fix a float32 output ({@link #FIXED_FLOAT_OUTPUT}: Constant with value, value_float or
 *       value_floats, ConstantOfShape...);
 *   <li>FP16 otherwise: its float outputs become float16 (a Cast node to FLOAT becomes a Cast to
 *       FLOAT16).
 * </ul>
 *
 * Then each float edge whose producer's precision differs from what its consumer needs gets one
 * Cast (shared per value and direction); inputs ONNX allows only in float32 ({@link
 * #FLOAT_ONLY_INPUTS}: Resize roi/scales, Upsample scales) always receive float32. Weights keep
 * their float32 data behind a Cast, which TensorRT folds at build time. Graph inputs and outputs
 * keep their names and float32 type. The caller's graph is not modified. Stateless and
 * thread-safe.
 */
final class CastToFloat16 {
  /** Part of the engine cache key: bump it whenever the rewrite's output changes. */
  static final String VERSION = "fp16-rewrite=2";

  /** The largest finite float16. */
  static final float FP16_MAX = 65504f;

  /** An output whose magnitude reaches beyond this in the reference run keeps its node FP32. */
  static final float OUTPUT_LIMIT = 512f;

  /** Ops ONNX defines for float32 only. */
  static final Set<String> FLOAT_ONLY_OPS = Set.of("NonMaxSuppression");

  /** Ops whose attributes fix a float32 output whatever their inputs are. */
  static final Set<String> FIXED_FLOAT_OUTPUT = Set.of("Constant", "ConstantOfShape", "RandomNormal",
      "RandomUniform", "RandomNormalLike", "RandomUniformLike", "EyeLike", "Bernoulli", "Multinomial");

  /** Inputs (by index) that stay float32 whatever the node's precision. */
  static final Map<String, Set<Integer>> FLOAT_ONLY_INPUTS = Map.of("Resize", Set.of(1, 2), "Upsample", Set.of(1));

  private CastToFloat16() {}

  /** The rewrite with the static rules only (no reference run). */
  static Graph apply(Graph source) {
    return apply(source, Map.of());
  }

  /**
   * The rewrite.
   *
   * @param peaks largest magnitude of each value in a reference run ({@link ActivationPeaks}); values
   *     missing from it count as small
   */
  static Graph apply(Graph source, Map<String, Float> peaks) {
    Graph g = source.copy();
    Set<String> types = FloatTypes.of(source);
    Map<String, Tensor> constants = floatConstants(g);
    Map<String, Boolean> producedHalf = new HashMap<>();
    List<Node> nodes = List.copyOf(g.nodes());
    Map<Node, Boolean> half = new HashMap<>();
    for (Node n : nodes) {
      boolean h = touchesFloat(n, types) && keepReason(n, types, constants, peaks).isEmpty();
      half.put(n, h);
      for (String out : n.outputs()) {
        if (isFloat(out, types)) {
          producedHalf.put(out, h);
        }
      }
    }
    Map<String, String> casts = new HashMap<>();
    for (Node n : nodes) {
      boolean h = half.get(n);
      List<String> inputs = new ArrayList<>(n.inputs());
      Set<Integer> floatOnly = FLOAT_ONLY_INPUTS.getOrDefault(n.opType(), Set.of());
      for (int i = 0; i < inputs.size(); i++) {
        String v = inputs.get(i);
        if (v.isEmpty() || !isFloat(v, types)) {
          continue;
        }
        boolean wantHalf = h && !floatOnly.contains(i);
        if (wantHalf != producedHalf.getOrDefault(v, false)) {
          inputs.set(i, cast(g, casts, v, wantHalf));
        }
      }
      Node m = n.withInputs(inputs);
      if (h && m.opType().equals("Cast") && m.attrInt("to", 0) == DataType.FLOAT.onnxCode()) {
        m = m.withAttribute(Attribute.of("to", (long) DataType.FLOAT16.onnxCode()));
      }
      if (!m.equals(n)) {
        g.replaceNode(n, m);
      }
    }
    for (ValueInfo out : g.outputs()) {
      if (producedHalf.getOrDefault(out.name(), false)) {
        String halfName = g.uniqueName(out.name() + "_fp16");
        renameValue(g, out.name(), halfName);
        g.addNode(Node.builder("Cast").name(g.uniqueName(out.name() + "_to_fp32")).inputs(halfName)
            .outputs(out.name()).intAttr("to", DataType.FLOAT.onnxCode()).build());
      }
    }
    g.clearValueInfo();
    g.sortTopologically();
    return g;
  }

  /**
   * Why a node stays FP32, or empty when it may compute in float16.
   *
   * @param types the graph's float32 values ({@link FloatTypes})
   * @param constants float initializers and Constant outputs by value name
   */
  static String keepReason(Node n, Set<String> types, Map<String, Tensor> constants,
      Map<String, Float> peaks) {
    if (FLOAT_ONLY_OPS.contains(n.opType())) {
      return n.opType() + " is defined for float32 only";
    }
    if (FIXED_FLOAT_OUTPUT.contains(n.opType())) {
      return n.opType() + "'s attributes fix a float32 output";
    }
    Set<Integer> floatOnly = FLOAT_ONLY_INPUTS.getOrDefault(n.opType(), Set.of());
    for (int i = 0; i < n.inputs().size(); i++) {
      Tensor w = constants.get(n.input(i));
      if (w != null && !floatOnly.contains(i)) {
        float m = maxAbs(w.data());
        if (!(m <= FP16_MAX)) {
          return "weight '" + n.input(i) + "' holds " + m + ", beyond float16's " + FP16_MAX;
        }
      }
    }
    for (String out : n.outputs()) {
      Float p = peaks.get(out);
      if (p != null && isFloat(out, types) && !(p <= OUTPUT_LIMIT)) {
        return "output '" + out + "' reaches " + p + " (limit " + OUTPUT_LIMIT + ")";
      }
    }
    return "";
  }

  /** The nodes that stay FP32 in {@link #apply}, each with why: for logs and tests. */
  static Map<String, String> islands(Graph source, Map<String, Float> peaks) {
    Set<String> types = FloatTypes.of(source);
    Map<String, Tensor> constants = floatConstants(source);
    Map<String, String> keep = new LinkedHashMap<>();
    for (Node n : source.nodes()) {
      String why = touchesFloat(n, types) ? keepReason(n, types, constants, peaks) : "";
      if (!why.isEmpty()) {
        keep.put(n.name(), why);
      }
    }
    return keep;
  }

  private static Map<String, Tensor> floatConstants(Graph g) {
    Map<String, Tensor> c = new HashMap<>(g.initializers());
    for (Node n : g.nodes()) {
      if (n.opType().equals("Constant") && n.hasAttribute("value") && n.attribute("value").isFloatTensor()) {
        c.put(n.output(0), n.attribute("value").asTensor());
      } else if (n.opType().equals("Constant") && n.hasAttribute("value_float")) {
        c.put(n.output(0), Tensor.of(new float[] {n.attrFloat("value_float", 0)}));
      } else if (n.opType().equals("Constant") && n.hasAttribute("value_floats")) {
        float[] v = n.attrFloats("value_floats");
        c.put(n.output(0), Tensor.of(v, v.length));
      }
    }
    return c;
  }

  private static float maxAbs(float[] v) {
    float m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x)); // NaN propagates: a NaN weight is not representable either
    }
    return m;
  }

  private static boolean isFloat(String value, Set<String> types) {
    return types.contains(value);
  }

  private static boolean touchesFloat(Node n, Set<String> types) {
    return n.inputs().stream().anyMatch(v -> !v.isEmpty() && isFloat(v, types))
        || n.outputs().stream().anyMatch(v -> isFloat(v, types));
  }

  /** The name of {@code value} cast to float16 ({@code toHalf}) or float32, one Cast per direction. */
  private static String cast(Graph g, Map<String, String> casts, String value, boolean toHalf) {
    return casts.computeIfAbsent(value + (toHalf ? "|16" : "|32"), k -> {
      String suffix = toHalf ? "_fp16" : "_fp32";
      String out = g.uniqueName(value + suffix);
      g.addNode(Node.builder("Cast").name(g.uniqueName(value + "_to" + suffix)).inputs(value).outputs(out)
          .intAttr("to", (toHalf ? DataType.FLOAT16 : DataType.FLOAT).onnxCode()).build());
      return out;
    });
  }

  /** Renames a node output and all its uses (not graph outputs: the caller re-creates those). */
  private static void renameValue(Graph g, String from, String to) {
    for (Node n : List.copyOf(g.nodes())) {
      boolean produces = n.outputs().contains(from);
      boolean uses = n.inputs().contains(from);
      if (!produces && !uses) {
        continue;
      }
      Node m = n;
      if (produces) {
        m = m.withOutputs(n.outputs().stream().map(o -> o.equals(from) ? to : o).toList());
      }
      if (uses) {
        m = m.withInputs(n.inputs().stream().map(i -> i.equals(from) ? to : i).toList());
      }
      g.replaceNode(n, m);
    }
  }
}
