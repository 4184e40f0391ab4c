package dev.reparo.convert;

import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A model whose single input has a dynamic first dimension (a named symbol such as {@code batch},
 * or unknown). Conversion works with a batch of 1 — shape inference, the passes and ncnn, which has
 * no batch axis, all need it — so {@link #pin} fixes that dimension to 1 throughout the graph's
 * declared shapes; {@link #restore} gives the fused ONNX its dynamic batch back, on the input and
 * on the outputs that led with it, so that backends that batch (ONNX Runtime) can run several images
 * at once. Immutable.
 */
final class DynamicBatch {
  private final Dim batch;
  private final Set<String> batchOutputs;

  private DynamicBatch(Dim batch, Set<String> batchOutputs) {
    this.batch = batch;
    this.batchOutputs = batchOutputs;
  }

  /**
   * Pins {@code graph}'s dynamic batch to 1 in place; null (and nothing changed) when the graph does
   * not have exactly one input whose first dimension is dynamic.
   */
  static DynamicBatch pin(Graph graph) {
    if (graph.inputs().size() != 1) {
      return null;
    }
    ValueInfo input = graph.inputs().get(0);
    if (!input.shape().hasRank() || input.shape().rank() == 0 || input.shape().dim(0).isKnown()) {
      return null;
    }
    Dim batch = input.shape().dim(0);
    Set<String> outputs = new HashSet<>();
    List<ValueInfo> pinnedOutputs = new ArrayList<>();
    for (ValueInfo o : graph.outputs()) {
      if (leadsWith(o, batch)) {
        outputs.add(o.name());
        pinnedOutputs.add(withFirst(o, Dim.of(1)));
      } else {
        pinnedOutputs.add(o);
      }
    }
    graph.setInputs(List.of(withFirst(input, Dim.of(1))));
    graph.setOutputs(pinnedOutputs);
    if (batch.isSymbolic()) {
      for (ValueInfo v : List.copyOf(graph.valueInfos().values())) {
        if (leadsWith(v, batch)) {
          graph.putValueInfo(withFirst(v, Dim.of(1)));
        }
      }
    }
    return new DynamicBatch(batch, Set.copyOf(outputs));
  }

  /** A copy of the converted {@code graph} with the dynamic batch on its input and batch-led outputs. */
  Graph restore(Graph graph) {
    Graph g = graph.copy();
    List<ValueInfo> inputs = new ArrayList<>();
    for (ValueInfo in : g.inputs()) {
      inputs.add(withFirst(in, batch));
    }
    g.setInputs(inputs);
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfo o : g.outputs()) {
      boolean restore = batchOutputs.contains(o.name()) && o.shape().hasRank() && o.shape().rank() > 0;
      outputs.add(restore ? withFirst(o, batch) : o);
    }
    g.setOutputs(outputs);
    // Intermediate shapes were inferred with a batch of 1; ONNX Runtime infers its own.
    g.clearValueInfo();
    return g;
  }

  private static boolean leadsWith(ValueInfo v, Dim batch) {
    if (!v.shape().hasRank() || v.shape().rank() == 0) {
      return false;
    }
    Dim first = v.shape().dim(0);
    return batch.isSymbolic() ? batch.equals(first) : !first.isKnown() && !first.isSymbolic();
  }

  private static ValueInfo withFirst(ValueInfo v, Dim first) {
    if (!v.shape().hasRank() || v.shape().rank() == 0) {
      return v;
    }
    List<Dim> dims = new ArrayList<>(v.shape().dims());
    dims.set(0, first);
    return v.withShape(Shape.of(dims));
  }
}
