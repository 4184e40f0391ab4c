package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import java.util.List;

/**
 * Small helpers the ncnn passes share: building ncnn-domain nodes and reading their params by id.
 * Stateless and thread-safe.
 */
final class NcnnLayers {
  private NcnnLayers() {}

  /** A builder for an ncnn layer node. */
  static Node.Builder layer(String type, String name) {
    return Node.builder(type).domain(OpSchema.NCNN_DOMAIN).name(name);
  }

  /** True for an ncnn-domain node of that layer type. */
  static boolean is(Node n, String type) {
    return n != null && OpSchema.NCNN_DOMAIN.equals(n.domain()) && n.opType().equals(type);
  }

  static int param(Node n, int id, int defaultValue) {
    return (int) n.attrInt(Integer.toString(id), defaultValue);
  }

  static float floatParam(Node n, int id, float defaultValue) {
    return n.attrFloat(Integer.toString(id), defaultValue);
  }

  /** An INTS param, or null. */
  static long[] intsParam(Node n, int id) {
    return n.attrInts(Integer.toString(id));
  }

  /** The single node reading {@code value}, or null if none or several do or it is a graph output. */
  static Node soleConsumer(Graph g, String value) {
    if (g.outputs().stream().anyMatch(o -> o.name().equals(value))) {
      return null;
    }
    List<Node> consumers = g.consumers(value);
    return consumers.size() == 1 ? consumers.get(0) : null;
  }

  /** Removes initializers no node reads and that are not graph outputs. */
  static void dropUnusedInitializers(Graph g) {
    java.util.Set<String> used = new java.util.HashSet<>();
    g.nodes().forEach(n -> used.addAll(n.inputs()));
    g.outputs().forEach(o -> used.add(o.name()));
    for (String name : List.copyOf(g.initializers().keySet())) {
      if (!used.contains(name)) {
        g.removeInitializer(name);
      }
    }
    for (String name : List.copyOf(g.longInitializers().keySet())) {
      if (!used.contains(name)) {
        g.removeInitializer(name);
      }
    }
  }
}
