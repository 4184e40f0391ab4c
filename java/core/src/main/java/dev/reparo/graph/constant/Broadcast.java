package dev.reparo.graph.constant;

import dev.reparo.Tensor;
import java.util.Arrays;

/** Numpy (multidirectional) broadcasting of concrete shapes, and the element counts it checks. */
public final class Broadcast {
  /** Results larger than this are not computed: constants are for shapes and small parameters. */
  public static final int MAX_ELEMENTS = 1 << 22;

  private Broadcast() {}

  /** The shape two shapes broadcast to. @throws CannotFold if they do not, or it is too large */
  public static int[] shape(int[] a, int[] b) throws CannotFold {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int x = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
      int y = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
      if (x != y && x != 1 && y != 1) {
        throw new CannotFold("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
      }
      out[i] = x == 1 ? y : x;
    }
    checkedCount(out);
    return out;
  }

  /** For each element of a tensor of shape {@code out}, the flat index it reads in {@code in}. */
  public static int[] index(int[] in, int[] out) {
    int count = (int) Tensor.elementCount(out);
    int[] map = new int[count];
    int offset = out.length - in.length;
    int[] inStrides = strides(in);
    int[] coord = new int[out.length];
    for (int i = 0; i < count; i++) {
      int src = 0;
      for (int d = 0; d < in.length; d++) {
        src += (in[d] == 1 ? 0 : coord[d + offset]) * inStrides[d];
      }
      map[i] = src;
      for (int d = out.length - 1; d >= 0 && ++coord[d] == out[d]; d--) {
        coord[d] = 0;
      }
    }
    return map;
  }

  /** Row-major strides of a shape, in elements. */
  static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** The element count of a result shape. @throws CannotFold above {@link #MAX_ELEMENTS} */
  static int checkedCount(int[] shape) throws CannotFold {
    long count = 1;
    for (int d : shape) {
      count *= d;
      if (count > MAX_ELEMENTS) {
        throw new CannotFold("the result of shape " + Arrays.toString(shape) + " has more than "
            + MAX_ELEMENTS + " elements");
      }
    }
    return (int) count;
  }

  /** A shape given as integers, each a valid size. */
  static int[] sizes(long[] target) throws CannotFold {
    int[] shape = new int[target.length];
    for (int i = 0; i < shape.length; i++) {
      if (target[i] < 0 || target[i] > Integer.MAX_VALUE) {
        throw new CannotFold("shape " + Arrays.toString(target) + " has size " + target[i]);
      }
      shape[i] = (int) target[i];
    }
    return shape;
  }
}
