package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes nodes none of whose outputs reach a graph output, then initializers nothing reads.
 * Graph inputs are kept even when unused: they are the model's interface. Every supported
 * operator is free of side effects, so nothing else is needed to decide. Stateless and
 * thread-safe.
 */
public final class EliminateDeadNodes implements GraphPass {
  @Override
  public String name() {
    return "eliminate-dead-nodes";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    Set<String> live = new HashSet<>();
    graph.outputs().forEach(o -> live.add(o.name()));
    List<Node> nodes = graph.nodes();
    List<Node> dead = new ArrayList<>();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      Node n = nodes.get(i);
      if (n.outputs().stream().anyMatch(live::contains)) {
        live.addAll(n.inputs());
      } else {
        dead.add(n);
      }
    }
    for (Node n : dead) {
      graph.removeNode(n);
      log.rewrote(n.describe());
    }
    List<String> unused = new ArrayList<>();
    graph.initializers().keySet().stream().filter(k -> !live.contains(k)).forEach(unused::add);
    graph.longInitializers().keySet().stream().filter(k -> !live.contains(k)).forEach(unused::add);
    for (String name : unused) {
      graph.removeInitializer(name);
      log.rewrote("initializer '" + name + "'");
    }
  }
}
