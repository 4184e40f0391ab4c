package dev.reparo.passes;

import dev.reparo.graph.Graph;

/**
 * One graph rewrite with one job: find every site that matches its pattern, rewrite the sites it
 * can, and record why it refused the others.
 *
 * <p>A pass mutates the graph it is given and must leave it valid (topologically ordered, every
 * input produced, output names unchanged) and numerically equivalent. Running a pass again on its
 * own output must find nothing left to rewrite, so that {@link PassManager} reaches a fixed point.
 * Implementations are stateless and safe to share between threads; the graph is not.
 */
public interface GraphPass {
  /** A short stable name, e.g. {@code "repvgg-reparameterize"}, shown in reports. */
  String name();

  /** Applies the pass once to {@code graph}, recording matches and refusals in {@code log}. */
  void run(Graph graph, PassLog log);
}
