package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.ADD;
import static dev.reparo.passes.ncnn.NcnnLayers.divisorOf;
import static dev.reparo.passes.ncnn.NcnnLayers.floatParam;
import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.near;
import static dev.reparo.passes.ncnn.NcnnLayers.scalarOf;
import static dev.reparo.passes.ncnn.NcnnLayers.soleConsumer;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
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
public final class FuseHardSigmoid implements GraphPass {
  @Override
  public String name() {
    return "ncnn-hardsigmoid";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    for (Node clip : List.copyOf(graph.nodes())) {
      float c = upperBoundOfRelu(clip);
      if (Float.isNaN(c)) {
        continue;
      }
      Node add = graph.producer(clip.input(0));
      float b = add == null ? Float.NaN : scalarOf(add, ADD);
      Node div = soleConsumer(graph, clip.output(0));
      if (Float.isNaN(b) || div == null || !near(divisorOf(div), c)) {
        continue;
      }
      if (soleConsumer(graph, add.output(0)) != clip) {
        log.refused(div.name(), "the x + " + b + " inside its hard sigmoid is read elsewhere too");
        continue;
      }
      graph.replaceNode(div, layer("HardSigmoid", div.name()).inputs(add.input(0)).outputs(div.output(0))
          .floatAttr("0", 1f / c).floatAttr("1", b / c).build());
      graph.removeNode(clip);
      graph.removeNode(add);
      log.rewrote(div.name());
    }
  }

  /** The bound c of a {@code Clip(0, c)} with a finite c > 0 (a ReLU-n), else NaN. */
  static float upperBoundOfRelu(Node clip) {
    if (!is(clip, "Clip") || floatParam(clip, 0, -Float.MAX_VALUE) != 0f) {
      return Float.NaN;
    }
    float c = floatParam(clip, 1, Float.MAX_VALUE);
    return c > 0 && c < Float.MAX_VALUE ? c : Float.NaN;
  }
}
