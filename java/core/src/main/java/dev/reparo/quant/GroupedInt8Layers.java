package dev.reparo.quant;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
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
      if (!l.type().equals("ConvolutionDepthWise")) {
        continue;
      }
      Node n = node(lowered, l.name());
      long outputs = n.attrInt("0", 0);
      long group = n.attrInt("7", 1);
      long kw = n.attrInt("1", 0);
      long kh = n.attrInt("11", kw);
      if (group <= 0 || outputs <= 0 || kw <= 0 || kh <= 0) {
        continue;
      }
      long channelsPerGroup = l.weight().size() / (kw * kh * outputs);
      boolean depthWise = channelsPerGroup == 1 && group == outputs;
      if (!depthWise && channelsPerGroup % 8 == 0) {
        out.add(l.name());
      }
    }
    return out;
  }

  private static Node node(Graph g, String name) {
    for (Node n : g.nodes()) {
      if (n.name().equals(name) && OpSchema.NCNN_DOMAIN.equals(n.domain())) {
        return n;
      }
    }
    throw new IllegalStateException("no layer " + name);
  }
}
