package dev.reparo.passes.ncnn;

import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import dev.reparo.graph.ops.LoweringContext;
import dev.reparo.graph.ops.OpDef;
import dev.reparo.graph.ops.OpTable;
import dev.reparo.passes.GraphPass;
import dev.reparo.passes.PassLog;
import java.util.List;

/**
 * Lowers every standard ONNX node to the ncnn layer that computes it (Conv to Convolution or
 * ConvolutionDepthWise, BatchNormalization to BatchNorm, Transpose to Permute...), mapping NCHW
 * axes to ncnn's batch-less c, h, w. Values whose contents are known before run time (weights,
 * folded shape arithmetic) become weights or params; a constant read as a blob becomes a
 * MemoryData layer. Each operator's lowering is registered with its definition in {@link OpTable};
 * this pass is the driver. The pattern passes of {@link NcnnLowering} then refine the result.
 *
 * <p>Every activation must have a batch of 1: ncnn blobs have no batch axis. A node ncnn cannot
 * express raises {@link UnsupportedOpException} naming it and saying why; the graph is then left
 * unchanged (its nodes; weights it had already copied may remain as unused initializers).
 * Stateless and thread-safe.
 */
public final class LowerToNcnn implements GraphPass {
  @Override
  public String name() {
    return "ncnn-lower";
  }

  @Override
  public void run(Graph graph, PassLog log) {
    boolean anyOnnx = false;
    boolean anyNcnn = false;
    for (Node n : graph.nodes()) {
      boolean ncnn = OpSchema.NCNN_DOMAIN.equals(n.domain());
      anyNcnn |= ncnn;
      anyOnnx |= !ncnn;
    }
    if (!anyOnnx) {
      return;
    }
    if (anyNcnn) {
      throw new IllegalStateException("graph '" + graph.name() + "' mixes ONNX and ncnn nodes; lower it in one go");
    }
    ShapeInference.Result shapes = ShapeInference.infer(graph);
    lower(graph, shapes, log);
  }

  private static void lower(Graph g, ShapeInference.Result si, PassLog log) {
    LoweringContext cx = new LoweringContext(g, si);
    for (ValueInfo in : g.inputs()) {
      cx.requireBatchOne(null, in.name());
    }
    for (Node n : g.nodes()) {
      if (cx.isFolded(n)) {
        continue;
      }
      ncnnRule(n).lower(cx, n);
      log.rewrote(n.name().isEmpty() ? n.opType() + "->" + n.output(0) : n.name());
    }
    for (ValueInfo o : g.outputs()) {
      if (cx.constantOf(o.name()) != null || g.isInitializer(o.name())) {
        Node p = g.producer(o.name());
        throw LoweringContext.unsupported(p != null ? p : Node.builder("Constant").outputs(o.name()).build(),
            "graph output '" + o.name() + "' is a constant");
      }
    }
    g.setNodes(cx.emitted());
    g.setOpsetImport(OpSchema.NCNN_DOMAIN, 1);
    for (String name : List.copyOf(g.longInitializers().keySet())) {
      g.removeInitializer(name);
    }
    NcnnLayers.dropUnusedInitializers(g);
  }

  private static OpDef.NcnnRule ncnnRule(Node n) {
    OpDef def = n.domain().isEmpty() || n.domain().equals("ai.onnx") ? OpTable.get(n.opType()) : null;
    if (def == null) {
      throw new UnsupportedOpException(n, OpSchema.supportedOps());
    }
    if (def.ncnn() == null) {
      throw LoweringContext.unsupported(n, "no ncnn layer computes it here (Reparo lowers "
          + String.join(", ", OpTable.ncnnTypes()) + " and constant shape arithmetic)");
    }
    return def.ncnn();
  }
}
