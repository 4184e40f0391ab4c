package dev.reparo.format.ncnn;

import java.util.List;
import java.util.Set;

/**
 * Which weight arrays each ncnn layer type reads from the {@code .bin}, in the order its
 * {@code load_model} reads them, and how: a <em>tagged</em> array starts with a 4-byte storage
 * flag (fp32, fp16, quantized); a raw one is plain little-endian float32. Stateless and thread-safe.
 */
final class NcnnWeights {
  /** Storage flag of fp16 data. */
  static final int TAG_FP16 = 0x01306B47;
  /** Storage flag of float32 data (the other float32 flag is 0). */
  static final int TAG_FP32 = 0x0002C056;
  /** Storage flag of bfloat16 data. */
  static final int TAG_BF16 = 0x01348B83;
  /** Storage flag of int8 data (one byte per value, padded to 4 bytes). */
  static final int TAG_INT8 = 0x000D4B38;

  /** Role of the per-channel weight scales of an int8 layer. */
  static final String WEIGHT_SCALES = "weight_scales";

  /**
   * One weight array: its role (used to name it), element count and storage. An {@code int8}
   * array is held as float in the graph and written quantized with the layer's {@link
   * #WEIGHT_SCALES} (ncnn's int8 layers, param 8 = int8_scale_term).
   */
  record Entry(String role, int count, boolean tagged, boolean int8) {
    Entry(String role, int count, boolean tagged) {
      this(role, count, tagged, false);
    }
  }

  /** Reads an int param with ncnn's default. */
  interface Params {
    int get(int id, int defaultValue);
  }

  /** Layer types that read nothing from the {@code .bin}. */
  static final Set<String> WEIGHTLESS = Set.of("Input", "Split", "Concat", "Slice", "Crop",
      "Eltwise", "BinaryOp", "ShuffleChannel", "Swish", "Sigmoid", "ReLU", "Clip", "HardSwish",
      "HardSigmoid", "Mish", "TanH", "Reshape", "Permute", "Pooling", "Interp", "Softmax", "Flatten",
      "Noop", "Dropout", "UnaryOp", "Softplus", "GELU", "Erf", "MatMul");

  private NcnnWeights() {}

  /**
   * The arrays a layer of {@code type} with these params reads, or null if Reparo does not know
   * the type's weight layout.
   *
   * @throws IllegalArgumentException for an int8_scale_term ncnn does not define
   */
  static List<Entry> layout(String type, Params p) {
    if (WEIGHTLESS.contains(type)) {
      return List.of();
    }
    switch (type) {
      case "Convolution", "ConvolutionDepthWise": {
        int term = p.get(8, 0);
        int channels = p.get(0, 0);
        if (type.equals("ConvolutionDepthWise")) {
          channels = term == 2 || term == 102 ? 1 : p.get(7, 1);
        }
        return withScales(new Entry("weight", p.get(6, 0), true, term != 0), p.get(5, 0) != 0, p.get(0, 0),
            term, channels);
      }
      case "InnerProduct": {
        int term = p.get(8, 0);
        return withScales(new Entry("weight", p.get(2, 0), true, term != 0), p.get(1, 0) != 0, p.get(0, 0),
            term, p.get(0, 0));
      }
      case "Scale": {
        int n = p.get(0, 0);
        if (n == -233) {
          return List.of();
        }
        Entry s = new Entry("scale", n, false);
        return p.get(1, 0) != 0 ? List.of(s, new Entry("bias", n, false)) : List.of(s);
      }
      case "BatchNorm": {
        int c = p.get(0, 0);
        return List.of(new Entry("slope", c, false), new Entry("mean", c, false),
            new Entry("var", c, false), new Entry("bias", c, false));
      }
      case "MemoryData": {
        int w = p.get(0, 0);
        int h = p.get(1, 0);
        int d = p.get(11, 0);
        int c = p.get(2, 0);
        if (w == 0 && h == 0 && d == 0 && c == 0) {
          return List.of();
        }
        long count = (long) Math.max(w, 1) * Math.max(h, 1) * Math.max(d, 1) * Math.max(c, 1);
        if (count > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("MemoryData of " + count + " values is too large");
        }
        return List.of(new Entry("data", (int) count, p.get(21, 1) == 0));
      }
      default:
        return null;
    }
  }

  /**
   * Weight, bias, then for int8 layers the weight scales (one per channel), the input scale and,
   * with requantization (term > 100), the output scale: the order of ncnn's {@code load_model}.
   */
  private static List<Entry> withScales(Entry weight, boolean bias, int outputs, int term, int scaleCount) {
    if (term != 0 && term != 1 && term != 2 && term != 101 && term != 102) {
      throw new IllegalArgumentException("int8_scale_term (param 8) must be 0, 1, 2, 101 or 102, got " + term);
    }
    List<Entry> out = new java.util.ArrayList<>(List.of(weight));
    if (bias) {
      out.add(new Entry("bias", outputs, false));
    }
    if (term != 0) {
      out.add(new Entry(WEIGHT_SCALES, scaleCount, false));
      out.add(new Entry("input_scale", 1, false));
    }
    if (term > 100) {
      out.add(new Entry("output_scale", 1, false));
    }
    return List.copyOf(out);
  }
}
