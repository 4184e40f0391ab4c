package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import java.util.Arrays;
import java.util.List;

/**
 * Folds a per-input-channel constant added in front of an unpadded Conv into its bias: {@code
 * Conv(x + a, W, b) = Conv(x, W, b')} with {@code b'[o] = b[o] + Σ_{i,ky,kx} W[o,i,ky,kx]·a[g·I+i]}
 * ({@code g} the group of output channel {@code o}, {@code I} input channels per group): without
 * padding every output pixel sees the shift at every tap. YOLOv7's {@code ImplicitA} in front of
 * each head convolution is this. Arithmetic in float64.
 *
 * <p>Refused, with the reason, when the conv pads (border pixels would see fewer shifted taps), the
 * sum is read elsewhere, or the constant is not one value per input channel. Stateless and
 * thread-safe.
 */
public final class FoldInputShiftIntoConv extends RewriteRule<FoldInputShiftIntoConv.Site> {
  record Site(Node add, Node conv, String x, ConvAttributes attrs, float[] shift) {}

  public FoldInputShiftIntoConv() {
    super("fold-input-shift-into-conv", false, "Conv");
  }

  @Override
  public Match<Site> match(Graph g, Node conv) {
    Node add = g.producer(conv.input(0));
    if (add == null || !add.opType().equals("Add")) {
      return Match.none();
    }
    for (int i = 0; i < 2; i++) {
      Tensor a = GraphQueries.floatConstant(g, add.input(1 - i));
      if (a == null || GraphQueries.floatConstant(g, add.input(i)) != null) {
        continue;
      }
      String label = GraphQueries.label(conv);
      ConvAttributes attrs;
      try {
        attrs = ConvAttributes.of(g, conv);
      } catch (PatternRefused r) {
        return Match.refused(label, r.getMessage());
      }
      if (!GraphQueries.perChannel(a, attrs.inChannels())) {
        return Match.refused(label, "the shift added to its input has shape " + Arrays.toString(a.shape())
            + ", not one value per input channel of " + attrs.inChannels());
      }
      if (Arrays.stream(attrs.pads()).anyMatch(p -> p != 0)) {
        return Match.refused(label, "it pads its input " + Arrays.toString(attrs.pads())
            + ", so border pixels would not see the shift at every tap");
      }
      if (GraphQueries.soleConsumer(g, add.output(0)) != conv) {
        return Match.refused(label, "the shifted input '" + add.output(0) + "' is also read elsewhere");
      }
      return Match.at(label, new Site(add, conv, add.input(i), attrs, a.data()));
    }
    return Match.none();
  }

  @Override
  public void rewrite(Graph g, Site s) {
    ConvAttributes c = s.attrs();
    float[] w = c.weight().data();
    int out = c.outChannels();
    int perGroup = c.weight().dim(1);
    int taps = c.kernelHeight() * c.kernelWidth();
    int outPerGroup = out / c.group();
    double[] weight = new double[w.length];
    for (int i = 0; i < w.length; i++) {
      weight[i] = w[i];
    }
    double[] bias = c.biasOrZero();
    for (int o = 0; o < out; o++) {
      int firstInput = (o / outPerGroup) * perGroup;
      for (int i = 0; i < perGroup; i++) {
        double a = s.shift()[s.shift().length == 1 ? 0 : firstInput + i];
        for (int t = 0; t < taps; t++) {
          bias[o] += w[(o * perGroup + i) * taps + t] * a;
        }
      }
    }
    Node fused = ConvAttributes.build(g, s.conv().name(), s.x(), s.conv().output(0), weight, c.weight().shape(), bias,
        c.strides(), c.pads(), c.dilations(), c.group());
    g.replaceNode(s.conv(), fused);
    GraphEdits.removeNodes(g, List.of(s.add()));
  }
}
