package dev.reparo.graph.constant;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.LongTensor;

/**
 * A tensor whose values are known before run time: an element type, a shape and either float32
 * values (type FLOAT) or integer values (every integer and boolean type). Integer elements may be
 * symbolic: {@code syms} is null when every element is known, else {@code syms[i]} is null for a
 * known element, the name of a graph input's dim ({@code batch}), or empty when nothing is known.
 * Immutable by contract, like {@link Tensor}.
 */
public record ConstValue(DataType type, int[] shape, float[] floats, long[] ints, String[] syms) {
  public static ConstValue of(Tensor t) {
    return ofFloats(t.shape(), t.data());
  }

  public static ConstValue of(LongTensor t) {
    return ofInts(t.type(), t.shape(), t.data());
  }

  /** Wraps a graph tensor ({@link Tensor} or {@link LongTensor}). */
  public static ConstValue fromTensor(Object tensor) {
    return tensor instanceof Tensor t ? of(t) : of((LongTensor) tensor);
  }

  public static ConstValue ofFloats(int[] shape, float[] values) {
    return new ConstValue(DataType.FLOAT, shape, values, null, null);
  }

  public static ConstValue ofInts(DataType type, int[] shape, long[] values) {
    return new ConstValue(type, shape, null, values, null);
  }

  /** Integers of which some are symbolic or unknown (see the class comment); null syms is none. */
  public static ConstValue ofSymbolic(DataType type, int[] shape, long[] values, String[] syms) {
    boolean any = false;
    if (syms != null) {
      for (String s : syms) {
        any |= s != null;
      }
    }
    return new ConstValue(type, shape, null, values, any ? syms : null);
  }

  public boolean isFloat() {
    return floats != null;
  }

  public int size() {
    return isFloat() ? floats.length : ints.length;
  }

  public int rank() {
    return shape.length;
  }

  /** True when no element is symbolic or unknown. */
  public boolean fullyKnown() {
    return syms == null;
  }

  public boolean elemKnown(int i) {
    return syms == null || syms[i] == null;
  }

  /** Element {@code i} as a double (exact for floats and for integers up to 2^53). */
  public double num(int i) {
    return isFloat() ? floats[i] : ints[i];
  }

  /** The values as longs. @throws CannotFold for floats or when some element is not known */
  public long[] longs() throws CannotFold {
    if (isFloat()) {
      throw new CannotFold("float constant used where integers are needed");
    }
    if (!fullyKnown()) {
      throw new CannotFold("integers " + this + " are not all known");
    }
    return ints;
  }

  /** Element {@code i} as a dimension size: symbolic and negative elements are not sizes. */
  public Dim dimAt(int i) {
    if (!elemKnown(i)) {
      return syms[i].isEmpty() ? Dim.unknown() : Dim.symbolic(syms[i]);
    }
    long v = isFloat() ? (long) floats[i] : ints[i];
    return v >= 0 ? Dim.of(v) : Dim.unknown();
  }

  public ConstValue reshaped(int[] newShape) {
    return new ConstValue(type, newShape, floats, ints, syms);
  }

  /** The graph-level tensor this value is stored as; only for fully known values. */
  public Object toTensor() {
    if (!fullyKnown()) {
      throw new IllegalStateException("symbolic values " + this + " cannot be stored");
    }
    return isFloat() ? Tensor.of(floats, shape) : LongTensor.of(type, ints, shape);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < Math.min(size(), 8); i++) {
      sb.append(i > 0 ? "," : "").append(elemKnown(i) ? isFloat() ? Float.toString(floats[i])
          : Long.toString(ints[i]) : syms[i].isEmpty() ? "?" : syms[i]);
    }
    return sb.append(size() > 8 ? ",...]" : "]").toString();
  }
}
