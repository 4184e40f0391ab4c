package dev.reparo.passes;

import java.util.ArrayList;
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

  /**
   * The training-form to deploy-form rewrites, in their required order: cleanup (so that weights
   * computed by Shape/Expand chains become constants), RepVGG re-parameterization (first: the BN
   * passes would turn an identity branch's bare BN into a Mul+Add that no longer reads as a
   * branch), Focus, Conv+BN fusion, per-channel Mul/Add constants into the conv before them and
   * constant shifts into the unpadded conv after them,
   * BatchNormalization to Mul+Add for what no conv absorbed, ShuffleNetV2 stages without their
   * shuffles (after the BN fusion, as it reorders conv outputs), and cleanup again.
   */
  public static List<GraphPass> deployPasses() {
    List<GraphPass> passes = new ArrayList<>(cleanupPasses());
    passes.add(new ReparameterizeRepVgg());
    passes.add(new FuseFocus());
    passes.add(new FuseConvBatchNorm());
    passes.add(new FuseConvAffine());
    passes.add(new FoldInputShiftIntoConv());
    passes.add(new BatchNormToAffine());
    passes.add(new UnshuffleChannelStages());
    passes.addAll(cleanupPasses());
    return List.copyOf(passes);
  }

  /** {@link #deployPasses()} run to a fixed point. */
  public static PassManager deploy() {
    return new PassManager(deployPasses());
  }
}
