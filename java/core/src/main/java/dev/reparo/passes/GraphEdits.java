package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.ArrayList;
import java.util.List;

/** Small rewiring steps that passes share. Stateless and thread-safe; the graph is not. */
final class GraphEdits {
  private GraphEdits() {}

  /** Makes every node that reads {@code from} read {@code to} instead. */
  static void replaceUses(Graph graph, String from, String to) {
    for (Node n : new ArrayList<>(graph.nodes())) {
      if (n.inputs().contains(from)) {
        List<String> ins = new ArrayList<>(n.inputs());
        ins.replaceAll(in -> in.equals(from) ? to : in);
        graph.replaceNode(n, n.withInputs(ins));
      }
    }
  }

  /** Renames the value {@code from} (a node output) to {@code to}, in its producer and all readers. */
  static void renameValue(Graph graph, String from, String to) {
    Node producer = graph.producer(from);
    if (producer != null) {
      List<String> outs = new ArrayList<>(producer.outputs());
      outs.replaceAll(o -> o.equals(from) ? to : o);
      graph.replaceNode(producer, producer.withOutputs(outs));
    }
    replaceUses(graph, from, to);
  }

  /** True when some node reads {@code value} or it is a graph output. */
  static boolean isUsed(Graph graph, String value) {
    return graph.outputs().stream().anyMatch(o -> o.name().equals(value))
        || graph.nodes().stream().anyMatch(n -> n.inputs().contains(value));
  }
}
