package dev.reparo.graph.constant;

import dev.reparo.graph.DataType;

/** Assembles a value of the same element type as a source, element by element, symbols included. */
final class Builder {
  private final DataType type;
  private final int[] shape;
  private final float[] floats;
  private final long[] ints;
  private String[] syms;

  Builder(ConstValue like, int count, int[] shape) {
    this.type = like.type();
    this.shape = shape;
    this.floats = like.isFloat() ? new float[count] : null;
    this.ints = like.isFloat() ? null : new long[count];
  }

  void copy(int at, ConstValue src, int from) {
    if (floats != null) {
      floats[at] = src.floats()[from];
      return;
    }
    ints[at] = src.ints()[from];
    if (!src.elemKnown(from)) {
      if (syms == null) {
        syms = new String[ints.length];
      }
      syms[at] = src.syms()[from];
    }
  }

  ConstValue build() {
    return floats != null ? ConstValue.ofFloats(shape, floats) : ConstValue.ofSymbolic(type, shape, ints, syms);
  }
}
