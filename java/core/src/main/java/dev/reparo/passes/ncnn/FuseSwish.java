package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.MUL;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.isBinary;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.List;

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
    for (Node mul : List.copyOf(graph.nodes())) {
      if (!isBinary(mul, MUL)) {
        continue;
      }
      for (int i = 0; i < 2; i++) {
        Node sigmoid = graph.producer(mul.input(i));
        String x = mul.input(1 - i);
        if (is(sigmoid, "Sigmoid") && sigmoid.input(0).equals(x)) {
          if (soleConsumer(graph, sigmoid.output(0)) != mul) {
            log.refused(mul.name(), "the sigmoid of its SiLU is read elsewhere too");
            break;
          }
          graph.replaceNode(mul, layer("Swish", mul.name()).inputs(x).outputs(mul.output(0)).build());
          graph.removeNode(sigmoid);
          log.rewrote(mul.name());
          break;
        }
      }
    }
  }
}
