package dev.reparo.graph;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.FLOATS;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.INTS;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.Attribute.Type.STRINGS;
import static dev.reparo.graph.Attribute.Type.TENSOR;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Reparo knows of each ONNX operator it supports: how many inputs and outputs it takes and the
 * types of its attributes (across the opsets PyTorch exports, 9 to 18). Immutable and thread-safe.
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

  private static final Map<String, OpSchema> SCHEMAS = new TreeMap<>();
  private static final Map<String, OpSchema> NCNN_SCHEMAS = new TreeMap<>();

  static {
    Map<String, Attribute.Type> none = Map.of();
    Map<String, Attribute.Type> convLike = Map.of("auto_pad", STRING, "dilations", INTS,
        "group", INT, "kernel_shape", INTS, "pads", INTS, "strides", INTS);
    add("Conv", 2, 3, 1, 1, convLike);
    add("BatchNormalization", 5, 5, 1, 5, Map.of("epsilon", FLOAT, "momentum", FLOAT,
        "training_mode", INT, "spatial", INT, "is_test", INT));
    for (String op : List.of("Relu", "Sigmoid", "HardSwish", "Identity", "Tanh", "Exp", "Floor",
        "Ceil", "Softplus", "Mish", "Erf")) {
      add(op, 1, 1, 1, 1, none);
    }
    add("LeakyRelu", 1, 1, 1, 1, Map.of("alpha", FLOAT));
    add("Gelu", 1, 1, 1, 1, Map.of("approximate", STRING));
    add("HardSigmoid", 1, 1, 1, 1, Map.of("alpha", FLOAT, "beta", FLOAT));
    add("Clip", 1, 3, 1, 1, Map.of("min", FLOAT, "max", FLOAT));
    add("Softmax", 1, 1, 1, 1, Map.of("axis", INT));
    for (String op : List.of("Add", "Sub", "Mul", "Div", "Pow")) {
      add(op, 2, 2, 1, 1, none);
    }
    add("Concat", 1, VARIADIC, 1, 1, Map.of("axis", INT));
    add("Split", 1, 2, 1, VARIADIC, Map.of("axis", INT, "split", INTS, "num_outputs", INT));
    add("Slice", 1, 5, 1, 1, Map.of("starts", INTS, "ends", INTS, "axes", INTS));
    add("Reshape", 2, 2, 1, 1, Map.of("allowzero", INT));
    add("Transpose", 1, 1, 1, 1, Map.of("perm", INTS));
    add("Flatten", 1, 1, 1, 1, Map.of("axis", INT));
    add("MaxPool", 1, 1, 1, 2, Map.of("auto_pad", STRING, "ceil_mode", INT, "dilations", INTS,
        "kernel_shape", INTS, "pads", INTS, "storage_order", INT, "strides", INTS));
    add("AveragePool", 1, 1, 1, 1, Map.of("auto_pad", STRING, "ceil_mode", INT,
        "count_include_pad", INT, "dilations", INTS, "kernel_shape", INTS, "pads", INTS,
        "strides", INTS));
    add("GlobalAveragePool", 1, 1, 1, 1, none);
    add("GlobalMaxPool", 1, 1, 1, 1, none);
    add("Resize", 1, 4, 1, 1, Map.of("mode", STRING, "coordinate_transformation_mode", STRING,
        "nearest_mode", STRING, "cubic_coeff_a", FLOAT, "exclude_outside", INT,
        "extrapolation_value", FLOAT, "antialias", INT, "axes", INTS,
        "keep_aspect_ratio_policy", STRING));
    add("Upsample", 1, 2, 1, 1, Map.of("mode", STRING, "scales", FLOATS));
    add("Gemm", 2, 3, 1, 1, Map.of("alpha", FLOAT, "beta", FLOAT, "transA", INT, "transB", INT));
    add("MatMul", 2, 2, 1, 1, none);
    add("Constant", 0, 0, 1, 1, Map.of("value", TENSOR, "value_float", FLOAT, "value_floats",
        FLOATS, "value_int", INT, "value_ints", INTS, "value_string", STRING, "value_strings",
        STRINGS));
    add("Shape", 1, 1, 1, 1, Map.of("start", INT, "end", INT));
    add("Gather", 2, 2, 1, 1, Map.of("axis", INT));
    add("Unsqueeze", 1, 2, 1, 1, Map.of("axes", INTS));
    add("Squeeze", 1, 2, 1, 1, Map.of("axes", INTS));
    add("Cast", 1, 1, 1, 1, Map.of("to", INT, "saturate", INT));
    add("ConstantOfShape", 1, 1, 1, 1, Map.of("value", TENSOR));
    add("CastLike", 2, 2, 1, 1, Map.of("saturate", INT));
    add("Range", 3, 3, 1, 1, none);
    add("Equal", 2, 2, 1, 1, none);
    add("Where", 3, 3, 1, 1, none);
    add("ReduceMean", 1, 2, 1, 1, Map.of("axes", INTS, "keepdims", INT, "noop_with_empty_axes", INT));
    add("Dropout", 1, 3, 1, 2, Map.of("ratio", FLOAT, "seed", INT, "is_test", INT));
    add("Expand", 2, 2, 1, 1, none);
  }

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
    for (String layer : List.of("ShuffleChannel", "Swish", "Sigmoid", "ReLU", "Clip", "HardSwish",
        "HardSigmoid", "Mish", "TanH", "Reshape", "Permute", "Crop", "Pooling", "Interp", "Softmax",
        "Flatten", "Softplus", "GELU", "Erf")) {
      addNcnn(layer, 1, 1, 1, 1);
    }
  }

  public OpSchema {
    attributes = Map.copyOf(attributes);
  }

  private static void add(String op, int minIn, int maxIn, int minOut, int maxOut,
      Map<String, Attribute.Type> attrs) {
    SCHEMAS.put(op, new OpSchema(op, minIn, maxIn, minOut, maxOut, attrs));
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
    return standard ? SCHEMAS.get(node.opType()) : null;
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
    return List.copyOf(SCHEMAS.keySet());
  }
}
