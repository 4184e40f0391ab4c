package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.param;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Chain;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.List;

/**
 * Recognises a channel shuffle and makes it one ShuffleChannel layer.
 *
 * <p>Pattern (lowered from PyTorch's {@code view(n, g, c/g, h, w).transpose(1, 2).reshape(n, c, h,
 * w)}): {@code Reshape(w=W, h=H, d=C/g, c=g) -> Permute(order 6, swap c and d) -> Reshape(w=W, h=H,
 * c=C)}, each intermediate read only by the next. Rewrite: {@code ShuffleChannel(group=g)}, which
 * moves channel {@code i*C/g + j} to {@code j*g + i}: the same permutation. Stateless and thread-safe.
 */
public final class FuseChannelShuffle extends RewriteRule<FuseChannelShuffle.Site> {
  private static final Chain PATTERN = Chain.ofLayers("Reshape", "Permute", "Reshape");
  /** ncnn Permute order "w h c d": swaps the two outer axes of a 4-D blob. */
  private static final int SWAP_C_D = 6;
  private static final int UNSET = -233;

  record Site(Node split, Node permute, Node merge, int groups) {}

  public FuseChannelShuffle() {
    super("ncnn-channel-shuffle", true, "Reshape");
  }

  @Override
  public Match<Site> match(Graph g, Node split) {
    List<Node> chain = PATTERN.from(g, split);
    if (chain == null || !split.hasAttribute(NcnnParams.D)
        || param(chain.get(1), NcnnParams.PERMUTE_ORDER_TYPE, 0) != SWAP_C_D) {
      return Match.none();
    }
    Node merge = chain.get(2);
    int w = param(split, NcnnParams.W, UNSET);
    int h = param(split, NcnnParams.H, UNSET);
    int perGroup = param(split, NcnnParams.D, UNSET);
    int groups = param(split, NcnnParams.C, UNSET);
    boolean fits = w > 0 && h > 0 && perGroup > 0 && groups > 0 && param(merge, NcnnParams.W, UNSET) == w
        && param(merge, NcnnParams.H, UNSET) == h && param(merge, NcnnParams.C, UNSET) == (long) perGroup * groups
        && !merge.hasAttribute(NcnnParams.D);
    if (!fits) {
      return Match.refused(split.name(), "reshape -> permute -> reshape does not regroup channels in place");
    }
    return Match.at(split.name(), new Site(split, chain.get(1), merge, groups));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.merge(), layer("ShuffleChannel", s.merge().name()).inputs(s.split().input(0))
        .outputs(s.merge().output(0)).intAttr(NcnnParams.SHUFFLE_GROUP, s.groups()).build());
    g.removeNode(s.permute());
    g.removeNode(s.split());
  }
}
