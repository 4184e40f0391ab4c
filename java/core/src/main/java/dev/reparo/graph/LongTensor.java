package dev.reparo.graph;

import dev.reparo.InvalidInputException;
import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A small dense integer tensor (int64 values, row-major) for shape, axis and index constants, with
 * the ONNX integer type it is stored as (INT64, INT32, UINT8, BOOL...).
 *
 * <p>Immutable by contract as {@link Tensor} is: {@link #of} does not copy, {@link #data()} does
 * not copy, and neither array may be changed afterwards. Under that contract instances are safe to
 * share between threads. Equality is by type, shape and values.
 */
public final class LongTensor {
  private final DataType type;
  private final int[] shape;
  private final long[] data;

  private LongTensor(DataType type, int[] shape, long[] data) {
    this.type = type;
    this.shape = shape;
    this.data = data;
  }

  /** An INT64 tensor. */
  public static LongTensor of(long[] data, int... shape) {
    return of(DataType.INT64, data, shape);
  }

  /**
   * A tensor stored as {@code type}, which must be an integer or boolean type.
   *
   * @throws InvalidInputException if the type is not an integer type or the data does not fit
   */
  public static LongTensor of(DataType type, long[] data, int... shape) {
    if (!type.isInteger()) {
      throw new InvalidInputException("LongTensor cannot hold " + type + " values");
    }
    long count = Tensor.elementCount(shape);
    if (count != data.length) {
      throw new InvalidInputException(
          "tensor of shape " + Arrays.toString(shape) + " needs " + count + " values, got " + data.length);
    }
    return new LongTensor(type, shape.clone(), data);
  }

  /** A rank-0 INT64 tensor. */
  public static LongTensor scalar(long value) {
    return new LongTensor(DataType.INT64, new int[0], new long[] {value});
  }

  /** A rank-1 INT64 tensor. */
  public static LongTensor vector(long... values) {
    return new LongTensor(DataType.INT64, new int[] {values.length}, values);
  }

  public DataType type() {
    return type;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  /** The values, not copied (see the class comment). */
  public long[] data() {
    return data;
  }

  public int size() {
    return data.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LongTensor t && type == t.type && Arrays.equals(shape, t.shape)
        && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, Arrays.hashCode(shape), Arrays.hashCode(data));
  }

  @Override
  public String toString() {
    String values = data.length <= 8 ? Arrays.toString(data) : "[" + data.length + " values]";
    return "LongTensor(" + type + ")" + Arrays.toString(shape) + "=" + values;
  }
}
