package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.ops.LoweringContext;
import java.util.List;

/**
 * Small helpers the ncnn passes share: building ncnn-domain nodes and reading their params by id.
 * Stateless and thread-safe.
 */
final class NcnnLayers {
  private NcnnLayers() {}

  /** A builder for an ncnn layer node. */
  static Node.Builder layer(String type, String name) {
    return LoweringContext.layer(type, name);
  }

  /** True for an ncnn-domain node of that layer type. */
  static boolean is(Node n, String type) {
    return n != null && OpSchema.NCNN_DOMAIN.equals(n.domain()) && n.opType().equals(type);
  }

  static int param(Node n, int id, int defaultValue) {
    return (int) n.attrInt(Integer.toString(id), defaultValue);
  }

  static float floatParam(Node n, int id, float defaultValue) {
    return n.attrFloat(Integer.toString(id), defaultValue);
  }

  /** An INTS param, or null. */
  static long[] intsParam(Node n, int id) {
    return n.attrInts(Integer.toString(id));
  }

  /** BinaryOp op_type ids. */
  static final int ADD = 0;
  static final int MUL = 2;
  static final int DIV = 3;

  /** True for a BinaryOp of {@code op} on two blobs. */
  static boolean isBinary(Node n, int op) {
    return is(n, "BinaryOp") && param(n, 0, 0) == op && param(n, 1, 0) == 0 && n.inputs().size() == 2;
  }

  /** The scalar of a BinaryOp of {@code op} with a scalar operand (with_scalar=1), or NaN. */
  static float scalarOf(Node n, int op) {
    if (!is(n, "BinaryOp") || param(n, 0, 0) != op || param(n, 1, 0) != 1) {
      return Float.NaN;
    }
    return floatParam(n, 2, 0f);
  }

  /**
   * The divisor {@code n} applies to its blob: c for a division by the scalar c, 1/k for a
   * multiplication by the scalar k; NaN if {@code n} is neither.
   */
  static float divisorOf(Node n) {
    float d = scalarOf(n, DIV);
    if (!Float.isNaN(d)) {
      return d;
    }
    float k = scalarOf(n, MUL);
    return Float.isNaN(k) || k == 0f ? Float.NaN : 1f / k;
  }

  /** True when {@code a} and {@code b} agree to float32 rounding of a literal (relative 1e-6). */
  static boolean near(float a, float b) {
    return Math.abs(a - b) <= 1e-6f * Math.max(Math.abs(a), Math.abs(b));
  }

  /** A visitor of {@code mul = x * gate}; returns true when it handled the site. */
  interface GatedProduct {
    boolean visit(Node mul, Node gate, String x);
  }

  /**
   * Calls {@code visitor} for every {@code BinaryOp(mul)} of two blobs still in the graph, once per
   * operand order (the gate is the producer of one operand, possibly null, x the other), until it
   * returns true: the shape of SiLU, Mish and HardSwish.
   */
  static void forEachGatedProduct(Graph graph, GatedProduct visitor) {
    for (Node mul : List.copyOf(graph.nodes())) {
      if (!isBinary(mul, MUL) || !graph.nodes().contains(mul)) {
        continue;
      }
      for (int i = 0; i < 2; i++) {
        if (visitor.visit(mul, graph.producer(mul.input(i)), mul.input(1 - i))) {
          break;
        }
      }
    }
  }

  /** The single node reading {@code value}, or null if none or several do or it is a graph output. */
  static Node soleConsumer(Graph g, String value) {
    if (g.outputs().stream().anyMatch(o -> o.name().equals(value))) {
      return null;
    }
    List<Node> consumers = g.consumers(value);
    return consumers.size() == 1 ? consumers.get(0) : null;
  }

  /** Removes initializers no node reads and that are not graph outputs. */
  static void dropUnusedInitializers(Graph g) {
    java.util.Set<String> used = new java.util.HashSet<>();
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    g.outputs().forEach(o -> used.add(o.name()));
    for (String name : List.copyOf(g.initializers().keySet())) {
      if (!used.contains(name)) {
        g.removeInitializer(name);
      }
    }
    for (String name : List.copyOf(g.longInitializers().keySet())) {
      if (!used.contains(name)) {
        g.removeInitializer(name);
      }
    }
  }
}
