package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassManager;
import java.util.List;

/**
 * The ncnn lowering pipeline, in order: {@link LowerToNcnn} (every ONNX node to its ncnn layer),
 * then the ncnn-level rewrites {@link FuseChannelShuffle}, {@link MergeChannelSlices}, {@link
 * FuseScale}, the activation chains {@link FuseHardSigmoid}, {@link FuseHardSwish}, {@link
 * FuseMish}, {@link FuseGelu} and {@link FuseSwish} (before activation folding, so that a chain's
 * sigmoid or clip is not folded into its convolution and the fused activation can be), {@link
 * FoldActivation}, and last {@link SplitSharedBlobs} (after the fusions, so that an input a fused
 * chain read twice gets no Split). Run it on a deploy
 * graph (after re-parameterization and Conv+BN fusion); the result is what {@code NcnnWriter}
 * writes. Stateless and thread-safe.
 */
public final class NcnnLowering {
  private NcnnLowering() {}

  /** The passes, in the order they must run. */
  public static List<GraphPass> passes() {
    return List.of(new LowerToNcnn(), new FuseChannelShuffle(), new MergeChannelSlices(),
        new FuseScale(), new FuseHardSigmoid(), new FuseHardSwish(), new FuseMish(), new FuseGelu(),
        new FuseSwish(), new FoldActivation(), new SplitSharedBlobs());
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
