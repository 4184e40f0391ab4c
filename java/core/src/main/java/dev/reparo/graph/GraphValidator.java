package dev.reparo.graph;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Checks that a graph is well formed before passes or backends trust it: every operator supported,
 * every node with the inputs, outputs and attribute types its operator takes, every value produced
 * exactly once before it is read, every graph output produced. Thread-safe (stateless).
 *
 * <p>Shapes are not checked here; {@link ShapeInference} does that.
 */
public final class GraphValidator {
  private GraphValidator() {}

  /**
   * @throws UnsupportedOpException for the first node whose operator Reparo does not support
   * @throws InvalidGraphException naming the first node (or graph input/output) at fault
   */
  public static void validate(Graph graph) {
    Map<String, String> definedBy = new HashMap<>();
    definedBy.put("", "(omitted)");
    for (ValueInfo in : graph.inputs()) {
      if (in.name().isEmpty()) {
        throw new InvalidGraphException("graph input", "has an empty name");
      }
      if (definedBy.put(in.name(), "graph input") != null) {
        throw new InvalidGraphException("graph input '" + in.name() + "'", "is declared twice");
      }
    }
    for (String init : graph.initializers().keySet()) {
      checkInitializer(definedBy, init);
    }
    for (String init : graph.longInitializers().keySet()) {
      checkInitializer(definedBy, init);
    }

    Set<String> producedLater = new HashSet<>();
    graph.nodes().forEach(n -> producedLater.addAll(n.outputs()));
    Map<String, Node> nodeNames = new HashMap<>();
    for (Node node : graph.nodes()) {
      OpSchema schema = OpSchema.require(node);
      checkArity(node, schema);
      checkAttributes(node, schema);
      if (!node.name().isEmpty()) {
        Node other = nodeNames.putIfAbsent(node.name(), node);
        if (other != null) {
          throw new InvalidGraphException(node, "another node has the same name");
        }
      }
      for (String in : node.inputs()) {
        if (!definedBy.containsKey(in)) {
          throw new InvalidGraphException(node, "input '" + in + "' "
              + (producedLater.contains(in)
                  ? "is produced by a later node (nodes are not in topological order, or form a cycle)"
                  : "is not a graph input, an initializer or any node's output"));
        }
      }
      for (String out : node.outputs()) {
        if (out.isEmpty()) {
          continue;
        }
        String prev = definedBy.putIfAbsent(out, node.describe());
        if (prev != null) {
          throw new InvalidGraphException(node, "output '" + out + "' is already produced by " + prev);
        }
      }
    }

    if (graph.outputs().isEmpty()) {
      throw new InvalidGraphException("graph '" + graph.name() + "'", "has no outputs");
    }
    Set<String> outputNames = new HashSet<>();
    for (ValueInfo out : graph.outputs()) {
      if (!outputNames.add(out.name())) {
        throw new InvalidGraphException("graph output '" + out.name() + "'", "is declared twice");
      }
      if (out.name().isEmpty() || !definedBy.containsKey(out.name())) {
        throw new InvalidGraphException("graph output '" + out.name() + "'",
            "is not produced by any node, graph input or initializer");
      }
    }
  }

  private static void checkInitializer(Map<String, String> definedBy, String init) {
    if (init.isEmpty()) {
      throw new InvalidGraphException("initializer", "has an empty name");
    }
    String prev = definedBy.put(init, "initializer");
    if (prev != null) {
      throw new InvalidGraphException("initializer '" + init + "'", "has the name of a " + prev);
    }
  }

  private static void checkArity(Node node, OpSchema schema) {
    int given = node.inputs().size();
    if (given > schema.maxInputs()) {
      throw new InvalidGraphException(node, "has " + given + " inputs; " + schema.opType()
          + " takes at most " + schema.maxInputs());
    }
    for (int i = 0; i < schema.minInputs(); i++) {
      if (!node.hasInput(i)) {
        throw new InvalidGraphException(node, "has " + given + " inputs"
            + (i < given ? " (input " + i + " is empty)" : "") + "; " + schema.opType()
            + " needs at least " + schema.minInputs());
      }
    }
    int outs = node.outputs().size();
    if (outs < schema.minOutputs() || outs > schema.maxOutputs()) {
      throw new InvalidGraphException(node, "has " + outs + " outputs; " + schema.opType()
          + " produces " + range(schema.minOutputs(), schema.maxOutputs()));
    }
    for (int i = 0; i < schema.minOutputs(); i++) {
      if (node.output(i).isEmpty()) {
        throw new InvalidGraphException(node, "output " + i + " has an empty name");
      }
    }
  }

  private static void checkAttributes(Node node, OpSchema schema) {
    if (node.domain().equals(OpSchema.NCNN_DOMAIN)) {
      for (String name : node.attributes().keySet()) {
        if (!name.matches("\\d{1,2}")) {
          throw new InvalidGraphException(node, "attribute '" + name
              + "' is not an ncnn param id (0 to 31)");
        }
      }
      return;
    }
    for (Attribute a : node.attributes().values()) {
      Attribute.Type expected = schema.attributes().get(a.name());
      if (expected == null) {
        throw new InvalidGraphException(node, "unknown attribute '" + a.name() + "' for "
            + schema.opType() + " (known: " + String.join(", ", new java.util.TreeSet<>(
                schema.attributes().keySet())) + ")");
      }
      if (a.type() != expected) {
        throw new InvalidGraphException(node, "attribute '" + a.name() + "' is " + a.type()
            + ", expected " + expected);
      }
    }
  }

  private static String range(int min, int max) {
    if (min == max) {
      return "exactly " + min;
    }
    return max == OpSchema.VARIADIC ? "at least " + min : min + " to " + max;
  }
}
