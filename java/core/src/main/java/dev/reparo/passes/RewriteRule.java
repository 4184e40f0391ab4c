package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Set;

/**
 * A local graph rewrite in two steps, as ONNX Runtime's rewrite rules: {@link #match} decides
 * whether the pattern anchored at a node may be rewritten (and says why not when it may not), and
 * {@link #rewrite} applies it. A rule names the op types its sites are anchored at; the {@link
 * RuleDriver} owns the rest: finding anchors, skipping nodes an earlier rewrite removed, validation
 * and the pass log. Implementations are stateless and thread-safe.
 *
 * @param <S> what a match hands to the rewrite (the matched nodes and values)
 */
public abstract class RewriteRule<S> implements GraphPass {
  private final String name;
  private final boolean onNcnnLayers;
  private final Set<String> anchors;

  /**
   * @param onNcnnLayers true for a rule on lowered ncnn layers, false for one on ONNX operators
   * @param anchors the op types a site is anchored at
   */
  protected RewriteRule(String name, boolean onNcnnLayers, String... anchors) {
    this.name = name;
    this.onNcnnLayers = onNcnnLayers;
    this.anchors = Set.of(anchors);
  }

  @Override
  public final String name() {
    return name;
  }

  public final Set<String> anchors() {
    return anchors;
  }

  public final boolean onNcnnLayers() {
    return onNcnnLayers;
  }

  /** What the pattern anchored at {@code anchor} is: absent, rewritable, or refused. */
  public abstract Match<S> match(Graph g, Node anchor);

  /** Rewrites a site {@link #match} found; the graph must stay valid. */
  public abstract void rewrite(Graph g, S site);

  @Override
  public final void run(Graph graph, PassLog log) {
    RuleDriver.run(this, graph, log);
  }
}
