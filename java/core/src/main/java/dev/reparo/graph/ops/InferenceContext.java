package dev.reparo.graph.ops;

import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.ConstValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What shape inference knows while it walks a graph: the type and shape of every value seen so
 * far, and the values known before run time (small tensors of shape arithmetic, with symbolic
 * dims). Shape rules read it and record values in it. One per inference; not thread-safe.
 */
public final class InferenceContext {
  /** Folding stops at tensors larger than this: it is for shape arithmetic, not for weights. */
  static final int MAX_FOLD_ELEMENTS = 1 << 16;

  private final Graph graph;
  private final Map<String, ValueInfo> infos = new HashMap<>();
  private final Map<String, ConstValue> known = new HashMap<>();

  public InferenceContext(Graph graph) {
    this.graph = graph;
  }

  public long opset() {
    return graph.opset();
  }

  /** Types and shapes by value name; the driver fills in inputs and node outputs. */
  public Map<String, ValueInfo> infos() {
    return infos;
  }

  /** Values known before run time, by value name. */
  public Map<String, ConstValue> known() {
    return known;
  }

  Shape shapeOf(Node n, int i) {
    ValueInfo v = n.hasInput(i) ? infos.get(n.input(i)) : null;
    return v == null ? Shape.unknown() : v.shape();
  }

  DataType typeOf(Node n, int i) {
    ValueInfo v = n.hasInput(i) ? infos.get(n.input(i)) : null;
    return v == null ? DataType.UNDEFINED : v.type();
  }

  ConstValue knownOf(Node n, int i) {
    return n.hasInput(i) ? known.get(n.input(i)) : null;
  }

  /** The fully known integer values of input i, or null. */
  long[] constInts(Node n, int i) {
    ConstValue k = knownOf(n, i);
    return k == null || k.isFloat() || !k.fullyKnown() ? null : k.ints();
  }

  /** One output of the type of input 0. */
  List<ValueInfo> one(Node n, Shape shape) {
    return List.of(new ValueInfo("", typeOf(n, 0), shape));
  }

  /** Output 0 holds the known value of input {@code input}, reshaped when a shape is given. */
  void copyKnown(Node n, int input, Shape newShape) {
    ConstValue k = knownOf(n, input);
    if (k == null) {
      return;
    }
    if (newShape == null) {
      known.put(n.output(0), k);
    } else if (newShape.isKnown()) {
      known.put(n.output(0), k.reshaped(Rules.toIntShape(newShape)));
    }
  }

  /** Records the value of n's output when every input is known and the result is small. */
  void fold(Node n, Shape out) {
    if (out.isKnown() && out.elementCount() > MAX_FOLD_ELEMENTS) {
      return;
    }
    List<ConstValue> in = new ArrayList<>();
    for (String name : n.inputs()) {
      ConstValue k = name.isEmpty() ? null : known.get(name);
      if (k == null && !name.isEmpty()) {
        return;
      }
      in.add(k);
    }
    put(n, () -> ConstantEvaluator.evaluate(n, in, graph.opset()).get(0));
  }

  interface Kernel {
    ConstValue apply() throws CannotFold;
  }

  /** Records a kernel's result as n's output value; a refused or large result stays unknown. */
  void put(Node n, Kernel kernel) {
    try {
      ConstValue v = kernel.apply();
      if (v.size() <= MAX_FOLD_ELEMENTS) {
        known.put(n.output(0), v);
      }
    } catch (CannotFold e) {
      // unknown until run time
    }
  }

  ConstValue knownOrRefuse(Node n, int i) throws CannotFold {
    ConstValue k = knownOf(n, i);
    if (k == null) {
      throw new CannotFold("input " + i + " is not known");
    }
    return k;
  }
}
