package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EliminateDeadNodesTest {
  @Test
  void removesBranchesAndInitializersNothingReadsButKeepsInputsAndMultiOutputNodes() {
    Graph g = new Graph("dead", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4));
    g.addInput(ValueInfo.of("unused_input", DataType.FLOAT, 1));
    g.putInitializer("w", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
    g.putInitializer("stale", Tensor.of(new float[] {9}, 1));
    g.putInitializer("stale_shape", LongTensor.vector(4));
    g.addNode(Node.builder("Mul").name("mul").inputs("x", "w").outputs("m").build());
    g.addNode(Node.builder("Sigmoid").name("side").inputs("m").outputs("s").build());
    g.addNode(Node.builder("Relu").name("side2").inputs("s").outputs("s2").build());
    g.addNode(Node.builder("Split").name("split").inputs("m").outputs("left", "right").intsAttr("split", 2, 2)
        .intAttr("axis", 1).build());
    g.addOutput(ValueInfo.unknown("left"));
    PassLog log = new PassLog();
    new EliminateDeadNodes().run(g, log);
    assertEquals(List.of("mul", "split"), g.nodes().stream().map(Node::name).toList());
    assertEquals(Set.of("w"), g.initializers().keySet());
    assertTrue(g.longInitializers().isEmpty());
    assertEquals(2, g.inputs().size());
    assertEquals(Set.of("node 'side' (Sigmoid)", "node 'side2' (Relu)", "initializer 'stale'",
        "initializer 'stale_shape'"), Set.copyOf(log.rewritten().stream().map(PassLog.Site::node).toList()));

    PassLog again = new PassLog();
    new EliminateDeadNodes().run(g, again);
    assertTrue(!again.changedGraph(), "a second run finds nothing");
  }
}
