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

/**
 * Folds an activation into the Convolution, ConvolutionDepthWise or InnerProduct before it, as
 * ncnn's {@code activation_type} (param 9) and {@code activation_params} (param 10): 1 ReLU, 2
 * LeakyReLU [slope], 3 Clip [min, max], 4 Sigmoid, 5 Mish, 6 HardSwish [alpha, beta].
 *
 * <p>Pattern: a producer without an activation whose output only the activation layer reads (and
 * that is no graph output). Rewrite: the producer with params 9/10, writing the activation's
 * output. Swish has no activation type in ncnn and stays a layer. Stateless and thread-safe.
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
        continue;
      }
      graph.replaceNode(producer, folded.withOutputs(act.outputs()));
      graph.removeNode(act);
      log.rewrote(producer.name());
    }
  }
}
