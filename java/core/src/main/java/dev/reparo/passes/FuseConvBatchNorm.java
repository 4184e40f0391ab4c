package dev.reparo.passes;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.List;

/**
 * Folds a BatchNormalization into the Conv that feeds it: {@code Conv(x, W, b) -> BN} becomes
 * {@code Conv(x, W·s, (b − μ)·s + β)} with {@code s = γ/sqrt(var + ε)} per output channel. Works for
 * any group count (depthwise included) and with or without a conv bias, since the scale is per
 * output channel. Arithmetic in float64.
 *
 * <p>Refused when the conv output is read by anything but the BN (the unnormalized value is still
 * needed), when weights or statistics are not constants, or the channel counts differ. A BN not
 * fed by a Conv is left to {@link BatchNormToAffine}.
 *
 * <p>Stateless and thread-safe.
 */
public final class FuseConvBatchNorm extends RewriteRule<FuseConvBatchNorm.Site> {
  record Site(Node convNode, Node bnNode, ConvAttributes conv, BatchNormAffine bn) {}

  public FuseConvBatchNorm() {
    super("fuse-conv-batchnorm", false, "BatchNormalization");
  }

  @Override
  public Match<Site> match(Graph g, Node bn) {
    Node conv = g.producer(bn.input(0));
    if (conv == null || !conv.opType().equals("Conv")) {
      return Match.none();
    }
    try {
      return Match.at(GraphQueries.label(bn), site(g, conv, bn));
    } catch (PatternRefused r) {
      return Match.refused(GraphQueries.label(bn), r.getMessage());
    }
  }

  private static Site site(Graph g, Node convNode, Node bnNode) throws PatternRefused {
    if (GraphQueries.soleConsumer(g, convNode.output(0)) != bnNode) {
      throw new PatternRefused("output '" + convNode.output(0) + "' of conv '"
          + GraphQueries.label(convNode) + "' is also read elsewhere");
    }
    ConvAttributes conv = ConvAttributes.of(g, convNode);
    BatchNormAffine bn = BatchNormAffine.of(g, bnNode);
    if (bn.channels() != conv.outChannels()) {
      throw new PatternRefused("BatchNormalization has " + bn.channels() + " channels, conv '"
          + GraphQueries.label(convNode) + "' outputs " + conv.outChannels());
    }
    return new Site(convNode, bnNode, conv, bn);
  }

  @Override
  public void rewrite(Graph g, Site s) {
    Node fused = s.conv().withAffine(g, s.bnNode().output(0), s.bn().scale(), s.bn().shift());
    g.replaceNode(s.convNode(), fused);
    GraphEdits.removeNodes(g, List.of(s.convNode(), s.bnNode()));
  }
}
