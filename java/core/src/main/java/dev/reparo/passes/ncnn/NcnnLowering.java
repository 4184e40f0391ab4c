package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.passes.PassLog;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassManager;
import dev.reparo.passes.RuleDriver;
import java.util.List;

/**
 * The ncnn lowering pipeline, in order: {@link LowerToNcnn} (every ONNX node to its ncnn layer),
 * then the ncnn-level rewrites {@link FuseChannelShuffle}, {@link MergeChannelSlices}, {@link
 * FuseScale}, the activation chains {@link FuseHardSigmoid}, {@link FuseHardSwish}, {@link
 * FuseMish}, {@link FuseGelu} and {@link FuseSwish} (before activation folding, so that a chain's
 * sigmoid or clip is not folded into its convolution and the fused activation can be), {@link
 * FoldActivation}, the kernel fits {@link SplitStemConvolution} (after the folding, so that its
 * copies carry the folded activation) and {@link PadUnpackedChannels}, and last {@link SplitSharedBlobs} (after the fusions, so that an input a fused
 * chain read twice gets no Split). Run it on a deploy
 * graph (after re-parameterization and Conv+BN fusion); the result is what {@code NcnnWriter}
 * writes.
 *
 * <p>INT8 models are lowered in two steps: {@link #lowerForQuantization} leaves every layer as
 * the fused ONNX has it (a calibration table and the Q/DQ ONNX name those layers and their channel
 * counts), and {@link #fitKernels}, after the int8 params are in, applies the kernel fits to the
 * layers that stayed FP32. Stateless and
 * thread-safe.
 */
public final class NcnnLowering {
  private NcnnLowering() {}

  /** The passes, in the order they must run. */
  public static List<GraphPass> passes() {
    return List.of(new LowerToNcnn(), new FuseChannelShuffle(), new MergeChannelSlices(),
        new FuseScale(), new FuseHardSigmoid(), new FuseHardSwish(), new FuseMish(), new FuseGelu(),
        new FuseSwish(), new FoldActivation(), new SplitStemConvolution(), new PadUnpackedChannels(),
        new SplitSharedBlobs());
  }

  /** {@link #passes()} without the kernel fits: every layer keeps its fused-ONNX name and shape. */
  public static List<GraphPass> quantizationPasses() {
    return passes().stream().filter(p -> !(p instanceof SplitStemConvolution || p instanceof PadUnpackedChannels))
        .toList();
  }

  /**
   * Lowers {@code graph} in place to a fixed point and reports what each pass did.
   *
   * @throws dev.reparo.graph.UnsupportedOpException naming the first node ncnn cannot express
   */
  public static PassManager.Report lower(Graph graph) {
    return new PassManager(passes()).run(graph);
  }

  /**
   * Lowers {@code graph} for calibration and int8 writing: {@link #quantizationPasses()}.
   *
   * @throws dev.reparo.graph.UnsupportedOpException naming the first node ncnn cannot express
   */
  public static PassManager.Report lowerForQuantization(Graph graph) {
    return new PassManager(quantizationPasses()).run(graph);
  }

  /**
   * Applies the kernel fits ({@link SplitStemConvolution}, {@link PadUnpackedChannels}) to a graph
   * {@link #lowerForQuantization lowered for quantization} once its int8 params are in (int8 layers
   * are left as they are), then gives the blobs the stem copies share a Split. Not through {@link
   * PassManager}: its graph validation does not know int8 layers' extra inputs.
   *
   * @return how many sites were rewritten
   */
  public static int fitKernels(Graph lowered) {
    PassLog log = new PassLog();
    RuleDriver.rewrite(new SplitStemConvolution(), lowered, log);
    RuleDriver.rewrite(new PadUnpackedChannels(), lowered, log);
    if (log.changedGraph()) {
      new SplitSharedBlobs().run(lowered, new PassLog());
    }
    return log.rewritten().size();
  }
}
