package dev.reparo.passes;

import java.util.List;

/**
 * The pass pipelines Reparo runs, in the order they must run. Each pipeline is also available as
 * its list of passes, so that a larger pipeline can be composed from smaller ones. Thread-safe.
 */
public final class Pipelines {
  private Pipelines() {}

  /**
   * The passes that remove what exporters leave behind: constant folding, then Identity-like
   * nodes, then nodes and initializers nothing uses.
   */
  public static List<GraphPass> cleanupPasses() {
    return List.of(new FoldConstants(), new EliminateIdentity(), new EliminateDeadNodes());
  }

  /** {@link #cleanupPasses()} run to a fixed point. */
  public static PassManager cleanup() {
    return new PassManager(cleanupPasses());
  }
}
