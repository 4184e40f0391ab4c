package dev.reparo.tensorrt;

import dev.reparo.ModelFormatException;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes a float32 graph compute in float16 for TensorRT's strongly typed networks: every float
 * weight (initializer or Constant) and every float graph input goes through a Cast to FLOAT16, each
 * float graph output is cast back to FLOAT under its own name, and Casts inside the graph that
 * produce FLOAT produce FLOAT16 instead. TensorRT folds the weight casts at build time, so the
 * engine stores half-precision weights. Resize's {@code roi} and {@code scales} stay float32 (ONNX
 * requires it). The caller's graph is not modified. Stateless and thread-safe.
 */
final class CastToFloat16 {
  /** Ops whose float attributes fix an output type that the cast-in-front scheme cannot reach. */
  private static final Set<String> REFUSED = Set.of("ConstantOfShape", "RandomNormal", "RandomUniform",
      "RandomNormalLike", "RandomUniformLike", "EyeLike");

  /** Part of the engine cache key: bump it whenever the rewrite's output changes. */
  static final String VERSION = "fp16-rewrite=2";

  private CastToFloat16() {}

  static Graph apply(Graph source) {
    Graph g = source.copy();
    for (Node n : g.nodes()) {
      if (REFUSED.contains(n.opType())) {
        throw new ModelFormatException("cannot build an FP16 TensorRT engine: node '" + n.name() + "' (" + n.opType()
            + ") creates float32 values from attributes; build in FP32 instead");
      }
    }
    Set<String> sources = new LinkedHashSet<>();
    g.initializers().keySet().forEach(sources::add);
    for (Node n : g.nodes()) {
      if (n.opType().equals("Constant") && n.hasAttribute("value") && n.attribute("value").isFloatTensor()) {
        sources.add(n.output(0));
      }
    }
    for (ValueInfo in : g.inputs()) {
      if (in.type() == DataType.FLOAT) {
        sources.add(in.name());
      }
    }
    for (String value : sources) {
      castConsumers(g, value);
    }
    for (Node n : List.copyOf(g.nodes())) {
      if (n.opType().equals("Cast") && n.attrInt("to", 0) == DataType.FLOAT.onnxCode()) {
        g.replaceNode(n, n.withAttribute(Attribute.of("to", (long) DataType.FLOAT16.onnxCode())));
      }
    }
    List<ValueInfo> outputs = new ArrayList<>();
    for (ValueInfo out : g.outputs()) {
      if (out.type() != DataType.FLOAT && out.type() != DataType.UNDEFINED) {
        outputs.add(out);
        continue;
      }
      String half = g.uniqueName(out.name() + "_fp16");
      renameValue(g, out.name(), half);
      g.addNode(Node.builder("Cast").name(g.uniqueName(out.name() + "_to_fp32")).inputs(half).outputs(out.name())
          .intAttr("to", DataType.FLOAT.onnxCode()).build());
      outputs.add(out);
    }
    g.setOutputs(outputs);
    g.clearValueInfo();
    g.sortTopologically();
    return g;
  }

  /** Routes every float use of {@code value} through one new Cast to FLOAT16. */
  private static void castConsumers(Graph g, String value) {
    String half = null;
    for (Node n : List.copyOf(g.consumers(value))) {
      List<String> inputs = new ArrayList<>(n.inputs());
      boolean changed = false;
      for (int i = 0; i < inputs.size(); i++) {
        boolean keepFloat = n.opType().equals("Resize") && (i == 1 || i == 2);
        if (inputs.get(i).equals(value) && !keepFloat) {
          if (half == null) {
            half = g.uniqueName(value + "_fp16");
          }
          inputs.set(i, half);
          changed = true;
        }
      }
      if (changed) {
        g.replaceNode(n, n.withInputs(inputs));
      }
    }
    if (half != null) {
      g.addNode(Node.builder("Cast").name(g.uniqueName(value + "_to_fp16")).inputs(value).outputs(half)
          .intAttr("to", DataType.FLOAT16.onnxCode()).build());
    }
  }

  /** Renames a node output and all its uses (not graph outputs: the caller re-creates those). */
  private static void renameValue(Graph g, String from, String to) {
    for (Node n : List.copyOf(g.nodes())) {
      boolean produces = n.outputs().contains(from);
      boolean uses = n.inputs().contains(from);
      if (!produces && !uses) {
        continue;
      }
      Node m = n;
      if (produces) {
        m = m.withOutputs(n.outputs().stream().map(o -> o.equals(from) ? to : o).toList());
      }
      if (uses) {
        m = m.withInputs(n.inputs().stream().map(i -> i.equals(from) ? to : i).toList());
      }
      g.replaceNode(n, m);
    }
  }
}
