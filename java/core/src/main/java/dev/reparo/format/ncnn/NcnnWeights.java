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
  /** Storage flag of int8 data, which Reparo does not read. */
  static final int TAG_INT8 = 0x000D4B38;

  /** One weight array: its role (used to name it), element count and storage. */
  record Entry(String role, int count, boolean tagged) {}

  /** Reads an int param with ncnn's default. */
  interface Params {
    int get(int id, int defaultValue);
  }

  /** Layer types that read nothing from the {@code .bin}. */
  static final Set<String> WEIGHTLESS = Set.of("Input", "Split", "Concat", "Slice", "Crop",
      "Eltwise", "BinaryOp", "ShuffleChannel", "Swish", "Sigmoid", "ReLU", "Clip", "HardSwish",
      "HardSigmoid", "Mish", "TanH", "Reshape", "Permute", "Pooling", "Interp", "Softmax", "Flatten",
      "Noop", "Dropout", "UnaryOp");

  private NcnnWeights() {}

  /**
   * The arrays a layer of {@code type} with these params reads, or null if Reparo does not know
   * the type's weight layout.
   *
   * @throws IllegalArgumentException for int8-quantized layers, which Reparo does not handle
   */
  static List<Entry> layout(String type, Params p) {
    if (WEIGHTLESS.contains(type)) {
      return List.of();
    }
    switch (type) {
      case "Convolution", "ConvolutionDepthWise": {
        requireFloat(p.get(8, 0));
        Entry w = new Entry("weight", p.get(6, 0), true);
        return p.get(5, 0) != 0 ? List.of(w, new Entry("bias", p.get(0, 0), false)) : List.of(w);
      }
      case "InnerProduct": {
        requireFloat(p.get(8, 0));
        Entry w = new Entry("weight", p.get(2, 0), true);
        return p.get(1, 0) != 0 ? List.of(w, new Entry("bias", p.get(0, 0), false)) : List.of(w);
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

  private static void requireFloat(int int8ScaleTerm) {
    if (int8ScaleTerm != 0) {
      throw new IllegalArgumentException("int8-quantized layers (param 8=" + int8ScaleTerm
          + ") are not supported");
    }
  }
}
