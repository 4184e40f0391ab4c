package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.LongTensor;

/**
 * A constant as {@link ConstantEvaluator} computes with it: an element type, a shape and either
 * float32 values (type FLOAT) or integer values (every integer and boolean type). Immutable by
 * contract, like {@link Tensor}.
 */
record ConstValue(DataType type, int[] shape, float[] floats, long[] ints) {
  static ConstValue of(Tensor t) {
    return new ConstValue(DataType.FLOAT, t.shape(), t.data(), null);
  }

  static ConstValue of(LongTensor t) {
    return new ConstValue(t.type(), t.shape(), null, t.data());
  }

  static ConstValue ofFloats(int[] shape, float[] values) {
    return new ConstValue(DataType.FLOAT, shape, values, null);
  }

  static ConstValue ofInts(DataType type, int[] shape, long[] values) {
    return new ConstValue(type, shape, null, values);
  }

  boolean isFloat() {
    return floats != null;
  }

  int size() {
    return isFloat() ? floats.length : ints.length;
  }

  int rank() {
    return shape.length;
  }

  /** Element {@code i} as a double (exact for floats and for integers up to 2^53). */
  double num(int i) {
    return isFloat() ? floats[i] : ints[i];
  }

  /** The values as longs; only for integer constants. */
  long[] longs() {
    if (isFloat()) {
      throw new IllegalStateException("float constant used where integers are needed");
    }
    return ints;
  }

  ConstValue reshaped(int[] newShape) {
    return new ConstValue(type, newShape, floats, ints);
  }

  /** The graph-level tensor this value is stored as. */
  Object toTensor() {
    return isFloat() ? Tensor.of(floats, shape) : LongTensor.of(type, ints, shape);
  }
}
