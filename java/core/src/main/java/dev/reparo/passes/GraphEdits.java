package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small rewiring steps that passes share. Stateless and thread-safe; the graph is not. */
public final class GraphEdits {
  private GraphEdits() {}

  /** Makes every node that reads {@code from} read {@code to} instead. */
  public static void replaceUses(Graph graph, String from, String to) {
    for (Node n : new ArrayList<>(graph.nodes())) {
      if (n.inputs().contains(from)) {
        List<String> ins = new ArrayList<>(n.inputs());
        ins.replaceAll(in -> in.equals(from) ? to : in);
        graph.replaceNode(n, n.withInputs(ins));
      }
    }
  }

  /** Renames the value {@code from} (a node output) to {@code to}, in its producer and all readers. */
  public static void renameValue(Graph graph, String from, String to) {
    Node producer = graph.producer(from);
    if (producer != null) {
      List<String> outs = new ArrayList<>(producer.outputs());
      outs.replaceAll(o -> o.equals(from) ? to : o);
      graph.replaceNode(producer, producer.withOutputs(outs));
    }
    replaceUses(graph, from, to);
  }

  /** True when some node reads {@code value} or it is a graph output. */
  public static boolean isUsed(Graph graph, String value) {
    return graph.outputs().stream().anyMatch(o -> o.name().equals(value))
        || graph.nodes().stream().anyMatch(n -> n.inputs().contains(value));
  }

  /**
   * Removes {@code doomed} from the graph, then every initializer and Constant node that they read
   * and nothing else reads any more, and the recorded value infos of the values that are gone.
   */
  public static void removeNodes(Graph g, Collection<Node> doomed) {
    Deque<String> inputs = new ArrayDeque<>();
    Set<String> gone = new HashSet<>();
    for (Node n : doomed) {
      g.removeNode(n);
      inputs.addAll(n.inputs());
      gone.addAll(n.outputs());
    }
    while (!inputs.isEmpty()) {
      String v = inputs.pop();
      if (v.isEmpty() || isUsed(g, v)) {
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
  public static void dropValueInfos(Graph g, Set<String> values) {
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
