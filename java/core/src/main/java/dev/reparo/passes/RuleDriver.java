package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import java.util.List;

/**
 * Runs a {@link RewriteRule} once over a graph: every anchor node in graph order (as the graph was
 * when the run began, skipping nodes an earlier rewrite removed), its match logged as rewritten or
 * refused, and the graph validated after a run that changed it, naming the rule and the last site.
 */
public final class RuleDriver {
  private RuleDriver() {}

  public static <S> void run(RewriteRule<S> rule, Graph g, PassLog log) {
    String last = rewrite(rule, g, log);
    if (last != null) {
      try {
        GraphValidator.validate(g);
      } catch (RuntimeException e) {
        throw new IllegalStateException("rule '" + rule.name() + "' left an invalid graph after rewriting '"
            + last + "': " + e.getMessage(), e);
      }
    }
  }

  /**
   * {@link #run} without the validation, for graphs the validator does not know (int8 layers'
   * extra inputs).
   *
   * @return the last site rewritten, or null where nothing was
   */
  public static <S> String rewrite(RewriteRule<S> rule, Graph g, PassLog log) {
    String last = null;
    for (Node anchor : List.copyOf(g.nodes())) {
      if (!rule.anchors().contains(anchor.opType())
          || OpSchema.NCNN_DOMAIN.equals(anchor.domain()) != rule.onNcnnLayers()
          || !g.nodes().contains(anchor)) {
        continue;
      }
      Match<S> m = rule.match(g, anchor);
      if (!m.found()) {
        continue;
      }
      if (m.isRefused()) {
        log.refused(m.node(), m.refusal());
        continue;
      }
      rule.rewrite(g, m.site());
      log.rewrote(m.node());
      last = m.node();
    }
    return last;
  }
}
