package dev.reparo.graph.ops;

import static dev.reparo.graph.Attribute.Type.FLOAT;
import static dev.reparo.graph.Attribute.Type.INT;
import static dev.reparo.graph.ops.LoweringContext.layer;
import static dev.reparo.graph.ops.LoweringContext.unsupported;
import static dev.reparo.graph.ops.OpDef.op;
import static dev.reparo.graph.ops.Rules.broadcast;
import static dev.reparo.graph.ops.Rules.fail;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Matrix products: Gemm and MatMul. */
final class MatMulOps {
  private MatMulOps() {}

  static List<OpDef> defs() {
    return List.of(
        op("Gemm", 2, 3, 1, 1, Map.of("alpha", FLOAT, "beta", FLOAT, "transA", INT, "transB", INT),
            (cx, n) -> cx.one(n, gemm(cx, n))).ncnn(MatMulOps::ncnnInnerProduct),
        op("MatMul", 2, 2, 1, 1, Map.of(), (cx, n) -> cx.one(n, matMul(cx, n))).ncnn(MatMulOps::ncnnMatMul));
  }

  private static Shape gemm(InferenceContext cx, Node n) {
    Shape a = cx.shapeOf(n, 0);
    Shape b = cx.shapeOf(n, 1);
    for (Shape s : List.of(a, b)) {
      if (s.hasRank() && s.rank() != 2) {
        throw fail(n, "inputs must be 2-D, got " + a + " and " + b);
      }
    }
    boolean ta = n.attrInt("transA", 0) != 0;
    boolean tb = n.attrInt("transB", 0) != 0;
    Dim m = a.hasRank() ? a.dim(ta ? 1 : 0) : Dim.unknown();
    Dim ka = a.hasRank() ? a.dim(ta ? 0 : 1) : Dim.unknown();
    Dim kb = b.hasRank() ? b.dim(tb ? 1 : 0) : Dim.unknown();
    Dim nn = b.hasRank() ? b.dim(tb ? 0 : 1) : Dim.unknown();
    if (ka.isKnown() && kb.isKnown() && ka.value() != kb.value()) {
      throw fail(n, "A " + a + (ta ? " (transposed)" : "") + " and B " + b + (tb ? " (transposed)" : "")
          + " do not multiply");
    }
    Shape out = Shape.of(List.of(m, nn));
    if (n.hasInput(2)) {
      Shape c = cx.shapeOf(n, 2);
      if (c.hasRank() && c.rank() > 2) {
        throw fail(n, "C " + c + " has rank above 2");
      }
      broadcast(n, List.of(out, c));
    }
    return out;
  }

  private static Shape matMul(InferenceContext cx, Node n) {
    Shape a = cx.shapeOf(n, 0);
    Shape b = cx.shapeOf(n, 1);
    if (!a.hasRank() || !b.hasRank()) {
      return Shape.unknown();
    }
    if (a.rank() == 0 || b.rank() == 0) {
      throw fail(n, "inputs must not be scalars, got " + a + " and " + b);
    }
    List<Dim> ad = new ArrayList<>(a.dims());
    List<Dim> bd = new ArrayList<>(b.dims());
    if (a.rank() == 1) {
      ad.add(0, Dim.of(1));
    }
    if (b.rank() == 1) {
      bd.add(Dim.of(1));
    }
    Dim ka = ad.get(ad.size() - 1);
    Dim kb = bd.get(bd.size() - 2);
    if (ka.isKnown() && kb.isKnown() && ka.value() != kb.value()) {
      throw fail(n, "inputs " + a + " and " + b + " do not multiply");
    }
    Shape batch = broadcast(n, List.of(Shape.of(ad.subList(0, ad.size() - 2)),
        Shape.of(bd.subList(0, bd.size() - 2))));
    List<Dim> out = new ArrayList<>(batch.dims());
    if (a.rank() > 1) {
      out.add(ad.get(ad.size() - 2));
    }
    if (b.rank() > 1) {
      out.add(bd.get(bd.size() - 1));
    }
    return Shape.of(out);
  }

  /**
   * A product with a constant [K, N] becomes InnerProduct; a batched product of two tensors of equal
   * rank 3..5 with a batch of 1 becomes ncnn's MatMul, which multiplies the two innermost axes and
   * treats the others as batch, broadcasting a batch of 1 as ONNX does (attention: Q·Kᵀ, V·Aᵀ).
   */
  private static void ncnnMatMul(LoweringContext cx, Node n) {
    Shape a = cx.shape(n.input(0));
    Shape b = cx.shape(n.input(1));
    Tensor bw = cx.constantOf(n.input(1));
    if (a.hasRank() && a.rank() == 2 && bw != null && bw.rank() == 2) {
      ncnnInnerProduct(cx, n);
      return;
    }
    if (!a.hasRank() || !b.hasRank() || a.rank() != b.rank() || a.rank() < 3 || a.rank() > 5) {
      throw unsupported(n, "only [1, K] x constant [K, N] products (InnerProduct) and batched products of two "
          + "tensors of equal rank 3..5 with a batch of 1 (MatMul) are expressible; got " + a + " x " + b);
    }
    cx.emit(layer("MatMul", cx.layerName(n)).inputs(cx.blob(n, 0), cx.blob(n, 1)).outputs(n.output(0))
        .intAttr(NcnnParams.MATMUL_TRANS_B, 0).build());
  }

  private static void ncnnInnerProduct(LoweringContext cx, Node n) {
    Shape a = cx.shape(n.input(0));
    Tensor bw = cx.constantOf(n.input(1));
    if (!a.hasRank() || a.rank() != 2 || bw == null || bw.rank() != 2) {
      throw unsupported(n, "only [1, K] x constant [K, N] products become InnerProduct");
    }
    boolean gemm = n.opType().equals("Gemm");
    if (gemm && n.attrInt("transA", 0) != 0) {
      throw unsupported(n, "transA=1");
    }
    boolean transB = gemm && n.attrInt("transB", 0) != 0;
    float alpha = gemm ? n.attrFloat("alpha", 1f) : 1f;
    float beta = gemm ? n.attrFloat("beta", 1f) : 1f;
    int outs = transB ? bw.dim(0) : bw.dim(1);
    int ins = transB ? bw.dim(1) : bw.dim(0);
    float[] w = new float[outs * ins]; // ncnn wants [N, K] row-major
    for (int o = 0; o < outs; o++) {
      for (int i = 0; i < ins; i++) {
        w[o * ins + i] = alpha * (transB ? bw.data()[o * ins + i] : bw.data()[i * outs + o]);
      }
    }
    String x = cx.blob(n, 0);
    List<String> inputs = new ArrayList<>(List.of(x, cx.newWeight(n.input(1) + "_ncnn", Tensor.of(w, outs, ins))));
    boolean bias = gemm && n.hasInput(2);
    if (bias) {
      Tensor c = cx.constantOf(n.input(2));
      if (c == null || c.size() != outs && c.size() != 1) {
        throw unsupported(n, "its bias is not a constant of " + outs + " values");
      }
      float[] bv = new float[outs];
      for (int o = 0; o < outs; o++) {
        bv[o] = beta * c.data()[c.size() == 1 ? 0 : o];
      }
      inputs.add(cx.newWeight(n.input(2) + "_ncnn", Tensor.of(bv, outs)));
    }
    cx.emit(layer("InnerProduct", cx.layerName(n)).inputs(inputs.toArray(String[]::new)).outputs(n.output(0))
        .intAttr(NcnnParams.InnerProduct.NUM_OUTPUT, outs).intAttr(NcnnParams.InnerProduct.BIAS_TERM, bias ? 1 : 0)
        .intAttr(NcnnParams.InnerProduct.WEIGHT_DATA_SIZE, (long) outs * ins).build());
  }
}
