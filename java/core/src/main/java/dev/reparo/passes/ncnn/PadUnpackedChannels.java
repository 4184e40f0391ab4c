package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.param;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams.Conv;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.passes.GraphQueries;
import dev.reparo.passes.Match;
import dev.reparo.passes.RewriteRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Pads a convolution's output channels with zeros up to a multiple of 8 where the count is not a
 * multiple of 4 and only a depth-wise chain and one convolution read them, so that ncnn runs the
 * chain packed.
 *
 * <p>Why: ncnn packs a blob's channels by 4 (ARM, SSE), 8 (AVX) or 16 (AVX-512) only when the pack
 * divides the count; ShuffleNetV2 1.0x's first stage has branches of 58 channels, which every ISA
 * runs unpacked, depth-wise 3x3 at about 10 GFLOP/s (AVX-512 EPYC). Padded to 64, YOLOv5-Lite-s
 * (full size, 320) ran 1.04x faster in one alternating run, for 10% more work in those layers.
 *
 * <p>Pattern: a Convolution {@code A} (group 1, FP32) writing C channels, C not a multiple of 4,
 * where padding to the next multiple of 8 adds at most 1/8; then, each the only reader of the
 * previous output, per-channel activations and at least one ConvolutionDepthWise of C groups; then
 * a Convolution {@code B} (group 1, FP32) as the only reader. Rewrite: {@code A} and every
 * depth-wise layer get zero filters and zero biases for the new channels, and {@code B} zero
 * weights for them, so its output is unchanged whatever an activation makes of a zero. Stateless and
 * thread-safe.
 */
public final class PadUnpackedChannels extends RewriteRule<PadUnpackedChannels.Site> {
  private static final Set<String> ACTIVATIONS =
      Set.of("ReLU", "Swish", "Sigmoid", "Clip", "HardSwish", "HardSigmoid", "Mish", "TanH");

  /** {@code chain} holds the layers between {@code a} and {@code b}; C becomes {@code padded}. */
  record Site(Node a, List<Node> chain, Node b, int channels, int padded) {}

  public PadUnpackedChannels() {
    super("ncnn-pad-unpacked-channels", true, "Convolution");
  }

  @Override
  public Match<Site> match(Graph g, Node a) {
    int c = param(a, Conv.NUM_OUTPUT, 0);
    int padded = (c + 7) / 8 * 8;
    if (c <= 0 || c % 4 == 0 || (padded - c) * 8 > c || !fp32Convolution(g, a, 1)) {
      return Match.none();
    }
    List<Node> chain = new ArrayList<>();
    boolean depthwise = false;
    Node at = a;
    while (true) {
      if (GraphQueries.isGraphOutput(g, at.output(0))) {
        return Match.none();
      }
      Node next = GraphQueries.soleConsumer(g, at.output(0));
      if (next == null || next.inputs().isEmpty() || !next.input(0).equals(at.output(0))) {
        return Match.none();
      }
      if (is(next, "Convolution") && fp32Convolution(g, next, 1)) {
        return depthwise ? Match.at(a.name(), new Site(a, List.copyOf(chain), next, c, padded)) : Match.none();
      }
      boolean perChannel = ACTIVATIONS.stream().anyMatch(t -> is(next, t)) && next.inputs().size() == 1;
      boolean dw = is(next, "ConvolutionDepthWise") && param(next, Conv.GROUP, 1) == c
          && param(next, Conv.NUM_OUTPUT, 0) == c && fp32Convolution(g, next, c);
      if (!perChannel && !dw) {
        return Match.none();
      }
      depthwise |= dw;
      chain.add(next);
      at = next;
    }
  }

  /** Constant FP32 weights (and bias) of {@code groups} groups, no int8 params. */
  private static boolean fp32Convolution(Graph g, Node n, int groups) {
    return param(n, Conv.GROUP, 1) == groups && !n.hasAttribute("8") && n.inputs().size() >= 2
        && g.initializer(n.input(1)) != null && g.initializer(n.input(1)).rank() == 4
        && (n.inputs().size() < 3 || g.initializer(n.input(2)) != null);
  }

  @Override
  public void rewrite(Graph g, Site s) {
    g.replaceNode(s.a(), padOutputs(g, s.a(), s.padded(), false));
    for (Node n : s.chain()) {
      if (is(n, "ConvolutionDepthWise")) {
        g.replaceNode(n, padOutputs(g, n, s.padded(), true));
      }
    }
    g.replaceNode(s.b(), padInputs(g, s.b(), s.channels(), s.padded()));
    widen(g, s.a().output(0), s.padded());
    s.chain().forEach(n -> widen(g, n.output(0), s.padded()));
  }

  /** {@code n} with zero filters (and zero biases) appended up to {@code padded} outputs. */
  private static Node padOutputs(Graph g, Node n, int padded, boolean depthwise) {
    Tensor w = g.initializer(n.input(1));
    int[] shape = w.shape().clone();
    shape[0] = padded;
    float[] wp = Arrays.copyOf(w.data(), (int) Tensor.elementCount(shape));
    List<String> inputs = new ArrayList<>(List.of(n.input(0), putWeight(g, n.input(1), Tensor.of(wp, shape))));
    if (n.inputs().size() > 2) {
      float[] b = g.initializer(n.input(2)).data();
      inputs.add(putWeight(g, n.input(2), Tensor.of(Arrays.copyOf(b, padded), padded)));
    }
    Node out = n.withInputs(inputs).withAttribute(Attribute.of(Conv.NUM_OUTPUT, (long) padded))
        .withAttribute(Attribute.of(Conv.WEIGHT_DATA_SIZE, (long) wp.length));
    return depthwise ? out.withAttribute(Attribute.of(Conv.GROUP, (long) padded)) : out;
  }

  /** {@code n} with zero weights for input channels {@code channels .. padded-1}. */
  private static Node padInputs(Graph g, Node n, int channels, int padded) {
    Tensor w = g.initializer(n.input(1));
    int out = w.dim(0);
    int k = w.dim(2) * w.dim(3);
    float[] wp = new float[out * padded * k];
    for (int o = 0; o < out; o++) {
      System.arraycopy(w.data(), o * channels * k, wp, o * padded * k, channels * k);
    }
    List<String> inputs = new ArrayList<>(n.inputs());
    inputs.set(1, putWeight(g, n.input(1), Tensor.of(wp, out, padded, w.dim(2), w.dim(3))));
    return n.withInputs(inputs).withAttribute(Attribute.of(Conv.WEIGHT_DATA_SIZE, (long) wp.length));
  }

  /** A new initializer for the padded weights (the old one may be shared), named after the old. */
  private static String putWeight(Graph g, String old, Tensor t) {
    String name = g.uniqueName(old + "_padded");
    g.putInitializer(name, t);
    if (g.consumers(old).size() <= 1) {
      g.removeInitializer(old);
    }
    return name;
  }

  private static void widen(Graph g, String value, int channels) {
    ValueInfo v = g.valueInfo(value);
    if (v != null && v.shape().isKnown() && v.shape().rank() == 4) {
      long[] dims = v.shape().toArray();
      dims[1] = channels;
      g.putValueInfo(v.withShape(Shape.of(dims)));
    }
  }
}
