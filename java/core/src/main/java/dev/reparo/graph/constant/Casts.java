package dev.reparo.graph.constant;

import dev.reparo.graph.DataType;

/**
 * {@code Cast} of constants: floats to integers truncate toward zero, integers wrap to the target's
 * width, anything non-zero is true. Symbols survive casts between integer types.
 */
public final class Casts {
  private Casts() {}

  /** {@code x} converted to {@code to}. @throws CannotFold for a type the graph stores no constants of */
  public static ConstValue cast(ConstValue x, DataType to) throws CannotFold {
    if (to == DataType.FLOAT) {
      if (x.isFloat()) {
        return x;
      }
      Arithmetic.requireKnown(x);
      float[] v = new float[x.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = x.type() == DataType.UINT64 ? unsignedToFloat(x.ints()[i]) : (float) x.ints()[i];
      }
      return ConstValue.ofFloats(x.shape(), v);
    }
    if (!to.isInteger()) {
      throw new CannotFold("the graph stores no " + to + " constants");
    }
    long[] v = new long[x.size()];
    for (int i = 0; i < v.length; i++) {
      if (x.isFloat()) {
        float f = x.floats()[i];
        v[i] = to == DataType.BOOL ? (f != 0 ? 1 : 0) : Arithmetic.wrap(to, (long) f);
      } else {
        v[i] = Arithmetic.wrap(to, x.ints()[i]);
      }
    }
    return ConstValue.ofSymbolic(to, x.shape(), v, x.syms());
  }

  /** The ONNX type a {@code Cast} node's {@code to} attribute names. */
  public static DataType target(long code) throws CannotFold {
    DataType to = code == (int) code ? DataType.fromOnnx((int) code) : null;
    if (to == null || to == DataType.UNDEFINED) {
      throw new CannotFold("Cast to unknown type " + code);
    }
    return to;
  }

  private static float unsignedToFloat(long v) {
    return v >= 0 ? (float) v : (float) ((v >>> 1) | (v & 1)) * 2f;
  }
}
