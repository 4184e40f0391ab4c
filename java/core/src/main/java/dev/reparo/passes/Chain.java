package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A straight pattern, declared as the op types of its nodes in order: each node is the only reader
 * of the output of the one before (and that output is no graph output), as in {@code Reshape ->
 * Permute -> Reshape}. A position may allow several types.
 */
public record Chain(boolean ncnn, List<Set<String>> types) {
  /** A chain of ncnn layers, one type per position. */
  public static Chain ofLayers(String... types) {
    List<Set<String>> t = new ArrayList<>();
    for (String type : types) {
      t.add(Set.of(type));
    }
    return new Chain(true, List.copyOf(t));
  }

  /** A chain of ncnn layers whose positions each allow several types. */
  @SafeVarargs
  public static Chain ofLayerSets(Set<String>... positions) {
    return new Chain(true, List.of(positions));
  }

  /** The chain's nodes starting at {@code first}, or null when it is not there. */
  public List<Node> from(Graph g, Node first) {
    List<Node> nodes = new ArrayList<>();
    Node n = first;
    for (int i = 0; i < types.size(); i++) {
      if (i > 0) {
        n = GraphQueries.soleConsumer(g, n.output(0));
      }
      if (n == null || !types.get(i).contains(n.opType()) || OpSchema.NCNN_DOMAIN.equals(n.domain()) != ncnn) {
        return null;
      }
      nodes.add(n);
    }
    return nodes;
  }
}
