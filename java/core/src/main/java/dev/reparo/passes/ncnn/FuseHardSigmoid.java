package dev.reparo.passes.ncnn;

import static dev.reparo.passes.GraphQueries.soleConsumer;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;

import dev.reparo.format.ncnn.NcnnParams.BinaryOp;
import dev.reparo.format.ncnn.NcnnParams.Clip;
import dev.reparo.format.ncnn.NcnnParams.Hard;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Chain;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.List;

/**
 * Makes a hard sigmoid spelled with ReLU6, {@code relu6(x + b) / c} with {@code c} the clip's
 * upper bound (PyTorch's {@code F.relu6(x + 3) / 6}), one HardSigmoid layer, so that {@link
 * FuseHardSwish} can then see {@code x * hardsigmoid(x)}.
 *
 * <p>Pattern: {@code BinaryOp(add, scalar b)(x)}, then {@code Clip(0, c)} with {@code c > 0}, then a
 * division by the scalar c (or a multiplication by 1/c), each read only by the next. Rewrite:
 * {@code HardSigmoid(alpha = 1/c, beta = b/c)(x)}, which is {@code clamp(x/c + b/c, 0, 1)}. A chain
 * whose {@code x + b} is read elsewhere too is refused. Stateless and thread-safe.
 */
public final class FuseHardSigmoid extends RewriteRule<FuseHardSigmoid.Site> {
  /** The clip, then the division by its bound, the only reader of the clip. */
  private static final Chain PATTERN = Chain.ofLayers("Clip", "BinaryOp");

  record Site(Node add, Node clip, Node div, float c, float b) {}

  public FuseHardSigmoid() {
    super("ncnn-hardsigmoid", true, "Clip");
  }

  @Override
  public Match<Site> match(Graph g, Node clip) {
    float c = upperBoundOfRelu(clip);
    if (Float.isNaN(c)) {
      return Match.none();
    }
    Node add = g.producer(clip.input(0));
    float b = add == null ? Float.NaN : scalarOf(add, BinaryOp.ADD);
    List<Node> chain = PATTERN.from(g, clip);
    Node div = chain == null ? null : chain.get(1);
    if (Float.isNaN(b) || div == null || !near(divisorOf(div), c)) {
      return Match.none();
    }
    if (soleConsumer(g, add.output(0)) != clip) {
      return Match.refused(div.name(), "the x + " + b + " inside its hard sigmoid is read elsewhere too");
    }
    return Match.at(div.name(), new Site(add, clip, div, c, b));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.div(), layer("HardSigmoid", s.div().name()).inputs(s.add().input(0)).outputs(s.div().output(0))
        .floatAttr(Hard.ALPHA, 1f / s.c()).floatAttr(Hard.BETA, s.b() / s.c()).build());
    g.removeNode(s.clip());
    g.removeNode(s.add());
  }

  /** The bound c of a {@code Clip(0, c)} with a finite c > 0 (a ReLU-n), else NaN. */
  static float upperBoundOfRelu(Node clip) {
    if (!is(clip, "Clip") || floatParam(clip, Clip.MIN, -Float.MAX_VALUE) != 0f) {
      return Float.NaN;
    }
    float c = floatParam(clip, Clip.MAX, Float.MAX_VALUE);
    return c > 0 && c < Float.MAX_VALUE ? c : Float.NaN;
  }
}
