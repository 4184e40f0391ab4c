package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Set;

/**
 * A local graph rewrite in two steps, as ONNX Runtime's rewrite rules: {@link #match} decides
 * whether the pattern anchored at a node may be rewritten (and says why not when it may not), and
 * {@link #rewrite} applies it. The {@link RuleDriver} owns the rest: which nodes are anchors,
 * skipping nodes an earlier rewrite removed, validation and the pass log. Implementations are
 * stateless and thread-safe.
 *
 * @param <S> what a match hands to the rewrite (the matched nodes and values)
 */
public interface RewriteRule<S> extends GraphPass {
  /** The op types a site is anchored at. */
  Set<String> anchors();

  /** True for rules on lowered ncnn layers, false for rules on ONNX operators. */
  boolean onNcnnLayers();

  /** What the pattern anchored at {@code anchor} is: absent, rewritable, or refused. */
  Match<S> match(Graph g, Node anchor);

  /** Rewrites a site {@link #match} found; the graph must stay valid. */
  void rewrite(Graph g, S site);

  @Override
  default void run(Graph graph, PassLog log) {
    RuleDriver.run(this, graph, log);
  }
}
