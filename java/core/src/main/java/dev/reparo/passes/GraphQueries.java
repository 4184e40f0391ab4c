package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.ConstantNode;
import java.util.List;

/** Read-only questions passes ask of a graph: constant values and who reads a value. */
public final class GraphQueries {
  private GraphQueries() {}

  /**
   * The float32 value of {@code value} if it is an initializer or the output of a Constant node,
   * else null (also for values computed at run time, however constant).
   */
  /**
   * Whether constant {@code c} broadcasts over an NCHW tensor of {@code channels} channels along the
   * channels only: a scalar (any rank up to 4 of size 1), {@code [C,1,1]} or {@code [1,C,1,1]}.
   */
  public static boolean perChannel(Tensor c, int channels) {
    int[] s = c.shape();
    if (c.size() == 1) {
      return s.length <= 4;
    }
    return c.size() == channels
        && (s.length == 3 && s[1] == 1 && s[2] == 1 || s.length == 4 && s[0] == 1 && s[2] == 1 && s[3] == 1);
  }

  public static Tensor floatConstant(Graph g, String value) {
    Tensor t = g.initializer(value);
    if (t != null || value.isEmpty()) {
      return t;
    }
    ConstValue c = constantNodeValue(g, value);
    return c == null || !c.isFloat() ? null : Tensor.of(c.floats(), c.shape());
  }

  /** The integer value of {@code value} if it is an initializer or a Constant node's output. */
  public static LongTensor longConstant(Graph g, String value) {
    LongTensor t = g.longInitializer(value);
    if (t != null || value.isEmpty()) {
      return t;
    }
    ConstValue c = constantNodeValue(g, value);
    return c == null || c.isFloat() ? null : LongTensor.of(c.type(), c.ints(), c.shape());
  }

  private static ConstValue constantNodeValue(Graph g, String value) {
    Node p = g.producer(value);
    if (p == null || !p.opType().equals("Constant")) {
      return null;
    }
    try {
      return ConstantNode.value(p);
    } catch (CannotFold e) {
      return null;
    }
  }

  public static boolean isGraphOutput(Graph g, String value) {
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
  public static Node soleConsumer(Graph g, String value) {
    if (isGraphOutput(g, value)) {
      return null;
    }
    List<Node> readers = g.consumers(value);
    return readers.size() == 1 ? readers.get(0) : null;
  }

  /** How reports name a node: its name, or a description when it has none. */
  public static String label(Node n) {
    return n.name().isEmpty() ? n.describe() : n.name();
  }
}
