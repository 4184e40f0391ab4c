package dev.reparo.passes;

import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * Removes nodes that pass their input through unchanged: {@code Identity}, a {@code Cast} or
 * {@code CastLike} to the type the input already has, and {@code Dropout} (an identity at
 * inference) whose mask output is unused and whose {@code training_mode} is absent or a constant
 * false. Readers of the output read the input instead; when the output is a graph output, the
 * input's producer is made to write it under the graph output's name, so output names never
 * change. Refused, with the reason logged: a graph output fed straight from a graph input,
 * initializer or another graph output, a used Dropout mask, a Dropout that may be training.
 * Stateless and thread-safe.
 */
public final class EliminateIdentity implements GraphPass {
  @Override
  public String name() {
    return "eliminate-identity";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    ShapeInference.Result types = ShapeInference.infer(graph);
    for (Node node : new ArrayList<>(graph.nodes())) {
      String refusal;
      switch (node.opType()) {
        case "Identity" -> refusal = null;
        case "Cast" -> {
          DataType from = typeOf(types, node.input(0));
          if (from == DataType.UNDEFINED || from.onnxCode() != node.attrInt("to", -1)) {
            continue; // a real conversion (or one of unknown effect)
          }
          refusal = null;
        }
        case "CastLike" -> {
          DataType from = typeOf(types, node.input(0));
          if (from == DataType.UNDEFINED || from != typeOf(types, node.input(1))) {
            continue;
          }
          refusal = null;
        }
        case "Dropout" -> refusal = dropoutRefusal(graph, node);
        default -> {
          continue;
        }
      }
      if (refusal == null) {
        refusal = bypass(graph, node);
      }
      if (refusal != null) {
        log.refused(node.describe(), refusal);
      } else {
        log.rewrote(node.describe());
      }
    }
  }

  private static DataType typeOf(ShapeInference.Result types, String value) {
    ValueInfo v = types.info(value);
    return v == null ? DataType.UNDEFINED : v.type();
  }

  private static String dropoutRefusal(Graph graph, Node node) {
    if (!node.output(1).isEmpty() && GraphEdits.isUsed(graph, node.output(1))) {
      return "its mask output '" + node.output(1) + "' is used";
    }
    if (node.hasInput(2)) {
      LongTensor mode = graph.longInitializer(node.input(2));
      if (mode == null || mode.size() != 1 || mode.data()[0] != 0) {
        return "training_mode is not a constant false";
      }
    }
    return null;
  }

  /** Removes the node, rewiring its output to its input; the reason when it cannot. */
  private static String bypass(Graph graph, Node node) {
    String in = node.input(0);
    String out = node.output(0);
    Set<String> graphOutputs = new HashSet<>();
    graph.outputs().forEach(o -> graphOutputs.add(o.name()));
    if (!graphOutputs.contains(out)) {
      graph.removeNode(node);
      GraphEdits.replaceUses(graph, out, in);
      return null;
    }
    boolean inputIsProduced = graph.producer(in) != null;
    if (!inputIsProduced || graphOutputs.contains(in)) {
      return "its output '" + out + "' is a graph output fed by the graph "
          + (graphOutputs.contains(in) ? "output '" : inputIsProduced ? "value '" : "input or initializer '")
          + in + "'";
    }
    graph.removeNode(node);
    GraphEdits.renameValue(graph, in, out);
    return null;
  }
}
