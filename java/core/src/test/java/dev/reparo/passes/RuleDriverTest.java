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

/** The driver of rewrite rules: anchors, stale nodes, the pass log and validation. */
class RuleDriverTest {
  private static Node op(String type, String out, String... in) {
    return Node.builder(type).name(out).inputs(in).outputs(out).build();
  }

  /** relu(relu(x)) -> relu(x), refused where the inner relu has other readers. */
  private static final class DropDoubleRelu extends RewriteRule<Node> {
    DropDoubleRelu() {
      super("drop-double-relu", false, "Relu");
    }

    @Override
    public Match<Node> match(Graph g, Node outer) {
      Node inner = g.producer(outer.input(0));
      if (inner == null || !inner.opType().equals("Relu")) {
        return Match.none();
      }
      if (GraphQueries.soleConsumer(g, inner.output(0)) != outer) {
        return Match.refused(outer.name(), "the inner relu is read elsewhere too");
      }
      return Match.at(outer.name(), outer);
    }

    @Override
    public void rewrite(Graph g, Node outer) {
      Node inner = g.producer(outer.input(0));
      g.replaceNode(outer, outer.withInputs(inner.inputs()));
      g.removeNode(inner);
    }
  }

  private static Graph chain(int relus) {
    Graph g = new Graph("relus", 17);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4));
    String prev = "x";
    for (int i = 0; i < relus; i++) {
      g.addNode(op("Relu", "r" + i, prev));
      prev = "r" + i;
    }
    g.addOutput(ValueInfo.of(prev, DataType.FLOAT, 1, 4));
    return g;
  }

  @Test
  void rewritesSitesInGraphOrderEachSeeingTheRewritesBeforeIt() {
    Graph g = chain(3);
    PassLog log = new PassLog();
    new DropDoubleRelu().run(g, log);
    // r1 absorbs r0, then r2 absorbs the rewritten r1; r0, removed, is never an anchor again.
    assertEquals(List.of("r1", "r2"), log.rewritten().stream().map(PassLog.Site::node).toList());
    assertEquals(1, g.nodes().size());
    assertEquals(List.of("x"), g.nodes().get(0).inputs());
  }

  @Test
  void logsARefusalWithItsReason() {
    Graph g = chain(2);
    g.addNode(op("Sigmoid", "s", "r0"));
    g.addOutput(ValueInfo.of("s", DataType.FLOAT, 1, 4));
    PassLog log = new PassLog();
    new DropDoubleRelu().run(g, log);
    assertTrue(log.rewritten().isEmpty());
    assertEquals(List.of(new PassLog.Site("r1", "the inner relu is read elsewhere too")), log.refusedSites());
  }

  @Test
  void namesTheRuleWhoseRewriteBrokeTheGraph() {
    RewriteRule<Node> broken = new RewriteRule<>("broken", false, "Relu") {
      @Override
      public Match<Node> match(Graph g, Node n) {
        return Match.at(n.name(), n);
      }

      @Override
      public void rewrite(Graph g, Node n) {
        g.replaceNode(n, n.withInputs(List.of("nowhere")));
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> broken.run(chain(1), new PassLog()));
    assertTrue(e.getMessage().startsWith("rule 'broken' left an invalid graph after rewriting 'r0'"), e.getMessage());
  }
}
