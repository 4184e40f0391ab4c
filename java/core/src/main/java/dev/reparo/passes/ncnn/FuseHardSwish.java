package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.ADD;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.forEachGatedProduct;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;

/**
 * Makes HardSwish spelled with primitives one HardSwish layer (ncnn's {@code x * clamp(alpha x +
 * beta, 0, 1)}, params 0 alpha and 1 beta). Below opset 14 PyTorch exports {@code nn.Hardswish} as
 * {@code x * HardSigmoid(x)} (alpha 1/6, beta 0.5); hand-written models spell it {@code x * relu6(x +
 * 3) / 6}.
 *
 * <p>Patterns, {@code BinaryOp(mul)} of x and, in either operand order:
 *
 * <ul>
 *   <li>{@code HardSigmoid(alpha, beta)(x)}, read by nothing else: rewritten to {@code
 *       HardSwish(alpha, beta)(x)};
 *   <li>{@code Clip(0, c)(x + b)}, each read by nothing else, the product then divided by the
 *       scalar c (or multiplied by 1/c): rewritten to {@code HardSwish(1/c, b/c)(x)}.
 * </ul>
 *
 * The rewrite leaves x with one reader fewer, so no Split is made for the sharing; when the hard
 * sigmoid is read elsewhere too the site is refused. (The spelling {@code x * (relu6(x + 3) / 6)}
 * becomes a HardSigmoid in {@link FuseHardSigmoid} first.) Stateless and thread-safe.
 */
public final class FuseHardSwish implements GraphPass {
  @Override
  public String name() {
    return "ncnn-hardswish";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    forEachGatedProduct(graph, (mul, gate, x) -> fuse(graph, log, mul, gate, x));
  }

  /** Tries {@code mul = gate * x} with {@code gate} the hard sigmoid; true if the site was handled. */
  private static boolean fuse(Graph graph, PassLog log, Node mul, Node gate, String x) {
    if (is(gate, "HardSigmoid") && gate.input(0).equals(x)) {
      if (soleConsumer(graph, gate.output(0)) != mul) {
        log.refused(mul.name(), "the hard sigmoid of its HardSwish is read elsewhere too");
        return true;
      }
      rewrite(graph, log, mul, mul, x, floatParam(gate, 0, 0.2f), floatParam(gate, 1, 0.5f), gate);
      return true;
    }
    float c = FuseHardSigmoid.upperBoundOfRelu(gate);
    Node add = Float.isNaN(c) ? null : graph.producer(gate.input(0));
    float b = add == null ? Float.NaN : scalarOf(add, ADD);
    if (Float.isNaN(b) || !add.input(0).equals(x)) {
      return false;
    }
    Node div = soleConsumer(graph, mul.output(0));
    if (div == null || !near(divisorOf(div), c)) {
      return false; // x * relu6(x + 3) without the / 6 is no HardSwish
    }
    if (soleConsumer(graph, gate.output(0)) != mul || soleConsumer(graph, add.output(0)) != gate) {
      log.refused(mul.name(), "the relu6(x + b) of its HardSwish is read elsewhere too");
      return true;
    }
    rewrite(graph, log, mul, div, x, 1f / c, b / c, gate, add, mul);
    return true;
  }

  private static void rewrite(Graph graph, PassLog log, Node first, Node last, String x, float alpha, float beta,
      Node... removed) {
    Node hardSwish = layer("HardSwish", first.name()).inputs(x).outputs(last.output(0)).floatAttr("0", alpha)
        .floatAttr("1", beta).build();
    graph.replaceNode(last, hardSwish);
    for (Node n : removed) {
      if (n != last) {
        graph.removeNode(n);
      }
    }
    log.rewrote(first.name());
  }
}
