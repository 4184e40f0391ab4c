package dev.reparo.passes.ncnn;

import static dev.reparo.passes.GraphQueries.soleConsumer;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.isBinary;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.param;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;

/**
 * Makes a per-channel affine map one Scale layer: what a BatchNormalization without a preceding
 * convolution becomes once folded to {@code x * a + b}.
 *
 * <p>Pattern: {@code BinaryOp(mul)} of a blob and a per-channel constant (a MemoryData of shape c=C,
 * h=1, w=1), optionally followed, as its only reader, by {@code BinaryOp(add)} of another such
 * constant. Rewrite: {@code Scale(C, bias)} with the two constants as its weights. Stateless and
 * thread-safe.
 */
public final class FuseScale extends RewriteRule<FuseScale.Site> {
  /** {@code x * scale (+ bias)}; {@code add} and {@code biasData} are null without a bias. */
  record Site(Node mul, String x, Node scaleData, Node add, Node biasData, int channels) {}

  public FuseScale() {
    super("ncnn-scale", true, "BinaryOp");
  }

  @Override
  public Match<Site> match(Graph g, Node mul) {
    if (!isBinary(mul, BinaryOp.MUL)) {
      return Match.none();
    }
    int constAt = perChannelOperand(g, mul);
    if (constAt < 0) {
      return Match.none();
    }
    Node scaleData = g.producer(mul.input(constAt));
    int channels = param(scaleData, NcnnParams.C, 0);
    Node add = soleConsumer(g, mul.output(0));
    Node biasData = null;
    if (isBinary(add, BinaryOp.ADD)) {
      int biasAt = perChannelOperand(g, add);
      if (biasAt >= 0 && add.input(1 - biasAt).equals(mul.output(0))
          && param(g.producer(add.input(biasAt)), NcnnParams.C, 0) == channels) {
        biasData = g.producer(add.input(biasAt));
      }
    }
    return Match.at(mul.name(), new Site(mul, mul.input(1 - constAt), scaleData, biasData != null ? add : null,
        biasData, channels));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    boolean bias = s.biasData() != null;
    Node last = bias ? s.add() : s.mul();
    Node.Builder b = layer("Scale", s.mul().name()).outputs(last.output(0))
        .intAttr(NcnnParams.SCALE_DATA_SIZE, s.channels()).intAttr(NcnnParams.SCALE_BIAS_TERM, bias ? 1 : 0);
    Node scale = bias
        ? b.inputs(s.x(), s.scaleData().input(0), s.biasData().input(0)).build()
        : b.inputs(s.x(), s.scaleData().input(0)).build();
    g.replaceNode(s.mul(), scale);
    if (bias) {
      g.removeNode(s.add());
      removeIfUnused(g, s.biasData());
    }
    removeIfUnused(g, s.scaleData());
  }

  /** Which operand (0 or 1) is a c=C, h=1, w=1 MemoryData with C > 1, or -1. */
  private static int perChannelOperand(Graph graph, Node n) {
    for (int i = 0; i < 2; i++) {
      Node p = graph.producer(n.input(i));
      if (is(p, "MemoryData") && param(p, NcnnParams.W, 0) == 1 && param(p, NcnnParams.H, 0) == 1
          && param(p, NcnnParams.C, 0) > 1 && !p.hasAttribute(NcnnParams.D)
          && !is(graph.producer(n.input(1 - i)), "MemoryData")
          && hasChannels(graph, n.input(1 - i), param(p, NcnnParams.C, 0))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean hasChannels(Graph graph, String value, int channels) {
    ValueInfo v = graph.valueInfo(value);
    return v != null && v.shape().hasRank() && v.shape().rank() == 4 && v.shape().dim(1).isKnown()
        && v.shape().dim(1).value() == channels;
  }

  private static void removeIfUnused(Graph graph, Node data) {
    if (graph.consumers(data.output(0)).isEmpty()) {
      graph.removeNode(data);
    }
  }
}
