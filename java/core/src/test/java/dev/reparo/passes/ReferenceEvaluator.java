package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A float64 interpreter for the handful of ops the pass tests build, written from the ONNX operator
 * definitions and sharing no code with the passes: the oracle that a rewritten graph computes what
 * the original did. Direct loops, no cleverness; for small test graphs only.
 */
final class ReferenceEvaluator {
  /** A float64 tensor: shape and row-major values. */
  record Value(int[] shape, double[] data) {
    int size() {
      return data.length;
    }
  }

  private ReferenceEvaluator() {}

  /** Evaluates {@code g} on {@code inputs} (by graph input name) and returns its first output. */
  static Value run(Graph g, Map<String, Value> inputs) {
    Map<String, Value> env = new HashMap<>(inputs);
    g.initializers().forEach((k, t) -> env.put(k, of(t)));
    g.longInitializers().forEach((k, t) -> env.put(k, of(t)));
    for (Node n : g.nodes()) {
      env.put(n.output(0), eval(n, env));
    }
    return env.get(g.outputs().get(0).name());
  }

  static Value of(Tensor t) {
    float[] f = t.data();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return new Value(t.shape(), d);
  }

  private static Value of(LongTensor t) {
    long[] l = t.data();
    double[] d = new double[l.length];
    for (int i = 0; i < l.length; i++) {
      d[i] = l[i];
    }
    return new Value(t.shape(), d);
  }

  private static Value eval(Node n, Map<String, Value> env) {
    Value a = env.get(n.input(0));
    switch (n.opType()) {
      case "Constant":
        return n.attribute("value").isFloatTensor() ? of(n.attribute("value").asTensor())
            : of(n.attribute("value").asLongTensor());
      case "Identity":
        return a;
      case "Relu":
        return map(a, v -> Math.max(v, 0));
      case "Sigmoid":
        return map(a, v -> 1 / (1 + Math.exp(-v)));
      case "Add":
        return broadcast(a, env.get(n.input(1)), Double::sum);
      case "Mul":
        return broadcast(a, env.get(n.input(1)), (x, y) -> x * y);
      case "BatchNormalization":
        return batchNorm(n, a, env);
      case "Conv":
        return conv(n, a, env.get(n.input(1)), n.hasInput(2) ? env.get(n.input(2)) : null);
      case "Slice":
        return slice(n, a, env);
      case "Concat":
        return concat(n, env);
      default:
        throw new IllegalArgumentException("reference evaluator has no " + n.opType());
    }
  }

  private static Value map(Value a, java.util.function.DoubleUnaryOperator f) {
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = f.applyAsDouble(a.data()[i]);
    }
    return new Value(a.shape(), out);
  }

  /** Numpy broadcasting of two tensors of any ranks. */
  private static Value broadcast(Value a, Value b, java.util.function.DoubleBinaryOperator f) {
    int rank = Math.max(a.shape().length, b.shape().length);
    int[] sa = pad(a.shape(), rank);
    int[] sb = pad(b.shape(), rank);
    int[] so = new int[rank];
    for (int i = 0; i < rank; i++) {
      if (sa[i] != sb[i] && sa[i] != 1 && sb[i] != 1) {
        throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(a.shape()) + " and "
            + Arrays.toString(b.shape()));
      }
      so[i] = Math.max(sa[i], sb[i]);
    }
    int total = 1;
    for (int d : so) {
      total *= d;
    }
    double[] out = new double[total];
    int[] idx = new int[rank];
    for (int flat = 0; flat < total; flat++) {
      int rem = flat;
      for (int i = rank - 1; i >= 0; i--) {
        idx[i] = rem % so[i];
        rem /= so[i];
      }
      out[flat] = f.applyAsDouble(a.data()[offset(idx, sa)], b.data()[offset(idx, sb)]);
    }
    return new Value(so, out);
  }

  private static int[] pad(int[] shape, int rank) {
    int[] out = new int[rank];
    Arrays.fill(out, 1);
    System.arraycopy(shape, 0, out, rank - shape.length, shape.length);
    return out;
  }

  private static int offset(int[] idx, int[] shape) {
    int off = 0;
    for (int i = 0; i < shape.length; i++) {
      off = off * shape[i] + (shape[i] == 1 ? 0 : idx[i]);
    }
    return off;
  }

  private static Value batchNorm(Node n, Value x, Map<String, Value> env) {
    double[] scale = env.get(n.input(1)).data();
    double[] bias = env.get(n.input(2)).data();
    double[] mean = env.get(n.input(3)).data();
    double[] var = env.get(n.input(4)).data();
    double eps = n.attrFloat("epsilon", 1e-5f);
    int c = x.shape()[1];
    int inner = x.size() / x.shape()[0] / c;
    double[] out = new double[x.size()];
    for (int i = 0; i < out.length; i++) {
      int ch = (i / inner) % c;
      out[i] = (x.data()[i] - mean[ch]) / Math.sqrt(var[ch] + eps) * scale[ch] + bias[ch];
    }
    return new Value(x.shape(), out);
  }

  /** Direct 2-D convolution (cross-correlation) with zero padding, strides, dilations, groups. */
  static Value conv(Node n, Value x, Value w, Value b) {
    int[] xs = x.shape();
    int[] ws = w.shape();
    long[] st = n.attrInts("strides") == null ? new long[] {1, 1} : n.attrInts("strides");
    long[] pd = n.attrInts("pads") == null ? new long[4] : n.attrInts("pads");
    long[] dl = n.attrInts("dilations") == null ? new long[] {1, 1} : n.attrInts("dilations");
    int group = (int) n.attrInt("group", 1);
    int batch = xs[0];
    int cin = xs[1];
    int h = xs[2];
    int wd = xs[3];
    int cout = ws[0];
    int cpg = ws[1];
    int kh = ws[2];
    int kw = ws[3];
    if (cpg * group != cin) {
      throw new IllegalArgumentException("conv channels do not match");
    }
    int oh = (int) ((h + pd[0] + pd[2] - dl[0] * (kh - 1) - 1) / st[0] + 1);
    int ow = (int) ((wd + pd[1] + pd[3] - dl[1] * (kw - 1) - 1) / st[1] + 1);
    int opg = cout / group;
    double[] out = new double[batch * cout * oh * ow];
    for (int nb = 0; nb < batch; nb++) {
      for (int o = 0; o < cout; o++) {
        int gidx = o / opg;
        for (int y = 0; y < oh; y++) {
          for (int xx = 0; xx < ow; xx++) {
            double acc = b == null ? 0 : b.data()[o];
            for (int i = 0; i < cpg; i++) {
              int ci = gidx * cpg + i;
              for (int a = 0; a < kh; a++) {
                long iy = y * st[0] - pd[0] + a * dl[0];
                if (iy < 0 || iy >= h) {
                  continue;
                }
                for (int c2 = 0; c2 < kw; c2++) {
                  long ix = xx * st[1] - pd[1] + c2 * dl[1];
                  if (ix < 0 || ix >= wd) {
                    continue;
                  }
                  acc += x.data()[((nb * cin + ci) * h + (int) iy) * wd + (int) ix]
                      * w.data()[((o * cpg + i) * kh + a) * kw + c2];
                }
              }
            }
            out[((nb * cout + o) * oh + y) * ow + xx] = acc;
          }
        }
      }
    }
    return new Value(new int[] {batch, cout, oh, ow}, out);
  }

  /** Slice with constant starts/ends/axes/steps inputs (opset 10+), positive steps only. */
  private static Value slice(Node n, Value x, Map<String, Value> env) {
    int rank = x.shape().length;
    int[] begin = new int[rank];
    int[] step = new int[rank];
    int[] count = x.shape().clone();
    Arrays.fill(step, 1);
    double[] starts = env.get(n.input(1)).data();
    double[] ends = env.get(n.input(2)).data();
    for (int i = 0; i < starts.length; i++) {
      int axis = n.hasInput(3) ? (int) env.get(n.input(3)).data()[i] : i;
      axis = axis < 0 ? axis + rank : axis;
      int s = n.hasInput(4) ? (int) env.get(n.input(4)).data()[i] : 1;
      int dim = x.shape()[axis];
      long from = Math.min(Math.max((long) starts[i] < 0 ? (long) starts[i] + dim : (long) starts[i], 0), dim);
      long to = Math.min(Math.max(ends[i] < 0 ? (long) ends[i] + dim : (long) Math.min(ends[i], dim), 0), dim);
      begin[axis] = (int) from;
      step[axis] = s;
      count[axis] = (int) Math.max(0, (to - from + s - 1) / s);
    }
    int total = 1;
    for (int c : count) {
      total *= c;
    }
    double[] out = new double[total];
    int[] idx = new int[rank];
    for (int flat = 0; flat < total; flat++) {
      int rem = flat;
      for (int i = rank - 1; i >= 0; i--) {
        idx[i] = rem % count[i];
        rem /= count[i];
      }
      int off = 0;
      for (int i = 0; i < rank; i++) {
        off = off * x.shape()[i] + begin[i] + idx[i] * step[i];
      }
      out[flat] = x.data()[off];
    }
    return new Value(count, out);
  }

  private static Value concat(Node n, Map<String, Value> env) {
    Value first = env.get(n.input(0));
    int rank = first.shape().length;
    int axis = (int) n.attrInt("axis", 1);
    axis = axis < 0 ? axis + rank : axis;
    int outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= first.shape()[i];
    }
    int[] shape = first.shape().clone();
    shape[axis] = 0;
    for (String in : n.inputs()) {
      shape[axis] += env.get(in).shape()[axis];
    }
    double[] out = new double[Arrays.stream(shape).reduce(1, (p, q) -> p * q)];
    int pos = 0;
    for (int o = 0; o < outer; o++) {
      for (String in : n.inputs()) {
        Value v = env.get(in);
        int chunk = v.size() / outer;
        System.arraycopy(v.data(), o * chunk, out, pos, chunk);
        pos += chunk;
      }
    }
    return new Value(shape, out);
  }
}
