package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Arrays;

/**
 * A 2-D Conv node with constant weights, its attributes resolved to explicit values (defaults filled
 * in, {@code auto_pad=VALID} turned into zero pads).
 *
 * @param weight {@code [outChannels, inChannels/group, kh, kw]}
 * @param bias per output channel, or null when the node has none
 * @param pads {@code [top, left, bottom, right]}
 */
record ConvAttributes(Node node, Tensor weight, Tensor bias, int[] strides, int[] pads,
    int[] dilations, int group) {

  /**
   * Reads {@code conv}'s attributes and weights.
   *
   * @throws PatternRefused when the weights are not constants, the conv is not 2-D, or it pads
   *     with {@code auto_pad=SAME_*}
   */
  static ConvAttributes of(Graph g, Node conv) throws PatternRefused {
    String who = GraphQueries.label(conv);
    Tensor w = GraphQueries.floatConstant(g, conv.input(1));
    if (w == null) {
      throw new PatternRefused("weights of conv '" + who + "' are not a constant");
    }
    if (w.rank() != 4) {
      throw new PatternRefused("conv '" + who + "' is not 2-D (weight rank " + w.rank() + ")");
    }
    Tensor b = null;
    if (conv.hasInput(2)) {
      b = GraphQueries.floatConstant(g, conv.input(2));
      if (b == null) {
        throw new PatternRefused("bias of conv '" + who + "' is not a constant");
      }
      if (b.size() != w.dim(0)) {
        throw new PatternRefused("bias of conv '" + who + "' has " + b.size() + " values for "
            + w.dim(0) + " output channels");
      }
    }
    String autoPad = conv.attrString("auto_pad", "NOTSET");
    if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
      throw new PatternRefused("conv '" + who + "' uses auto_pad=" + autoPad);
    }
    int group = Math.toIntExact(conv.attrInt("group", 1));
    int[] kernel = {w.dim(2), w.dim(3)};
    long[] declared = conv.attrInts("kernel_shape");
    if (declared != null && (declared.length != 2 || declared[0] != kernel[0] || declared[1] != kernel[1])) {
      throw new PatternRefused("conv '" + who + "' declares kernel_shape " + Arrays.toString(declared)
          + " but its weight is " + kernel[0] + "x" + kernel[1]);
    }
    int[] pads = autoPad.equals("VALID") ? new int[4] : ints(conv, "pads", 4, 0);
    return new ConvAttributes(conv, w, b, ints(conv, "strides", 2, 1), pads,
        ints(conv, "dilations", 2, 1), group);
  }

  private static int[] ints(Node conv, String name, int length, int dflt) throws PatternRefused {
    long[] v = conv.attrInts(name);
    int[] out = new int[length];
    if (v == null) {
      Arrays.fill(out, dflt);
      return out;
    }
    if (v.length != length) {
      throw new PatternRefused("conv '" + GraphQueries.label(conv) + "' has " + name + " "
          + Arrays.toString(v) + ", expected " + length + " values");
    }
    for (int i = 0; i < length; i++) {
      out[i] = Math.toIntExact(v[i]);
    }
    return out;
  }

  int outChannels() {
    return weight.dim(0);
  }

  /** Input channels of the whole conv (not per group). */
  int inChannels() {
    return weight.dim(1) * group;
  }

  int kernelHeight() {
    return weight.dim(2);
  }

  int kernelWidth() {
    return weight.dim(3);
  }

  /** The bias as float64, zeros when the conv has none. */
  double[] biasOrZero() {
    double[] out = new double[outChannels()];
    if (bias != null) {
      float[] f = bias.data();
      for (int i = 0; i < out.length; i++) {
        out[i] = f[i];
      }
    }
    return out;
  }

  /**
   * A Conv node reading {@code input} with new weights and bias (added as initializers named after
   * the node) and these attributes, writing {@code output}.
   */
  /**
   * This conv followed by a per-output-channel affine map {@code y·scale + shift} as one conv
   * writing {@code output}: weights times {@code scale}, bias times {@code scale} plus {@code shift}
   * (float64).
   */
  Node withAffine(Graph g, String output, double[] scale, double[] shift) {
    float[] w = weight.data();
    int out = outChannels();
    int perChannel = w.length / out;
    double[] fusedWeight = new double[w.length];
    double[] fusedBias = biasOrZero();
    for (int o = 0; o < out; o++) {
      for (int i = o * perChannel; i < (o + 1) * perChannel; i++) {
        fusedWeight[i] = w[i] * scale[o];
      }
      fusedBias[o] = fusedBias[o] * scale[o] + shift[o];
    }
    return build(g, node.name(), node.input(0), output, fusedWeight, weight.shape(), fusedBias, strides, pads,
        dilations, group);
  }

  static Node build(Graph g, String name, String input, String output, double[] weight,
      int[] weightShape, double[] bias, int[] strides, int[] pads, int[] dilations, int group) {
    String base = name.isEmpty() ? output : name;
    String wName = g.uniqueName(base + ".weight");
    g.putInitializer(wName, Tensor.of(toFloat(weight), weightShape));
    String bName = g.uniqueName(base + ".bias");
    g.putInitializer(bName, Tensor.of(toFloat(bias), bias.length));
    return Node.builder("Conv").name(name).inputs(input, wName, bName).outputs(output)
        .attr(Attribute.ints("dilations", longs(dilations)))
        .intAttr("group", group)
        .attr(Attribute.ints("kernel_shape", weightShape[2], weightShape[3]))
        .attr(Attribute.ints("pads", longs(pads)))
        .attr(Attribute.ints("strides", longs(strides)))
        .build();
  }

  static float[] toFloat(double[] d) {
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  private static long[] longs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
