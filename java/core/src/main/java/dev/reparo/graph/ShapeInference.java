package dev.reparo.graph;

import dev.reparo.Tensor;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.ops.InferenceContext;
import dev.reparo.graph.ops.OpTable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Infers the element type and shape of every node output, and the values of the small integer
 * tensors that exporters compute from shapes ({@code Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape}), so that such chains end in known shapes and can later be folded to constants.
 *
 * <p>Symbolic dims ({@code batch}) flow through: a shape computed from {@code Shape(x)} keeps the
 * symbol, so a {@code Reshape} to {@code [batch, -1, 85]} gets that shape. Shapes that cannot be
 * known are left unknown rather than guessed. Any inconsistency (channels that do not match a
 * weight, incompatible broadcast, an element count a reshape cannot keep) is an {@link
 * InvalidGraphException} naming the node.
 *
 * <p>This class is the driver: each operator's shape rule is registered with its definition in
 * {@link OpTable}.
 *
 * <p>Each call works on its own state; do not run it on a graph another thread is changing.
 */
public final class ShapeInference {
  private final Graph graph;
  private final InferenceContext cx;
  private final Map<String, ValueInfo> infos;

  private ShapeInference(Graph graph) {
    this.graph = graph;
    this.cx = new InferenceContext(graph);
    this.infos = cx.infos();
  }

  /**
   * Infers types and shapes of a validated graph whose nodes are in topological order, and records
   * them: intermediate values in {@link Graph#valueInfos()}, graph outputs refined in place. What
   * the file declared is kept where inference knows less, and must agree where both know.
   *
   * @throws UnsupportedOpException for a node whose operator Reparo does not support
   * @throws InvalidGraphException naming the node whose inputs do not fit it
   */
  public static Result infer(Graph graph) {
    ShapeInference si = new ShapeInference(graph);
    si.run();
    return new Result(si.infos, si.cx.known());
  }

  /** The outcome of {@link #infer}: what is known of each value. Immutable and thread-safe. */
  public static final class Result {
    private final Map<String, ValueInfo> infos;
    private final Map<String, ConstValue> known;

    private Result(Map<String, ValueInfo> infos, Map<String, ConstValue> known) {
      this.infos = Collections.unmodifiableMap(new LinkedHashMap<>(infos));
      this.known = Map.copyOf(known);
    }

    /** Types and shapes of every graph input, initializer and node output. */
    public Map<String, ValueInfo> infos() {
      return infos;
    }

    /** What is known of a value, or null if it is not in the graph. */
    public ValueInfo info(String value) {
      return infos.get(value);
    }

    /** The shape of a value; {@link Shape#unknown()} if the value is not in the graph. */
    public Shape shape(String value) {
      ValueInfo v = infos.get(value);
      return v == null ? Shape.unknown() : v.shape();
    }

    /** The value of an integer tensor fully known before run time, or null. */
    public LongTensor longConstant(String value) {
      ConstValue k = known.get(value);
      return k == null || k.isFloat() || !k.fullyKnown() ? null : LongTensor.of(k.type(), k.ints(), k.shape());
    }

    /** The value of a float32 tensor known before run time, or null. */
    public Tensor floatConstant(String value) {
      ConstValue k = known.get(value);
      return k == null || !k.isFloat() ? null : Tensor.of(k.floats(), k.shape());
    }
  }

  private void run() {
    for (ValueInfo in : graph.inputs()) {
      infos.put(in.name(), in);
    }
    graph.initializers().forEach((name, t) -> {
      infos.put(name, new ValueInfo(name, DataType.FLOAT, Shape.of(t.shape())));
      cx.known().put(name, ConstValue.of(t));
    });
    graph.longInitializers().forEach((name, t) -> {
      infos.put(name, new ValueInfo(name, t.type(), Shape.of(t.shape())));
      cx.known().put(name, ConstValue.of(t));
    });
    Map<String, ValueInfo> declaredOutputs = new LinkedHashMap<>();
    graph.outputs().forEach(o -> declaredOutputs.put(o.name(), o));

    for (Node node : graph.nodes()) {
      OpSchema.require(node);
      for (String in : node.inputs()) {
        if (!in.isEmpty() && !infos.containsKey(in)) {
          throw new InvalidGraphException(node, "input '" + in
              + "' is not known at this point (run GraphValidator and sortTopologically first)");
        }
      }
      List<ValueInfo> outs = inferNode(node);
      for (int i = 0; i < node.outputs().size(); i++) {
        String name = node.output(i);
        if (name.isEmpty()) {
          continue;
        }
        ValueInfo inferred = i < outs.size() ? outs.get(i).withName(name) : ValueInfo.unknown(name);
        ValueInfo declared = graph.valueInfos().get(name);
        if (declared == null) {
          declared = declaredOutputs.get(name);
        }
        infos.put(name, declared == null ? inferred : merge(node, inferred, declared));
      }
    }

    List<ValueInfo> refined = new ArrayList<>();
    for (ValueInfo o : graph.outputs()) {
      ValueInfo v = infos.get(o.name());
      refined.add(v == null ? o : v);
    }
    graph.setOutputs(refined);
    for (Node node : graph.nodes()) {
      for (String out : node.outputs()) {
        if (!out.isEmpty() && !declaredOutputs.containsKey(out)) {
          graph.putValueInfo(infos.get(out));
        }
      }
    }
  }

  private static ValueInfo merge(Node node, ValueInfo inferred, ValueInfo declared) {
    DataType type = inferred.type();
    if (type == DataType.UNDEFINED) {
      type = declared.type();
    } else if (declared.type() != DataType.UNDEFINED && declared.type() != type) {
      throw new InvalidGraphException(node, "output '" + inferred.name() + "' is " + type
          + " but the graph declares " + declared.type());
    }
    Shape a = inferred.shape();
    Shape b = declared.shape();
    if (!a.hasRank() || !b.hasRank()) {
      return new ValueInfo(inferred.name(), type, a.hasRank() ? a : b);
    }
    if (a.rank() != b.rank()) {
      throw new InvalidGraphException(node, "output '" + inferred.name() + "' has shape " + a
          + " but the graph declares " + b);
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < a.rank(); i++) {
      Dim x = a.dim(i);
      Dim y = b.dim(i);
      if (x.isKnown() && y.isKnown() && x.value() != y.value()) {
        throw new InvalidGraphException(node, "output '" + inferred.name() + "' has shape " + a
            + " but the graph declares " + b);
      }
      dims.add(x.isKnown() || x.isSymbolic() && !y.isKnown() ? x : y.isKnown() || y.isSymbolic() ? y : x);
    }
    return new ValueInfo(inferred.name(), type, Shape.of(dims));
  }

  private List<ValueInfo> inferNode(Node n) {
    return OpTable.get(n.opType()).shape().infer(cx, n);
  }
}
