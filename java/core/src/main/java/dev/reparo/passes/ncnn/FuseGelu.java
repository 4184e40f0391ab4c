package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.ADD;
import static dev.reparo.passes.ncnn.NcnnLayers.MUL;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.isBinary;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the exact GELU one GELU layer (param 0 fast_gelu = 0): below opset 20 PyTorch exports
 * {@code nn.GELU()} as {@code x * 0.5 * (1 + erf(x / sqrt 2))}.
 *
 * <p>Pattern, anchored at the Erf: {@code x} divided by sqrt 2 (or multiplied by 1/sqrt 2), Erf,
 * plus the scalar 1, then a {@code BinaryOp(mul)} with x followed by a multiplication by the scalar
 * 0.5, or a {@code BinaryOp(mul)} with {@code x * 0.5}; every intermediate read by nothing else
 * (else the site is refused). Rewrite: {@code GELU(x)}. The tanh approximation is not matched here;
 * ONNX's own {@code Gelu} (opset 20) is lowered to GELU directly. Stateless and thread-safe.
 */
public final class FuseGelu implements GraphPass {
  private static final float SQRT2 = (float) Math.sqrt(2);

  @Override
  public String name() {
    return "ncnn-gelu";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    for (Node erf : List.copyOf(graph.nodes())) {
      if (!is(erf, "Erf")) {
        continue;
      }
      Node scaled = graph.producer(erf.input(0));
      Node plusOne = soleConsumer(graph, erf.output(0));
      Node mul = plusOne == null ? null : soleConsumer(graph, plusOne.output(0));
      if (scaled == null || !near(divisorOf(scaled), SQRT2) || plusOne == null
          || !near(scalarOf(plusOne, ADD), 1f) || !isBinary(mul, MUL)) {
        continue;
      }
      String x = scaled.input(0);
      String other = mul.input(0).equals(plusOne.output(0)) ? mul.input(1) : mul.input(0);
      List<Node> chain = new ArrayList<>(List.of(scaled, erf, plusOne, mul));
      Node half = graph.producer(other);
      if (other.equals(x)) {
        Node byHalf = soleConsumer(graph, mul.output(0));
        if (byHalf == null || !near(scalarOf(byHalf, MUL), 0.5f)) {
          continue;
        }
        chain.add(byHalf);
      } else if (half != null && near(scalarOf(half, MUL), 0.5f) && half.input(0).equals(x)) {
        chain.add(0, half);
      } else {
        continue;
      }
      Node last = chain.get(chain.size() - 1);
      if (chain.stream().anyMatch(n -> n != last && !chain.contains(soleConsumer(graph, n.output(0))))) {
        log.refused(mul.name(), "a part of its GELU is read elsewhere too");
        continue;
      }
      graph.replaceNode(last, layer("GELU", mul.name()).inputs(x).outputs(last.output(0)).intAttr("0", 0).build());
      chain.stream().filter(n -> n != last).forEach(graph::removeNode);
      log.rewrote(mul.name());
    }
  }
}
