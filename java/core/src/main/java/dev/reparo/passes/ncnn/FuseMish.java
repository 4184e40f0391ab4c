package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.forEachGatedProduct;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;

/**
 * Makes Mish one Mish layer: below opset 18 PyTorch exports {@code nn.Mish} as {@code x *
 * tanh(softplus(x))}. Pattern: {@code BinaryOp(mul)(x, TanH(Softplus(x)))} in either operand order,
 * the TanH and the Softplus each read by nothing else (else the site is refused). Rewrite: {@code
 * Mish(x)}, which {@link FoldActivation} can then fold into a convolution before it. Stateless and
 * thread-safe.
 */
public final class FuseMish implements GraphPass {
  @Override
  public String name() {
    return "ncnn-mish";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    forEachGatedProduct(graph, (mul, tanh, x) -> {
      Node softplus = is(tanh, "TanH") ? graph.producer(tanh.input(0)) : null;
      if (!is(softplus, "Softplus") || !softplus.input(0).equals(x)) {
        return false;
      }
      if (soleConsumer(graph, tanh.output(0)) != mul || soleConsumer(graph, softplus.output(0)) != tanh) {
        log.refused(mul.name(), "the tanh(softplus(x)) of its Mish is read elsewhere too");
        return true;
      }
      graph.replaceNode(mul, layer("Mish", mul.name()).inputs(x).outputs(mul.output(0)).build());
      graph.removeNode(tanh);
      graph.removeNode(softplus);
      log.rewrote(mul.name());
      return true;
    });
  }
}
