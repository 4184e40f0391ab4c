package dev.reparo.format.ncnn;

/**
 * IEEE 754 half precision (binary16) conversions, as ncnn stores fp16 weights. Java 17 has no
 * built-in for them. Stateless and thread-safe.
 */
final class Float16 {
  private Float16() {}

  /** The half nearest to {@code f} (ties to even); overflow gives infinity, NaN stays NaN. */
  static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      // Subnormal half: the value in units of 2^-24 is the full 24-bit mantissa >> (14 - e).
      if (e < -10) {
        return (short) sign;
      }
      int full = mant | 0x800000;
      int shift = 14 - e;
      int h = full >> shift;
      int rem = full & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (rem > halfway || (rem == halfway && (h & 1) != 0)) {
        h++; // may carry into the exponent field, which is the right encoding
      }
      return (short) (sign | h);
    }
    int out = sign | (e << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (out & 1) != 0)) {
      out++; // a carry rounds up into the next binade, or to infinity
    }
    return (short) out;
  }

  /** The exact float value of a half. */
  static float toFloat(short half) {
    int h = half & 0xffff;
    int sign = (h & 0x8000) << 16;
    int e = (h >>> 10) & 0x1f;
    int m = h & 0x3ff;
    if (e == 0) {
      float v = m * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    if (e == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (m << 13));
    }
    return Float.intBitsToFloat(sign | ((e - 15 + 127) << 23) | (m << 13));
  }
}
