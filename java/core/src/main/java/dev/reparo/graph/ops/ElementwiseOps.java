package dev.reparo.graph.ops;

import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.broadcast;
import static dev.reparo.graph.ops.Rules.fail;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.Arithmetic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Broadcasting element-wise operators of two or three inputs: arithmetic, Equal, Where. */
final class ElementwiseOps {
  private ElementwiseOps() {}

  static List<OpDef> defs() {
    List<OpDef> defs = new ArrayList<>();
    for (String type : List.of("Add", "Sub", "Mul", "Div", "Pow")) {
      defs.add(op(type, 2, 2, 1, 1, Map.of(), ElementwiseOps::binary)
          .folder((n, in, opset) -> Arithmetic.binary(n.opType(), in.get(0), in.get(1)))
          .ncnn(ElementwiseOps::ncnnBinary));
    }
    defs.add(op("Equal", 2, 2, 1, 1, Map.of(), ElementwiseOps::equal)
        .folder((n, in, opset) -> Arithmetic.equal(in.get(0), in.get(1))));
    defs.add(op("Where", 3, 3, 1, 1, Map.of(), ElementwiseOps::where)
        .folder((n, in, opset) -> Arithmetic.where(in.get(0), in.get(1), in.get(2))));
    return defs;
  }

  private static List<ValueInfo> binary(InferenceContext cx, Node n) {
    DataType a = cx.typeOf(n, 0);
    DataType b = cx.typeOf(n, 1);
    if (!n.opType().equals("Pow") && a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    Shape out = broadcast(n, List.of(cx.shapeOf(n, 0), cx.shapeOf(n, 1)));
    cx.fold(n, out);
    return List.of(new ValueInfo("", a != DataType.UNDEFINED ? a : b, out));
  }

  private static List<ValueInfo> equal(InferenceContext cx, Node n) {
    DataType a = cx.typeOf(n, 0);
    DataType b = cx.typeOf(n, 1);
    if (a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    return List.of(new ValueInfo("", DataType.BOOL, broadcast(n, List.of(cx.shapeOf(n, 0), cx.shapeOf(n, 1)))));
  }

  private static List<ValueInfo> where(InferenceContext cx, Node n) {
    DataType c = cx.typeOf(n, 0);
    if (c != DataType.UNDEFINED && c != DataType.BOOL) {
      throw fail(n, "condition must be BOOL, got " + c);
    }
    DataType a = cx.typeOf(n, 1);
    DataType b = cx.typeOf(n, 2);
    if (a != DataType.UNDEFINED && b != DataType.UNDEFINED && a != b) {
      throw fail(n, "inputs have different types " + a + " and " + b);
    }
    Shape out = broadcast(n, List.of(cx.shapeOf(n, 0), cx.shapeOf(n, 1), cx.shapeOf(n, 2)));
    return List.of(new ValueInfo("", a != DataType.UNDEFINED ? a : b, out));
  }

  private static void ncnnBinary(LoweringContext cx, Node n) {
    int op = switch (n.opType()) {
      case "Add" -> BinaryOp.ADD;
      case "Sub" -> BinaryOp.SUB;
      case "Mul" -> BinaryOp.MUL;
      case "Div" -> BinaryOp.DIV;
      default -> BinaryOp.POW;
    };
    Tensor a = cx.constantOf(n.input(0));
    Tensor b = cx.constantOf(n.input(1));
    if (a != null && b != null) {
      throw unsupported(n, "both operands are constants (fold them first)");
    }
    Tensor k = a != null ? a : b;
    if (k != null && k.size() == 1) {
      int opWithScalar = a == null ? op : switch (op) {
        case BinaryOp.SUB -> BinaryOp.RSUB; // constant - x
        case BinaryOp.DIV -> BinaryOp.RDIV; // constant / x
        case BinaryOp.POW -> BinaryOp.RPOW; // constant ^ x
        default -> op;
      };
      cx.emit(layer("BinaryOp", cx.layerName(n)).inputs(cx.blob(n, a == null ? 0 : 1)).outputs(n.output(0))
          .intAttr(BinaryOp.OP_TYPE, opWithScalar).intAttr(BinaryOp.WITH_SCALAR, 1)
          .floatAttr(BinaryOp.B, k.data()[0]).build());
      return;
    }
    int ra = cx.rank(n, n.input(0));
    int rb = cx.rank(n, n.input(1));
    int r = Math.max(ra, rb);
    if (k == null && ra != rb) {
      throw unsupported(n, "operands of rank " + ra + " and " + rb
          + " broadcast differently in ncnn");
    }
    String x = cx.blob(n, 0, r);
    String y = cx.blob(n, 1, r);
    Shape sa = cx.shape(n.input(0));
    Shape sb = cx.shape(n.input(1));
    if (op == BinaryOp.ADD && k == null && sa.isKnown() && sa.equals(sb)) {
      cx.emit(layer("Eltwise", cx.layerName(n)).inputs(x, y).outputs(n.output(0))
          .intAttr(NcnnParams.Eltwise.OP_TYPE, NcnnParams.Eltwise.SUM).build());
      return;
    }
    cx.emit(layer("BinaryOp", cx.layerName(n)).inputs(x, y).outputs(n.output(0))
        .intAttr(BinaryOp.OP_TYPE, op).build());
  }
}
