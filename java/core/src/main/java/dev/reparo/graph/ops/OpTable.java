package dev.reparo.graph.ops;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one registry of the ONNX operators Reparo supports: every {@link OpDef}, gathered from the
 * op families. Adding an operator, a constant folder or an ncnn lowering is adding to its family's
 * {@code defs()}. Immutable and thread-safe.
 */
public final class OpTable {
  private static final Map<String, OpDef> OPS = build();

  private OpTable() {}

  private static Map<String, OpDef> build() {
    Map<String, OpDef> ops = new TreeMap<>();
    for (List<OpDef> family : List.of(ConvOps.defs(), PoolOps.defs(), ActivationOps.defs(),
        ElementwiseOps.defs(), ReshapeOps.defs(), SliceOps.defs(), ValueOps.defs(), ResizeOps.defs(),
        MatMulOps.defs())) {
      for (OpDef d : family) {
        if (ops.put(d.opType(), d) != null) {
          throw new IllegalStateException(d.opType() + " is defined twice");
        }
      }
    }
    return Map.copyOf(ops);
  }

  /** The definition of a standard-domain operator, or null if Reparo does not support it. */
  public static OpDef get(String opType) {
    return OPS.get(opType);
  }

  /** The supported operator types, sorted. */
  public static List<String> types() {
    return OPS.keySet().stream().sorted().toList();
  }

  /** The operator types with an ncnn lowering, sorted. */
  public static List<String> ncnnTypes() {
    return OPS.values().stream().filter(d -> d.ncnn() != null).map(OpDef::opType).sorted().toList();
  }
}
