package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.constant.CannotFold;
import dev.reparo.graph.constant.Casts;
import dev.reparo.graph.constant.ConstValue;
import dev.reparo.graph.constant.Generators;
import dev.reparo.graph.ops.ConstantEvaluator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces nodes whose results are known before run time by initializers: Constant nodes, nodes
 * whose inputs are all constants (the Shape/Gather/Unsqueeze/Concat/Reshape/Cast/Expand... chains
 * that exporters emit, see {@link ConstantEvaluator}), {@code Shape} of a value whose shape is
 * statically known, and {@code CastLike} of a constant to the known type of its second input.
 * Whole chains fold in one run, in graph order.
 *
 * <p>Refused, with the reason logged: operators the evaluator does not know, results too large to
 * be worth storing, results whose type the graph cannot store (double, float16), and nodes whose
 * output is a graph output. Stateless and thread-safe.
 */
public final class FoldConstants implements GraphPass {
  @Override
  public String name() {
    return "fold-constants";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    ShapeInference.Result inferred = ShapeInference.infer(graph);
    Set<String> graphOutputs = new HashSet<>();
    graph.outputs().forEach(o -> graphOutputs.add(o.name()));
    Map<String, ConstValue> folded = new HashMap<>();

    for (Node node : new ArrayList<>(graph.nodes())) {
      List<ConstValue> results;
      try {
        results = fold(graph, node, inferred, folded);
      } catch (CannotFold e) {
        log.refused(node.describe(), e.getMessage());
        continue;
      }
      if (results == null) {
        continue; // some input is only known at run time
      }
      String outputAsGraphOutput = node.outputs().stream().filter(graphOutputs::contains).findFirst().orElse(null);
      if (outputAsGraphOutput != null) {
        log.refused(node.describe(), "its output '" + outputAsGraphOutput + "' is a graph output");
        continue;
      }
      String mismatch = typeMismatch(node, results, inferred);
      if (mismatch != null) {
        log.refused(node.describe(), mismatch);
        continue;
      }
      if (!graph.removeNode(node)) {
        throw new IllegalStateException(node.describe() + " changed while it was being folded");
      }
      for (int i = 0; i < results.size(); i++) {
        String out = node.output(i);
        if (out.isEmpty()) {
          continue;
        }
        Object t = results.get(i).toTensor();
        if (t instanceof Tensor f) {
          graph.putInitializer(out, f);
        } else {
          graph.putInitializer(out, (LongTensor) t);
        }
        folded.put(out, results.get(i));
      }
      log.rewrote(node.describe());
    }
  }

  /** The node's results if it can be evaluated now, null if it depends on run-time values. */
  private static List<ConstValue> fold(Graph graph, Node node, ShapeInference.Result inferred,
      Map<String, ConstValue> folded) throws CannotFold {
    switch (node.opType()) {
      case "Shape" -> {
        Shape s = inferred.shape(node.input(0));
        if (!s.isKnown()) {
          return null;
        }
        return List.of(Generators.shape(s, node.attrInt("start", 0), node.attrInt("end", s.rank())));
      }
      case "CastLike" -> {
        ConstValue x = constant(graph, node.input(0), folded);
        ValueInfo like = inferred.info(node.input(1));
        if (x == null || like == null || like.type() == DataType.UNDEFINED) {
          return null;
        }
        return List.of(Casts.cast(x, like.type()));
      }
      default -> {
        List<ConstValue> inputs = new ArrayList<>();
        for (String in : node.inputs()) {
          if (in.isEmpty()) {
            inputs.add(null);
            continue;
          }
          ConstValue c = constant(graph, in, folded);
          if (c == null) {
            return null;
          }
          inputs.add(c);
        }
        if (!ConstantEvaluator.supports(node.opType())) {
          throw new CannotFold("all inputs are constant, but " + node.opType() + " is not evaluated at"
              + " conversion time");
        }
        return ConstantEvaluator.evaluate(node, inputs, graph.opset());
      }
    }
  }

  private static ConstValue constant(Graph graph, String value, Map<String, ConstValue> folded) {
    ConstValue c = folded.get(value);
    if (c != null) {
      return c;
    }
    Tensor t = graph.initializer(value);
    if (t != null) {
      return ConstValue.of(t);
    }
    LongTensor l = graph.longInitializer(value);
    return l == null ? null : ConstValue.of(l);
  }

  /** Why a result cannot replace the node's output: its type is not what the graph computes. */
  private static String typeMismatch(Node node, List<ConstValue> results, ShapeInference.Result inferred) {
    for (int i = 0; i < results.size(); i++) {
      ValueInfo v = inferred.info(node.output(i));
      if (v != null && v.type() != DataType.UNDEFINED && v.type() != results.get(i).type()) {
        return "output '" + node.output(i) + "' is " + v.type() + ", which Reparo stores as "
            + results.get(i).type();
      }
    }
    return null;
  }
}
