package dev.reparo.quant;

import dev.reparo.graph.Graph;
import java.util.ArrayList;
import java.util.List;

/**
 * Grouped (not depth-wise) convolutions that ncnn's int8 kernels compute wrongly: when a group has a
 * multiple of 8 input channels, ncnn (1.0.20261020, x86, packing layout on, as Reparo runs it) takes
 * each group through its pack-8 int8 path, and the layer's output has nothing to do with the FP32
 * one (cosine -0.02 to NaN on the repvgg_stack fixture's three grouped layers; 0.991-0.995 for the
 * same layers with packing off, and for groups of 12 channels with packing on). Such layers stay
 * FP32 in every int8 model Reparo writes. Stateless.
 */
public final class GroupedInt8Layers {
  private GroupedInt8Layers() {}

  /** Names of the grouped ConvolutionDepthWise layers of a lowered graph that ncnn gets wrong in int8. */
  public static List<String> find(Graph lowered) {
    List<String> out = new ArrayList<>();
    for (QuantizableLayer l : QuantizableLayer.find(lowered)) {
      int perGroup = l.inputChannelsPerGroup();
      if (l.type().equals("ConvolutionDepthWise") && !l.isDepthwise() && perGroup > 0 && perGroup % 8 == 0) {
        out.add(l.name());
      }
    }
    return out;
  }
}
