package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.Attribute.Type.STRING;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.ncnnAxis;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.normAxis;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.UnaryOp;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.constant.Arithmetic;
import java.util.List;
import java.util.Map;

/** Element-wise functions of one input (Relu, Sigmoid, Clip, Floor...) and Softmax. */
final class ActivationOps {
  private ActivationOps() {}

  static List<OpDef> defs() {
    OpDef.ShapeRule same = (cx, n) -> cx.one(n, cx.shapeOf(n, 0));
    OpDef.ShapeRule rounding = (cx, n) -> {
      cx.put(n, () -> Arithmetic.round(n.opType(), cx.knownOrRefuse(n, 0)));
      return cx.one(n, cx.shapeOf(n, 0));
    };
    return List.of(
        op("Relu", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "ReLU")),
        op("Sigmoid", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "Sigmoid")),
        op("Tanh", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "TanH")),
        op("Softplus", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "Softplus")),
        op("Mish", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "Mish")),
        op("Erf", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unary(cx, n, "Erf")),
        op("Exp", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> unaryOp(cx, n, UnaryOp.EXP)),
        op("Floor", 1, 1, 1, 1, Map.of(), rounding).ncnn((cx, n) -> unaryOp(cx, n, UnaryOp.FLOOR)),
        op("Ceil", 1, 1, 1, 1, Map.of(), rounding).ncnn((cx, n) -> unaryOp(cx, n, UnaryOp.CEIL)),
        op("HardSwish", 1, 1, 1, 1, Map.of(), same).ncnn((cx, n) -> cx.emit(layer("HardSwish", cx.layerName(n))
            .inputs(cx.blob(n, 0)).outputs(n.output(0))
            .floatAttr(NcnnParams.Hard.ALPHA, 1f / 6).floatAttr(NcnnParams.Hard.BETA, 0.5f).build())),
        op("LeakyRelu", 1, 1, 1, 1, Map.of("alpha", FLOAT), same).ncnn((cx, n) -> cx.emit(layer("ReLU",
            cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
            .floatAttr(NcnnParams.RELU_SLOPE, n.attrFloat("alpha", 0.01f)).build())),
        op("Gelu", 1, 1, 1, 1, Map.of("approximate", STRING), same).ncnn((cx, n) -> cx.emit(layer("GELU",
            cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
            .intAttr(NcnnParams.GELU_FAST, n.attrString("approximate", "none").equals("tanh") ? 1 : 0).build())),
        op("HardSigmoid", 1, 1, 1, 1, Map.of("alpha", FLOAT, "beta", FLOAT), same).ncnn((cx, n) -> cx.emit(
            layer("HardSigmoid", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
            .floatAttr(NcnnParams.Hard.ALPHA, n.attrFloat("alpha", 0.2f))
            .floatAttr(NcnnParams.Hard.BETA, n.attrFloat("beta", 0.5f)).build())),
        op("Clip", 1, 3, 1, 1, Map.of("min", FLOAT, "max", FLOAT), same).ncnn(ActivationOps::ncnnClip),
        op("Softmax", 1, 1, 1, 1, Map.of("axis", INT), (cx, n) -> {
          softmax(cx, n);
          return cx.one(n, cx.shapeOf(n, 0));
        }).ncnn(ActivationOps::ncnnSoftmax));
  }

  private static void softmax(InferenceContext cx, Node n) {
    Shape x = cx.shapeOf(n, 0);
    if (x.hasRank()) {
      normAxis(n, n.attrInt("axis", cx.opset() >= 13 ? -1 : 1), x.rank(), "axis");
    }
  }

  private static void unary(LoweringContext cx, Node n, String type) {
    cx.emit(layer(type, cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0)).build());
  }

  /** ncnn's UnaryOp layer applying {@code opType} to the blob. */
  private static void unaryOp(LoweringContext cx, Node n, int opType) {
    cx.emit(layer("UnaryOp", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
        .intAttr(UnaryOp.OP_TYPE, opType).build());
  }

  private static void ncnnClip(LoweringContext cx, Node n) {
    float min = n.attrFloat("min", -Float.MAX_VALUE);
    float max = n.attrFloat("max", Float.MAX_VALUE);
    if (n.hasInput(1)) {
      min = scalar(cx, n, 1);
    }
    if (n.hasInput(2)) {
      max = scalar(cx, n, 2);
    }
    Node.Builder b = layer("Clip", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0));
    if (min > -Float.MAX_VALUE) {
      b.floatAttr(NcnnParams.Clip.MIN, min); // absent: ncnn's default -FLT_MAX
    }
    if (max < Float.MAX_VALUE) {
      b.floatAttr(NcnnParams.Clip.MAX, max);
    }
    cx.emit(b.build());
  }

  private static float scalar(LoweringContext cx, Node n, int i) {
    Tensor t = cx.constantOf(n.input(i));
    if (t == null || t.size() != 1) {
      throw unsupported(n, "input " + i + " must be a constant scalar");
    }
    return t.data()[0];
  }

  private static void ncnnSoftmax(LoweringContext cx, Node n) {
    int r = cx.rank(n, n.input(0));
    long axis = n.attrInt("axis", cx.graph().opset() >= 13 ? -1 : 1);
    long norm = axis < 0 ? axis + r : axis;
    if (cx.graph().opset() < 13 && norm != r - 1) {
      throw unsupported(n, "opset < 13 softmax over flattened axes " + norm + ".." + (r - 1));
    }
    cx.emit(layer("Softmax", cx.layerName(n)).inputs(cx.blob(n, 0)).outputs(n.output(0))
        .intAttr(NcnnParams.Softmax.AXIS, ncnnAxis(n, axis, r)).intAttr(NcnnParams.Softmax.FIXBUG0, 1).build());
  }
}
