package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.List;

/** Read-only questions passes ask of a graph: constant values and who reads a value. */
final class GraphQueries {
  private GraphQueries() {}

  /**
   * The float32 value of {@code value} if it is an initializer or the output of a Constant node,
   * else null (also for values computed at run time, however constant).
   */
  static Tensor floatConstant(Graph g, String value) {
    Tensor t = g.initializer(value);
    if (t != null || value.isEmpty()) {
      return t;
    }
    Node p = g.producer(value);
    if (p == null || !p.opType().equals("Constant")) {
      return null;
    }
    Attribute a = p.attribute("value");
    if (a != null && a.type() == Attribute.Type.TENSOR && a.isFloatTensor()) {
      return a.asTensor();
    }
    if (p.hasAttribute("value_float")) {
      return Tensor.of(new float[] {p.attrFloat("value_float", 0f)});
    }
    if (p.hasAttribute("value_floats")) {
      float[] f = p.attrFloats("value_floats");
      return Tensor.of(f, f.length);
    }
    return null;
  }

  /** The integer value of {@code value} if it is an initializer or a Constant node's output. */
  static LongTensor longConstant(Graph g, String value) {
    LongTensor t = g.longInitializer(value);
    if (t != null || value.isEmpty()) {
      return t;
    }
    Node p = g.producer(value);
    if (p == null || !p.opType().equals("Constant")) {
      return null;
    }
    Attribute a = p.attribute("value");
    if (a != null && a.type() == Attribute.Type.TENSOR && !a.isFloatTensor()) {
      return a.asLongTensor();
    }
    if (p.hasAttribute("value_int")) {
      return LongTensor.scalar(p.attrInt("value_int", 0));
    }
    if (p.hasAttribute("value_ints")) {
      return LongTensor.vector(p.attrInts("value_ints"));
    }
    return null;
  }

  static boolean isGraphOutput(Graph g, String value) {
    for (ValueInfo o : g.outputs()) {
      if (o.name().equals(value)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The one node that reads {@code value}, or null when it is a graph output, nothing reads it, or
   * several nodes do.
   */
  static Node soleConsumer(Graph g, String value) {
    if (isGraphOutput(g, value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    return readers.size() == 1 ? readers.get(0) : null;
  }

  /** How reports name a node: its name, or a description when it has none. */
  static String label(Node n) {
    return n.name().isEmpty() ? n.describe() : n.name();
  }
}
