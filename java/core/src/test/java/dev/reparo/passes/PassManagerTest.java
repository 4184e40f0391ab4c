package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class PassManagerTest {
  private static Graph identityChain() {
    Graph g = new Graph("chain", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4));
    g.addNode(Node.builder("Identity").name("id1").inputs("x").outputs("a").build());
    g.addNode(Node.builder("Identity").name("id2").inputs("a").outputs("b").build());
    g.addNode(Node.builder("Relu").name("relu").inputs("b").outputs("y").build());
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 4));
    return g;
  }

  /** Removes one Identity per run (not all at once), so the manager must iterate. */
  private static final class RemoveOneIdentity implements GraphPass {
    @Override
    public String name() {
      return "remove-one-identity";
    }

    @Override
    public void run(Graph g, PassLog log) {
      for (Node n : g.nodes()) {
        if (n.opType().equals("Identity")) {
          for (Node c : g.consumers(n.output(0))) {
            List<String> ins = c.inputs().stream().map(i -> i.equals(n.output(0)) ? n.input(0) : i).toList();
            g.replaceNode(c, c.withInputs(ins));
          }
          g.removeNode(n);
          log.rewrote(n.name());
          return;
        }
        if (n.opType().equals("Relu")) {
          log.refused(n.name(), "not an Identity");
        }
      }
    }
  }

  @Test
  void iteratesToAFixedPointAndReports() {
    Graph g = identityChain();
    PassManager.Report r = new PassManager(List.of(new RemoveOneIdentity())).run(g);
    assertEquals(1, g.nodes().size());
    assertEquals("x", g.nodes().get(0).input(0));
    assertEquals(3, r.rounds(), "two rounds that change the graph, then one that confirms the fixed point");
    assertEquals(2, r.passes().get(0).rewritten());
    assertEquals(List.of("relu: not an Identity"), r.passes().get(0).refused(), "refusals are deduplicated");
    assertTrue(r.format().contains("remove-one-identity") && r.format().contains("rewrote    2"), r.format());
  }

  @Test
  void namesThePassThatBreaksTheGraph() {
    GraphPass broken = new GraphPass() {
      @Override
      public String name() {
        return "drop-first-node";
      }

      @Override
      public void run(Graph g, PassLog log) {
        g.removeNode(g.nodes().get(0)); // leaves 'a' read but never produced
        log.rewrote("id1");
      }
    };
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> new PassManager(List.of(broken)).run(identityChain()));
    assertTrue(e.getMessage().startsWith("pass 'drop-first-node' left an invalid graph"), e.getMessage());
  }

  @Test
  void refusesAPipelineThatNeverSettles() {
    GraphPass restless = new GraphPass() {
      @Override
      public String name() {
        return "restless";
      }

      @Override
      public void run(Graph g, PassLog log) {
        log.rewrote("relu");
      }
    };
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> new PassManager(List.of(restless)).run(identityChain()));
    assertTrue(e.getMessage().contains("fixed point"), e.getMessage());
  }
}
