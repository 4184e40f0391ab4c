package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassManager;
import java.util.List;

/**
 * The ncnn lowering pipeline, in order: {@link LowerToNcnn} (every ONNX node to its ncnn layer),
 * then the ncnn-level rewrites {@link FuseChannelShuffle}, {@link MergeChannelSlices}, {@link
 * FuseScale}, {@link FuseSwish} (before activation folding, so a SiLU's sigmoid is not folded into
 * its convolution), {@link FoldActivation}, and last {@link SplitSharedBlobs}. Run it on a deploy
 * graph (after re-parameterization and Conv+BN fusion); the result is what {@code NcnnWriter}
 * writes. Stateless and thread-safe.
 */
public final class NcnnLowering {
  private NcnnLowering() {}

  /** The passes, in the order they must run. */
  public static List<GraphPass> passes() {
    return List.of(new LowerToNcnn(), new FuseChannelShuffle(), new MergeChannelSlices(),
        new FuseScale(), new FuseSwish(), new FoldActivation(), new SplitSharedBlobs());
  }

  /**
   * Lowers {@code graph} in place to a fixed point and reports what each pass did.
   *
   * @throws dev.reparo.graph.UnsupportedOpException naming the first node ncnn cannot express
   */
  public static PassManager.Report lower(Graph graph) {
    return new PassManager(passes()).run(graph);
  }
}
