package dev.reparo.quant;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.UnsupportedOpException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes an explicitly quantized ONNX model (QuantizeLinear/DequantizeLinear pairs, "Q/DQ") from a
 * fused FP32 graph and a calibration table, in the form TensorRT's explicit quantization fuses into
 * int8 convolutions and ONNX Runtime runs on CPU:
 *
 * <ul>
 *   <li>each quantized Conv/Gemm/MatMul input gets {@code Q → DQ} with the per-tensor scale
 *       {@code 1 / s} (ONNX scales divide, ncnn's multiply) and an int8 zero point of 0;
 *   <li>its weight is stored as int8 with one scale per output channel ({@code max|w| / 127}),
 *       dequantized by {@code DequantizeLinear(axis)}, or with {@link WeightScaling#PER_TENSOR} one
 *       scale for the tensor, dequantized by a per-tensor {@code DequantizeLinear};
 *   <li>biases and everything else stay FP32 (TensorRT quantizes the bias itself).
 * </ul>
 *
 * A node is quantized when the table has an input scale under its name: the ncnn lowering keeps
 * ONNX node names as layer names. Graphs below opset 13 are raised to 13 when none of their
 * operators changed signature in 13; otherwise per-channel dequantization (opset 13) fails, and
 * per-tensor dequantization keeps an opset 10-12 graph's opset.
 *
 * <p>Stateless and thread-safe; mutates the graph it is given.
 */
public final class QdqOnnx {
  /** Operators whose inputs or semantics differ between opset 11 and 13. */
  private static final Set<String> CHANGED_IN_13 = Set.of("Split", "Squeeze", "Unsqueeze", "ReduceSum", "Softmax",
      "LogSoftmax", "Hardmax");

  private QdqOnnx() {}

  /**
   * Inserts Q/DQ pairs with per-channel weights for every node the table quantizes.
   *
   * @return the names of the quantized nodes, in graph order
   * @throws UnsupportedOpException if the graph's opset is below 13 and cannot be raised
   */
  public static List<String> apply(Graph graph, CalibrationTable table) {
    return apply(graph, table, WeightScaling.PER_CHANNEL);
  }

  /**
   * Inserts Q/DQ pairs for every node the table quantizes; nodes it does not name stay FP32.
   *
   * @return the names of the quantized nodes, in graph order
   * @throws UnsupportedOpException if the graph's opset is below what the dequantization needs and
   *     cannot be raised
   */
  public static List<String> apply(Graph graph, CalibrationTable table, WeightScaling scaling) {
    if (graph.opset() < 13) {
      Node changed = graph.nodes().stream()
          .filter(n -> (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && CHANGED_IN_13.contains(n.opType()))
          .findFirst().orElse(null);
      if (changed == null) {
        graph.setOpset(13);
      } else if (scaling == WeightScaling.PER_CHANNEL || graph.opset() < 10) {
        String what = scaling == WeightScaling.PER_CHANNEL ? "per-channel DequantizeLinear needs opset 13"
            : "DequantizeLinear needs opset 10";
        throw new UnsupportedOpException(changed, "Q/DQ ONNX", what + ", and this opset " + graph.opset()
            + " graph has a " + changed.opType() + ", which changed in 13; re-export the model with opset 13 or"
            + " later");
      }
    }
    Map<String, String> dequantized = new HashMap<>(); // activation value + scale -> its DQ output
    List<String> done = new ArrayList<>();
    for (Node n : List.copyOf(graph.nodes())) {
      Float s = table.inputScale(n.name());
      if (s == null || n.name().isEmpty()) {
        continue;
      }
      int axis = weightAxis(graph, n);
      if (axis < 0) {
        continue;
      }
      List<String> inputs = new ArrayList<>(n.inputs());
      String x = n.input(0);
      float scale = 1f / s;
      String key = x + "@" + Float.floatToIntBits(scale);
      String xdq = dequantized.get(key);
      if (xdq == null) {
        xdq = quantizeActivation(graph, x, scale);
        dequantized.put(key, xdq);
      }
      inputs.set(0, xdq);
      inputs.set(1, quantizeWeight(graph, n.input(1), axis, scaling));
      graph.replaceNode(n, n.withInputs(inputs));
      if (graph.consumers(n.input(1)).isEmpty()) {
        graph.removeInitializer(n.input(1)); // only the int8 copy is needed
      }
      done.add(n.name());
    }
    graph.sortTopologically();
    return done;
  }

  /** The output-channel axis of a node's constant weight, or -1 if it is not a quantizable node. */
  private static int weightAxis(Graph g, Node n) {
    if (n.inputs().size() < 2 || g.initializer(n.input(1)) == null || g.initializer(n.input(0)) != null) {
      return -1;
    }
    int rank = g.initializer(n.input(1)).rank();
    return switch (n.opType()) {
      case "Conv" -> rank >= 3 ? 0 : -1;
      case "Gemm" -> rank != 2 || n.attrInt("transA", 0) != 0 ? -1 : n.attrInt("transB", 0) != 0 ? 0 : 1;
      case "MatMul" -> rank == 2 ? 1 : -1;
      default -> -1;
    };
  }

  private static String quantizeActivation(Graph g, String x, float scale) {
    String sc = g.uniqueName(x + "_scale");
    g.putInitializer(sc, Tensor.of(new float[] {scale}));
    String zp = g.uniqueName(x + "_zero_point");
    g.putInitializer(zp, LongTensor.of(DataType.INT8, new long[] {0}));
    String q = g.uniqueName(x + "_quantized");
    String dq = g.uniqueName(x + "_dequantized");
    g.addNode(Node.builder("QuantizeLinear").name(g.uniqueName(x + "_QuantizeLinear")).inputs(x, sc, zp)
        .outputs(q).build());
    g.addNode(Node.builder("DequantizeLinear").name(g.uniqueName(x + "_DequantizeLinear")).inputs(q, sc, zp)
        .outputs(dq).build());
    return dq;
  }

  /**
   * int8 weight with per-channel scales along {@code axis} (or one per-tensor scale), dequantized
   * by a DQ node; returns its output.
   */
  private static String quantizeWeight(Graph g, String w, int axis, WeightScaling scaling) {
    Tensor t = g.initializer(w);
    int[] shape = t.shape();
    int channels = shape[axis];
    int inner = 1;
    for (int i = axis + 1; i < shape.length; i++) {
      inner *= shape[i];
    }
    float[] data = t.data();
    float[] max = new float[channels];
    for (int i = 0; i < data.length; i++) {
      int c = (i / inner) % channels;
      max[c] = Math.max(max[c], Math.abs(data[i]));
    }
    if (scaling == WeightScaling.PER_TENSOR) {
      float all = 0;
      for (float m : max) {
        all = Math.max(all, m);
      }
      java.util.Arrays.fill(max, all);
    }
    float[] scales = new float[channels];
    for (int c = 0; c < channels; c++) {
      scales[c] = max[c] == 0 ? 1f : max[c] / Thresholds.QMAX; // an all-zero channel: any positive scale
    }
    long[] q = new long[data.length];
    for (int i = 0; i < data.length; i++) {
      q[i] = WeightQuantization.toInt8(data[i] / scales[(i / inner) % channels]);
    }
    String wq = g.uniqueName(w + "_quantized");
    g.putInitializer(wq, LongTensor.of(DataType.INT8, q, shape));
    String sc = g.uniqueName(w + "_scale");
    String zp = g.uniqueName(w + "_zero_point");
    String dq = g.uniqueName(w + "_dequantized");
    Node.Builder dqNode = Node.builder("DequantizeLinear").name(g.uniqueName(w + "_DequantizeLinear"))
        .inputs(wq, sc, zp).outputs(dq);
    if (scaling == WeightScaling.PER_TENSOR) {
      g.putInitializer(sc, Tensor.of(new float[] {scales[0]}));
      g.putInitializer(zp, LongTensor.of(DataType.INT8, new long[] {0}));
    } else {
      g.putInitializer(sc, Tensor.of(scales, channels));
      g.putInitializer(zp, LongTensor.of(DataType.INT8, new long[channels], channels));
      dqNode.attr(Attribute.of("axis", (long) axis));
    }
    g.addNode(dqNode.build());
    return dq;
  }
}
