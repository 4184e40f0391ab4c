package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.param;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.List;

/**
 * Recognises a channel shuffle and makes it one ShuffleChannel layer.
 *
 * <p>Pattern (lowered from PyTorch's {@code view(n, g, c/g, h, w).transpose(1, 2).reshape(n, c, h,
 * w)}): {@code Reshape(w=W, h=H, d=C/g, c=g) -> Permute(order 6, swap c and d) -> Reshape(w=W, h=H,
 * c=C)}, each intermediate read only by the next. Rewrite: {@code ShuffleChannel(group=g)}, which
 * moves channel {@code i*C/g + j} to {@code j*g + i}: the same permutation. Stateless and thread-safe.
 */
public final class FuseChannelShuffle implements GraphPass {
  /** ncnn Permute order "w h c d": swaps the two outer axes of a 4-D blob. */
  private static final int SWAP_C_D = 6;

  @Override
  public String name() {
    return "ncnn-channel-shuffle";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    for (Node split : List.copyOf(graph.nodes())) {
      if (!graph.nodes().contains(split) || !is(split, "Reshape") || !split.hasAttribute("11")) {
        continue;
      }
      Node permute = soleConsumer(graph, split.output(0));
      if (!is(permute, "Permute") || param(permute, 0, 0) != SWAP_C_D) {
        continue;
      }
      Node merge = soleConsumer(graph, permute.output(0));
      if (!is(merge, "Reshape")) {
        continue;
      }
      int w = param(split, 0, -233);
      int h = param(split, 1, -233);
      int perGroup = param(split, 11, -233);
      int groups = param(split, 2, -233);
      boolean fits = w > 0 && h > 0 && perGroup > 0 && groups > 0 && param(merge, 0, -233) == w
          && param(merge, 1, -233) == h && param(merge, 2, -233) == (long) perGroup * groups
          && !merge.hasAttribute("11");
      if (!fits) {
        log.refused(split.name(), "reshape -> permute -> reshape does not regroup channels in place");
        continue;
      }
      Node shuffle = layer("ShuffleChannel", merge.name()).inputs(split.input(0))
          .outputs(merge.output(0)).intAttr("0", groups).build();
      graph.replaceNode(merge, shuffle);
      graph.removeNode(permute);
      graph.removeNode(split);
      log.rewrote(split.name());
    }
  }
}
