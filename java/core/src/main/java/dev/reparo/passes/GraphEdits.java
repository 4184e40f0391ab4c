package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Graph surgery shared by passes: removing nodes together with what only they used. */
final class GraphEdits {
  private GraphEdits() {}

  /**
   * Removes {@code doomed} from the graph, then every initializer and Constant node that they read
   * and nothing else reads any more, and the recorded value infos of the values that are gone.
   */
  static void removeNodes(Graph g, Collection<Node> doomed) {
    Deque<String> inputs = new ArrayDeque<>();
    Set<String> gone = new HashSet<>();
    for (Node n : doomed) {
      g.removeNode(n);
      inputs.addAll(n.inputs());
      gone.addAll(n.outputs());
    }
    while (!inputs.isEmpty()) {
      String v = inputs.pop();
      if (v.isEmpty() || GraphQueries.isGraphOutput(g, v) || !g.consumers(v).isEmpty()) {
        continue;
      }
      if (g.isInitializer(v)) {
        g.removeInitializer(v);
      } else {
        Node p = g.producer(v);
        if (p != null && p.opType().equals("Constant")) {
          g.removeNode(p);
          gone.add(v);
        }
      }
    }
    dropValueInfos(g, gone);
  }

  /** Forgets the recorded types and shapes of values that no longer exist. */
  static void dropValueInfos(Graph g, Set<String> values) {
    Set<String> stillProduced = new HashSet<>();
    g.nodes().forEach(n -> stillProduced.addAll(n.outputs()));
    Map<String, ValueInfo> keep = new LinkedHashMap<>(g.valueInfos());
    boolean changed = keep.keySet().removeIf(v -> values.contains(v) && !stillProduced.contains(v));
    if (changed) {
      g.clearValueInfo();
      keep.values().forEach(g::putValueInfo);
    }
  }
}
