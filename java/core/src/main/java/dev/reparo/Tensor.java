package dev.reparo;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order (NCHW for images): a shape and the values.
 *
 * <p>Immutable by contract: {@link #of} wraps the array without copying, so the caller must not
 * change it afterwards; {@link #data()} returns the same array, which readers must not change.
 * Under that contract instances are safe to share between threads.
 */
public final class Tensor {
  private final int[] shape;
  private final float[] data;

  private Tensor(int[] shape, float[] data) {
    this.shape = shape;
    this.data = data;
  }

  /**
   * Wraps {@code data} as a tensor of the given shape.
   *
   * @throws InvalidInputException if a dimension is negative, the element count overflows an int,
   *     or {@code data.length} is not the product of the dimensions
   */
  public static Tensor of(float[] data, int... shape) {
    long count = elementCount(shape);
    if (count != data.length) {
      throw new InvalidInputException(
          "tensor of shape " + Arrays.toString(shape) + " needs " + count + " values, got " + data.length);
    }
    return new Tensor(shape.clone(), data);
  }

  /** A tensor of the given shape filled with zeros. */
  public static Tensor zeros(int... shape) {
    return new Tensor(shape.clone(), new float[Math.toIntExact(elementCount(shape))]);
  }

  /** The number of elements of a tensor of this shape (1 for a scalar shape). */
  public static long elementCount(int... shape) {
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new InvalidInputException("negative dimension in shape " + Arrays.toString(shape));
      }
      count *= d;
      if (count > Integer.MAX_VALUE - 8) {
        throw new InvalidInputException("shape " + Arrays.toString(shape) + " has too many elements");
      }
    }
    return count;
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
  public float[] data() {
    return data;
  }

  public int size() {
    return data.length;
  }

  /** This tensor's values under another shape with the same element count. */
  public Tensor reshape(int... newShape) {
    return of(data, newShape);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
