package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.ADD;
import static dev.reparo.passes.ncnn.NcnnLayers.MUL;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.isBinary;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.param;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.List;

/**
 * Makes a per-channel affine map one Scale layer: what a BatchNormalization without a preceding
 * convolution becomes once folded to {@code x * a + b}.
 *
 * <p>Pattern: {@code BinaryOp(mul)} of a blob and a per-channel constant (a MemoryData of shape c=C,
 * h=1, w=1), optionally followed, as its only reader, by {@code BinaryOp(add)} of another such
 * constant. Rewrite: {@code Scale(C, bias)} with the two constants as its weights. Stateless and
 * thread-safe.
 */
public final class FuseScale implements GraphPass {
  @Override
  public String name() {
    return "ncnn-scale";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    for (Node mul : List.copyOf(graph.nodes())) {
      if (!graph.nodes().contains(mul) || !isBinary(mul, MUL)) {
        continue;
      }
      int constAt = perChannelOperand(graph, mul);
      if (constAt < 0) {
        continue;
      }
      Node scaleData = graph.producer(mul.input(constAt));
      int channels = param(scaleData, 2, 0);
      String x = mul.input(1 - constAt);
      Node add = soleConsumer(graph, mul.output(0));
      Node biasData = null;
      if (isBinary(add, ADD)) {
        int biasAt = perChannelOperand(graph, add);
        if (biasAt >= 0 && add.input(1 - biasAt).equals(mul.output(0))
            && param(graph.producer(add.input(biasAt)), 2, 0) == channels) {
          biasData = graph.producer(add.input(biasAt));
        }
      }
      Node last = biasData != null ? add : mul;
      Node.Builder b = layer("Scale", mul.name()).outputs(last.output(0)).intAttr("0", channels)
          .intAttr("1", biasData != null ? 1 : 0);
      Node scale = biasData != null
          ? b.inputs(x, scaleData.input(0), biasData.input(0)).build()
          : b.inputs(x, scaleData.input(0)).build();
      graph.replaceNode(mul, scale);
      if (biasData != null) {
        graph.removeNode(add);
        removeIfUnused(graph, biasData);
      }
      removeIfUnused(graph, scaleData);
      log.rewrote(mul.name());
    }
  }

  /** Which operand (0 or 1) is a c=C, h=1, w=1 MemoryData with C > 1, or -1. */
  private static int perChannelOperand(Graph graph, Node n) {
    for (int i = 0; i < 2; i++) {
      Node p = graph.producer(n.input(i));
      if (is(p, "MemoryData") && param(p, 0, 0) == 1 && param(p, 1, 0) == 1 && param(p, 2, 0) > 1
          && !p.hasAttribute("11") && !is(graph.producer(n.input(1 - i)), "MemoryData")
          && hasChannels(graph, n.input(1 - i), param(p, 2, 0))) {
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
