package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.param;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
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
public final class FoldActivation implements GraphPass {
  @Override
  public String name() {
    return "ncnn-fold-activation";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    for (Node producer : List.copyOf(graph.nodes())) {
      boolean foldable = is(producer, "Convolution") || is(producer, "ConvolutionDepthWise")
          || is(producer, "InnerProduct");
      if (!foldable || param(producer, 9, 0) != 0) {
        continue;
      }
      Node act = soleConsumer(graph, producer.output(0));
      if (act == null) {
        refuseShared(graph, log, producer);
        continue;
      }
      Node folded;
      if (is(act, "ReLU")) {
        float slope = floatParam(act, 0, 0f);
        folded = slope == 0f ? producer.withAttribute(Attribute.of("9", 1L))
            : producer.withAttribute(Attribute.of("9", 2L)).withAttribute(Attribute.floats("10", slope));
      } else if (is(act, "Clip")) {
        folded = producer.withAttribute(Attribute.of("9", 3L)).withAttribute(Attribute.floats("10",
            floatParam(act, 0, -Float.MAX_VALUE), floatParam(act, 1, Float.MAX_VALUE)));
      } else if (is(act, "Sigmoid")) {
        folded = producer.withAttribute(Attribute.of("9", 4L));
      } else if (is(act, "Mish")) {
        folded = producer.withAttribute(Attribute.of("9", 5L));
      } else if (is(act, "HardSwish")) {
        folded = producer.withAttribute(Attribute.of("9", 6L)).withAttribute(Attribute.floats("10",
            floatParam(act, 0, 0.2f), floatParam(act, 1, 0.5f)));
      } else {
        continue; // not an ncnn activation_type: Swish among others (see the class comment)
      }
      graph.replaceNode(producer, folded.withOutputs(act.outputs()));
      graph.removeNode(act);
      log.rewrote(producer.name());
    }
  }

  /** Logs why an activation reading {@code producer}'s output along with other readers stays a layer. */
  private static void refuseShared(Graph graph, PassLog log, Node producer) {
    String out = producer.output(0);
    List<Node> readers = graph.consumers(out);
    for (Node r : readers) {
      if (Set.of("ReLU", "Clip", "Sigmoid", "Mish", "HardSwish").contains(r.opType()) && is(r, r.opType())) {
        boolean isOutput = graph.outputs().stream().anyMatch(o -> o.name().equals(out));
        log.refused(producer.name(), r.opType() + " '" + r.name() + "' stays a layer: the output it reads is "
            + (isOutput ? "a graph output" : "read by " + readers.size() + " layers"));
        return;
      }
    }
  }
}
