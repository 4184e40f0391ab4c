package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.forEachGatedProduct;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;

/**
 * Makes SiLU one Swish layer. Pattern: {@code BinaryOp(mul)(x, Sigmoid(x))} in either operand
 * order, the Sigmoid read by nothing else. Rewrite: {@code Swish(x)}. Stateless and thread-safe.
 */
public final class FuseSwish implements GraphPass {
  @Override
  public String name() {
    return "ncnn-swish";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    forEachGatedProduct(graph, (mul, sigmoid, x) -> {
      if (!is(sigmoid, "Sigmoid") || !sigmoid.input(0).equals(x)) {
        return false;
      }
      if (soleConsumer(graph, sigmoid.output(0)) != mul) {
        log.refused(mul.name(), "the sigmoid of its SiLU is read elsewhere too");
        return true;
      }
      graph.replaceNode(mul, layer("Swish", mul.name()).inputs(x).outputs(mul.output(0)).build());
      graph.removeNode(sigmoid);
      log.rewrote(mul.name());
      return true;
    });
  }
}
