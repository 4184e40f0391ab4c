package dev.reparo.graph.ops;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.ConstValue;
import java.util.List;
import java.util.Map;

/**
 * Everything Reparo knows of one ONNX operator, in one place: its schema, its shape rule, how to
 * evaluate it on constants (null: it is not folded at conversion time) and how to lower it to ncnn
 * (null: ncnn has no layer for it here). Definitions are grouped by op family ({@code ConvOps},
 * {@code ElementwiseOps}...) and registered in {@link OpTable}. Immutable and thread-safe.
 */
public record OpDef(OpSchema schema, ShapeRule shape, Folder folder, NcnnRule ncnn) {
  /** The types and shapes of a node's outputs, from what is known of its inputs. */
  public interface ShapeRule {
    List<ValueInfo> infer(InferenceContext cx, Node n);
  }

  /** A node's outputs when every input is a constant. */
  public interface Folder {
    ConstValue fold(Node n, List<ConstValue> in, long opset) throws CannotFold;
  }

  /** Emits the ncnn layers that compute a node. */
  public interface NcnnRule {
    void lower(LoweringContext cx, Node n);
  }

  /** A definition with a schema and shape rule only; add the rest with the withers. */
  static OpDef op(String type, int minIn, int maxIn, int minOut, int maxOut, Map<String, Attribute.Type> attrs,
      ShapeRule shape) {
    return new OpDef(new OpSchema(type, minIn, maxIn, minOut, maxOut, attrs), shape, null, null);
  }

  public String opType() {
    return schema.opType();
  }

  OpDef folder(Folder f) {
    return new OpDef(schema, shape, f, ncnn);
  }

  OpDef ncnn(NcnnRule r) {
    return new OpDef(schema, shape, folder, r);
  }
}
