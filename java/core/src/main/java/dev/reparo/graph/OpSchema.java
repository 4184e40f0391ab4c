package dev.reparo.graph;

import dev.reparo.graph.ops.OpDef;
import dev.reparo.graph.ops.OpTable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many inputs and outputs an operator takes and the types of its attributes (across the opsets
 * PyTorch exports, 9 to 18). ONNX operators' schemas are registered with the rest of their
 * definition in {@link OpTable}; ncnn layers' here. Immutable and thread-safe.
 *
 * @param minInputs inputs that must be given
 * @param maxInputs inputs that may be given, {@link #VARIADIC} for no limit
 */
public record OpSchema(String opType, int minInputs, int maxInputs, int minOutputs, int maxOutputs,
    Map<String, Attribute.Type> attributes) {
  public static final int VARIADIC = Integer.MAX_VALUE;

  /**
   * The domain of lowered nodes whose op types are ncnn layer types. Their attributes are ncnn
   * param ids ("0", "11"...) and their inputs are blobs followed by weight initializers.
   */
  public static final String NCNN_DOMAIN = "ncnn";

  private static final Map<String, OpSchema> NCNN_SCHEMAS = new TreeMap<>();

  static {
    // ncnn layers: inputs count bottoms plus weights; attribute types are checked by the writer.
    for (String layer : List.of("Convolution", "ConvolutionDepthWise", "InnerProduct")) {
      addNcnn(layer, 2, 3, 1, 1);
    }
    addNcnn("BatchNorm", 5, 5, 1, 1);
    addNcnn("Scale", 2, 3, 1, 1);
    addNcnn("MemoryData", 1, 1, 1, 1);
    addNcnn("Concat", 1, VARIADIC, 1, 1);
    addNcnn("Slice", 1, 1, 1, VARIADIC);
    addNcnn("Split", 1, 1, 1, VARIADIC);
    addNcnn("Eltwise", 2, VARIADIC, 1, 1);
    addNcnn("BinaryOp", 1, 2, 1, 1);
    addNcnn("MatMul", 2, 2, 1, 1);
    for (String layer : List.of("ShuffleChannel", "Swish", "Sigmoid", "ReLU", "Clip", "HardSwish",
        "HardSigmoid", "Mish", "TanH", "Reshape", "Permute", "Crop", "Pooling", "Interp", "Softmax",
        "Flatten", "Softplus", "GELU", "Erf", "UnaryOp")) {
      addNcnn(layer, 1, 1, 1, 1);
    }
  }

  public OpSchema {
    attributes = Map.copyOf(attributes);
  }

  private static void addNcnn(String layer, int minIn, int maxIn, int minOut, int maxOut) {
    NCNN_SCHEMAS.put(layer, new OpSchema(layer, minIn, maxIn, minOut, maxOut, Map.of()));
  }

  /**
   * The schema of a standard-domain operator or of an ncnn layer ({@link #NCNN_DOMAIN}), or null
   * if Reparo does not support it.
   */
  public static OpSchema of(Node node) {
    if (node.domain().equals(NCNN_DOMAIN)) {
      return NCNN_SCHEMAS.get(node.opType());
    }
    boolean standard = node.domain().isEmpty() || node.domain().equals("ai.onnx");
    OpDef def = standard ? OpTable.get(node.opType()) : null;
    return def == null ? null : def.schema();
  }

  /** The schema of {@code node}'s operator. @throws UnsupportedOpException if there is none */
  public static OpSchema require(Node node) {
    OpSchema s = of(node);
    if (s == null) {
      throw new UnsupportedOpException(node, supportedOps());
    }
    return s;
  }

  /** The ncnn layer types lowered graphs may hold, sorted. */
  public static List<String> supportedNcnnLayers() {
    return List.copyOf(NCNN_SCHEMAS.keySet());
  }

  /** The supported operator types, sorted. */
  public static List<String> supportedOps() {
    return OpTable.types();
  }
}
