package dev.reparo.passes.ncnn;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.ops.LoweringContext;
import dev.reparo.passes.Match;
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

  /** An int param by its id ({@link NcnnParams}). */
  static int param(Node n, String id, int defaultValue) {
    return (int) n.attrInt(id, defaultValue);
  }

  static float floatParam(Node n, String id, float defaultValue) {
    return n.attrFloat(id, defaultValue);
  }

  /** An INTS param, or null. */
  static long[] intsParam(Node n, String id) {
    return n.attrInts(id);
  }

  /** True for a BinaryOp of {@code op} on two blobs. */
  static boolean isBinary(Node n, int op) {
    return is(n, "BinaryOp") && param(n, BinaryOp.OP_TYPE, 0) == op && param(n, BinaryOp.WITH_SCALAR, 0) == 0
        && n.inputs().size() == 2;
  }

  /** The scalar of a BinaryOp of {@code op} with a scalar operand (with_scalar=1), or NaN. */
  static float scalarOf(Node n, int op) {
    if (!is(n, "BinaryOp") || param(n, BinaryOp.OP_TYPE, 0) != op || param(n, BinaryOp.WITH_SCALAR, 0) != 1) {
      return Float.NaN;
    }
    return floatParam(n, BinaryOp.B, 0f);
  }

  /**
   * The divisor {@code n} applies to its blob: c for a division by the scalar c, 1/k for a
   * multiplication by the scalar k; NaN if {@code n} is neither.
   */
  static float divisorOf(Node n) {
    float d = scalarOf(n, BinaryOp.DIV);
    if (!Float.isNaN(d)) {
      return d;
    }
    float k = scalarOf(n, BinaryOp.MUL);
    return Float.isNaN(k) || k == 0f ? Float.NaN : 1f / k;
  }

  /** True when {@code a} and {@code b} agree to float32 rounding of a literal (relative 1e-6). */
  static boolean near(float a, float b) {
    return Math.abs(a - b) <= 1e-6f * Math.max(Math.abs(a), Math.abs(b));
  }

  /** Matches {@code mul = x * gate} given the gate (the producer of one operand, possibly null) and x. */
  interface GatedProduct<S> {
    Match<S> match(Node gate, String x);
  }

  /**
   * The first match of {@code matcher} on a {@code BinaryOp(mul)} of two blobs, trying both operand
   * orders: the shape of SiLU, Mish and HardSwish.
   */
  static <S> Match<S> gatedProduct(Graph graph, Node mul, GatedProduct<S> matcher) {
    if (!isBinary(mul, BinaryOp.MUL)) {
      return Match.none();
    }
    for (int i = 0; i < 2; i++) {
      Match<S> m = matcher.match(graph.producer(mul.input(i)), mul.input(1 - i));
      if (m.found()) {
        return m;
      }
    }
    return Match.none();
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
