package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.param;

import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.Activation;
import dev.reparo.format.ncnn.NcnnParams.Clip;
import dev.reparo.format.ncnn.NcnnParams.Conv;
import dev.reparo.format.ncnn.NcnnParams.Hard;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.Chain;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.List;
import java.util.Set;

/**
 * Folds an activation into the Convolution, ConvolutionDepthWise or InnerProduct before it, as
 * ncnn's {@code activation_type} (param 9) and {@code activation_params} (param 10): 1 ReLU, 2
 * LeakyReLU [slope], 3 Clip [min, max], 4 Sigmoid, 5 Mish, 6 HardSwish [alpha, beta].
 *
 * <p>Pattern: a producer without an activation whose output only the activation layer reads (and
 * that is no graph output). Rewrite: the producer with params 9/10, writing the activation's
 * output. Refused, with the reason: a producer whose output an activation reads along with other
 * layers or that is a graph output (the unactivated values are needed too).
 *
 * <p>Swish (SiLU) is not among ncnn's activation types 0 to 6, so the Swish layer of {@link
 * FuseSwish} stays a separate layer after its convolution; so do HardSigmoid, TanH and GELU, which
 * ncnn cannot fold either. Stateless and thread-safe.
 */
public final class FoldActivation extends RewriteRule<FoldActivation.Site> {
  private static final Set<String> ACTIVATIONS = Set.of("ReLU", "Clip", "Sigmoid", "Mish", "HardSwish");
  private static final Set<String> PRODUCERS = Set.of("Convolution", "ConvolutionDepthWise", "InnerProduct");
  /** A producer, then an activation that alone reads its output. */
  private static final Chain PATTERN = Chain.ofLayerSets(PRODUCERS, ACTIVATIONS);

  /** {@code folded} (the producer with its activation params) replaces the producer and the activation. */
  record Site(Node producer, Node activation, Node folded) {}

  public FoldActivation() {
    super("ncnn-fold-activation", true, PRODUCERS.toArray(String[]::new));
  }

  @Override
  public Match<Site> match(Graph g, Node producer) {
    if (param(producer, Conv.ACTIVATION_TYPE, 0) != 0) {
      return Match.none();
    }
    List<Node> chain = PATTERN.from(g, producer);
    if (chain == null) {
      return refuseShared(g, producer); // or no activation ncnn can fold: Swish among others
    }
    Node act = chain.get(1);
    Node folded = switch (act.opType()) {
      case "ReLU" -> {
        float slope = floatParam(act, NcnnParams.RELU_SLOPE, 0f);
        yield slope == 0f ? activation(producer, Activation.RELU) : activation(producer, Activation.LEAKY_RELU, slope);
      }
      case "Clip" -> activation(producer, Activation.CLIP, floatParam(act, Clip.MIN, -Float.MAX_VALUE),
          floatParam(act, Clip.MAX, Float.MAX_VALUE));
      case "Sigmoid" -> activation(producer, Activation.SIGMOID);
      case "Mish" -> activation(producer, Activation.MISH);
      default -> activation(producer, Activation.HARD_SWISH, floatParam(act, Hard.ALPHA, 0.2f),
          floatParam(act, Hard.BETA, 0.5f));
    };
    return Match.at(producer.name(), new Site(producer, act, folded));
  }

  private static Node activation(Node producer, int type, float... params) {
    Node n = producer.withAttribute(Attribute.of(Conv.ACTIVATION_TYPE, (long) type));
    return params.length == 0 ? n : n.withAttribute(Attribute.floats(Conv.ACTIVATION_PARAMS, params));
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.producer(), s.folded().withOutputs(s.activation().outputs()));
    g.removeNode(s.activation());
  }

  /** Why an activation reading {@code producer}'s output along with other readers stays a layer. */
  private static Match<Site> refuseShared(Graph graph, Node producer) {
    String out = producer.output(0);
    List<Node> readers = graph.consumers(out);
    for (Node r : readers) {
      if (ACTIVATIONS.contains(r.opType()) && is(r, r.opType())) {
        boolean isOutput = graph.outputs().stream().anyMatch(o -> o.name().equals(out));
        return Match.refused(producer.name(), r.opType() + " '" + r.name() + "' stays a layer: the output it reads is "
            + (isOutput ? "a graph output" : "read by " + readers.size() + " layers"));
      }
    }
    return Match.none();
  }
}
