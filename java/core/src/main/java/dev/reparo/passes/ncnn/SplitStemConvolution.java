package dev.reparo.passes.ncnn;

import static dev.reparo.passes.ncnn.NcnnLayers.is;
import static dev.reparo.passes.ncnn.NcnnLayers.layer;
import static dev.reparo.passes.ncnn.NcnnLayers.param;

import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParams;
import dev.reparo.format.ncnn.NcnnParams.Conv;
import dev.reparo.format.ncnn.NcnnParams.Pooling;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.Graph;
import dev.reparo.graph.NameAllocator;
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
 * Splits an image stem of 16 or 24 outputs, a 3x3 convolution on a 1- to 3-channel input, into
 * convolutions of {@value #PART} outputs each, when a downsampling pooling follows it.
 *
 * <p>Why: ncnn's x86 build has a fast kernel for a 3x3 convolution from an unpacked input (fewer
 * than 4 channels) only into packs of 8 (and 4) outputs. With 16 outputs (a pack of 16 under
 * AVX-512) it takes the generic packed loop, with more it takes im2col + GEMM, whose 27-deep
 * reduction is mostly packing. Measured on an AVX-512 EPYC, 1 thread, 320x320 input:
 * 3→16 outputs 0.60 ms as one layer, 2 x 0.17 ms as two of 8; with the max-pooling after it and
 * the Concat moved behind the pooling (where the map is a quarter the size), 0.71 → 0.45 ms.
 * Whole models, alternating rounds on an AVX-512 Xeon: YOLOv5-Lite-e (16 outputs) 1.09x, a
 * quarter-width YOLOv5-Lite-s (24) 1.11x; but four 8-output convolutions, each reading the image
 * again, made the full-size YOLOv5-Lite-s (32) 0.95x, so stems above {@value #MAX_PARTS} parts stay
 * whole. ncnn's ARM build uses the same pack-of-4 kernel whatever the output count, so there the
 * split changes the kernel calls' sizes, not the kernel.
 *
 * <p>Pattern: a Convolution (group 1, 3x3, dilation 1, stride 1 or 2, any folded activation) whose
 * weights say it reads fewer than 4 channels and writes 16 or 24; then the longest chain of per-channel
 * layers (activations, non-global pooling) that each alone read the previous one's output, which
 * must contain a pooling with a stride above 1. Rewrite: one convolution per 8 outputs (the weights
 * and bias cut along the output axis), each followed by its own copy of the chain, and one Concat
 * of the copies' outputs writing the chain's output. Refused, with the reason, when no downsampling
 * pooling follows (joining the full-size maps again costs more than the split saves: 1.60 against
 * 0.80 ms for 32 outputs) or when the stem is wider. Stateless and thread-safe.
 */
public final class SplitStemConvolution extends RewriteRule<SplitStemConvolution.Site> {
  /** Outputs per convolution: the widest pack ncnn's x86 unpacked-input 3x3 kernels write. */
  static final int PART = 8;

  /** The most convolutions a stem becomes (measured: 3 faster, 4 slower than one). */
  static final int MAX_PARTS = 3;

  /** Layers that map each channel to itself, so that a copy per output group computes the same. */
  private static final Set<String> PER_CHANNEL =
      Set.of("ReLU", "Swish", "Sigmoid", "Clip", "HardSwish", "HardSigmoid", "Mish", "TanH", "Pooling");

  /** The convolution, its input channels, and the per-channel layers after it. */
  record Site(Node conv, int inputChannels, List<Node> chain) {}

  public SplitStemConvolution() {
    super("ncnn-split-stem-convolution", true, "Convolution");
  }

  @Override
  public Match<Site> match(Graph g, Node conv) {
    int outputs = param(conv, Conv.NUM_OUTPUT, 0);
    int kw = param(conv, Conv.KERNEL_W, 0);
    int kh = param(conv, Conv.KERNEL_H, kw);
    int weights = param(conv, Conv.WEIGHT_DATA_SIZE, 0);
    if (kw != 3 || kh != 3 || outputs <= PART || outputs % PART != 0 || param(conv, Conv.GROUP, 1) != 1
        || weights % (outputs * 9) != 0 || weights / (outputs * 9) >= 4
        || param(conv, Conv.DILATION_W, 1) != 1 || param(conv, Conv.DILATION_H, param(conv, Conv.DILATION_W, 1)) != 1
        || !oneOrTwo(param(conv, Conv.STRIDE_W, 1), param(conv, Conv.STRIDE_H, param(conv, Conv.STRIDE_W, 1)))
        || conv.hasAttribute("8") // int8_scale_term: a quantized layer keeps its scales
        || conv.inputs().size() < 2 || g.initializer(conv.input(1)) == null
        || (conv.inputs().size() > 2 && g.initializer(conv.input(2)) == null)) {
      return Match.none();
    }
    if (outputs > MAX_PARTS * PART) {
      return Match.refused(conv.name(), "stays one layer: " + outputs + " outputs would be " + outputs / PART
          + " convolutions each reading the image again (slower than one: measured at 32)");
    }
    List<Node> chain = new ArrayList<>();
    boolean downsamples = false;
    Node at = conv;
    while (!GraphQueries.isGraphOutput(g, at.output(0))) {
      Node next = GraphQueries.soleConsumer(g, at.output(0));
      if (next == null || !PER_CHANNEL.stream().anyMatch(t -> is(next, t)) || next.inputs().size() != 1
          || is(next, "Pooling") && param(next, Pooling.GLOBAL_POOLING, 0) != 0) {
        break;
      }
      if (is(next, "Pooling")) {
        int sw = param(next, Pooling.STRIDE_W, 1);
        downsamples |= sw > 1 && param(next, Pooling.STRIDE_H, sw) > 1;
      }
      chain.add(next);
      at = next;
    }
    if (!downsamples) {
      return Match.refused(conv.name(), "stays one layer: no downsampling pooling follows it, and joining "
          + outputs / PART + " full-size maps again would cost more than the split saves");
    }
    return Match.at(conv.name(), new Site(conv, weights / (outputs * 9), List.copyOf(chain)));
  }

  private static boolean oneOrTwo(int sw, int sh) {
    return sw == sh && (sw == 1 || sw == 2);
  }

  @Override
  public void rewrite(Graph g, Site s) {
    Node conv = s.conv();
    int outputs = param(conv, Conv.NUM_OUTPUT, 0);
    Tensor w = g.initializer(conv.input(1));
    Tensor b = conv.inputs().size() > 2 ? g.initializer(conv.input(2)) : null;
    int perPart = PART * s.inputChannels() * 9;
    String last = s.chain().get(s.chain().size() - 1).output(0);
    NameAllocator names = g.names();
    List<Node> added = new ArrayList<>();
    String[] joined = new String[outputs / PART];
    for (int p = 0; p < joined.length; p++) {
      List<String> inputs = new ArrayList<>(List.of(conv.input(0),
          weight(g, names, conv.input(1), Tensor.of(Arrays.copyOfRange(w.data(), p * perPart, (p + 1) * perPart),
              PART, s.inputChannels(), 3, 3))));
      if (b != null) {
        inputs.add(weight(g, names, conv.input(2),
            Tensor.of(Arrays.copyOfRange(b.data(), p * PART, (p + 1) * PART), PART)));
      }
      String blob = part(g, names, conv.output(0), p, outputs);
      added.add(conv.withName(names.fresh(conv.name() + "_part" + p)).withInputs(inputs).withOutputs(List.of(blob))
          .withAttribute(Attribute.of(Conv.NUM_OUTPUT, (long) PART))
          .withAttribute(Attribute.of(Conv.WEIGHT_DATA_SIZE, (long) perPart)));
      for (Node n : s.chain()) {
        String out = part(g, names, n.output(0), p, outputs);
        added.add(n.withName(names.fresh(n.name() + "_part" + p)).withInputs(List.of(blob)).withOutputs(List.of(out)));
        blob = out;
      }
      joined[p] = blob;
    }
    added.add(layer("Concat", names.fresh(conv.name() + "_join")).inputs(joined).outputs(last)
        .intAttr(NcnnParams.CONCAT_AXIS, 0).build());
    int index = g.nodes().indexOf(conv);
    g.removeNode(conv);
    s.chain().forEach(g::removeNode);
    for (int i = 0; i < added.size(); i++) {
      g.addNode(index + i, added.get(i));
    }
    NcnnLayers.dropUnusedInitializers(g);
  }

  private static String weight(Graph g, NameAllocator names, String base, Tensor t) {
    String name = names.fresh(base + "_part");
    g.putInitializer(name, t);
    return name;
  }

  /** A fresh blob for output group {@code p} of {@code value}, with its shape where known. */
  private static String part(Graph g, NameAllocator names, String value, int p, int channels) {
    String name = names.fresh(value + "_part" + p);
    ValueInfo v = g.valueInfo(value);
    if (v != null && v.shape().isKnown() && v.shape().rank() == 4 && v.shape().dim(1).value() == channels) {
      long[] dims = v.shape().toArray();
      dims[1] = PART;
      g.putValueInfo(new ValueInfo(name, v.type(), Shape.of(dims)));
    }
    return name;
  }
}
