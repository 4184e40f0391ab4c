package dev.reparo.graph.constant;

import java.util.Arrays;
import java.util.List;

/**
 * Kernels that move constant elements without computing new ones: Gather, Concat, Slice, Expand,
 * Reshape, Unsqueeze and Squeeze, with ONNX's axis and clamping rules. Symbols move with their
 * elements. Stateless and thread-safe.
 */
public final class Layout {
  private Layout() {}

  public static ConstValue gather(ConstValue data, ConstValue indices, long axisAttr) throws CannotFold {
    int axis = axis(axisAttr, data.rank());
    long[] idx = indices.longs();
    int size = data.shape()[axis];
    int outer = product(data.shape(), 0, axis);
    int inner = product(data.shape(), axis + 1, data.rank());
    int[] shape = join(Arrays.copyOfRange(data.shape(), 0, axis), indices.shape(),
        Arrays.copyOfRange(data.shape(), axis + 1, data.rank()));
    Builder b = new Builder(data, Broadcast.checkedCount(shape), shape);
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (long raw : idx) {
        long j = raw < 0 ? raw + size : raw;
        if (j < 0 || j >= size) {
          throw new CannotFold("index " + raw + " is out of range for a dim of " + size);
        }
        for (int e = 0; e < inner; e++) {
          b.copy(at++, data, (o * size + (int) j) * inner + e);
        }
      }
    }
    return b.build();
  }

  public static ConstValue concat(List<ConstValue> parts, long axisAttr) throws CannotFold {
    ConstValue first = parts.get(0);
    int axis = axis(axisAttr, first.rank());
    int[] shape = first.shape().clone();
    shape[axis] = 0;
    for (ConstValue p : parts) {
      if (p.type() != first.type() || p.rank() != first.rank()) {
        throw new CannotFold("inputs differ in type or rank");
      }
      for (int d = 0; d < shape.length; d++) {
        if (d != axis && p.shape()[d] != shape[d]) {
          throw new CannotFold("inputs differ outside the concat axis");
        }
      }
      shape[axis] += p.shape()[axis];
    }
    int outer = product(shape, 0, axis);
    Builder b = new Builder(first, Broadcast.checkedCount(shape), shape);
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (ConstValue p : parts) {
        int block = product(p.shape(), axis, p.rank());
        for (int j = 0; j < block; j++) {
          b.copy(at++, p, o * block + j);
        }
      }
    }
    return b.build();
  }

  /** {@code Slice}; {@code axes} and {@code steps} may be null (all leading axes, step 1). */
  public static ConstValue slice(ConstValue x, long[] starts, long[] ends, long[] axes, long[] steps)
      throws CannotFold {
    if (starts == null || ends == null || starts.length != ends.length
        || axes != null && axes.length != starts.length || steps != null && steps.length != starts.length) {
      throw new CannotFold("starts, ends, axes and steps do not fit together");
    }
    int rank = x.rank();
    long[] first = new long[rank];
    long[] step = new long[rank];
    int[] shape = x.shape().clone();
    Arrays.fill(step, 1);
    boolean[] seen = new boolean[rank];
    for (int i = 0; i < starts.length; i++) {
      int a = axis(axes == null ? i : axes[i], rank);
      if (seen[a]) {
        throw new CannotFold("axis " + a + " is sliced twice");
      }
      seen[a] = true;
      long s = steps == null ? 1 : steps[i];
      if (s == 0) {
        throw new CannotFold("step 0");
      }
      long[] r = sliceRange(x.shape()[a], starts[i], ends[i], s);
      first[a] = r[0];
      step[a] = s;
      shape[a] = (int) r[2];
    }
    int count = Broadcast.checkedCount(shape);
    int[] inStrides = Broadcast.strides(x.shape());
    Builder b = new Builder(x, count, shape);
    int[] coord = new int[rank];
    for (int i = 0; i < count; i++) {
      long src = 0;
      for (int d = 0; d < rank; d++) {
        src += (first[d] + coord[d] * step[d]) * inStrides[d];
      }
      b.copy(i, x, (int) src);
      for (int d = rank - 1; d >= 0 && ++coord[d] == shape[d]; d--) {
        coord[d] = 0;
      }
    }
    return b.build();
  }

  /**
   * {start, step, length} of a slice of a dim of that size, clamped as ONNX says: for a positive
   * step start and end to [0, size], for a negative one start to [0, size-1] and end to [-1, size-1].
   */
  public static long[] sliceRange(long size, long start, long end, long step) {
    if (start < 0) {
      start += size;
    }
    if (end < 0) {
      end += size;
    }
    long len;
    if (size == 0) {
      len = 0;
    } else if (step > 0) {
      start = clamp(start, 0, size);
      end = clamp(end, 0, size);
      len = end > start ? ceilDiv(end - start, step) : 0;
    } else {
      start = clamp(start, 0, size - 1);
      end = clamp(end, -1, size - 1);
      len = start > end ? ceilDiv(start - end, -step) : 0;
    }
    return new long[] {start, step, len};
  }

  public static ConstValue expand(ConstValue x, long[] target) throws CannotFold {
    int[] shape = Broadcast.shape(x.shape(), Broadcast.sizes(target));
    int[] src = Broadcast.index(x.shape(), shape);
    Builder b = new Builder(x, src.length, shape);
    for (int i = 0; i < src.length; i++) {
      b.copy(i, x, src[i]);
    }
    return b.build();
  }

  /** Axes permuted: output axis i is input axis perm[i] (reversed when perm is null, as ONNX says). */
  public static ConstValue transpose(ConstValue x, long[] perm) throws CannotFold {
    int r = x.rank();
    int[] p = new int[r];
    boolean[] seen = new boolean[r];
    for (int i = 0; i < r; i++) {
      long a = perm == null ? r - 1 - i : perm[i];
      if (perm != null && perm.length != r || a < 0 || a >= r || seen[(int) a]) {
        throw new CannotFold("perm " + Arrays.toString(perm) + " is no permutation of " + r + " axes");
      }
      seen[(int) a] = true;
      p[i] = (int) a;
    }
    int[] in = x.shape();
    int[] shape = new int[r];
    for (int i = 0; i < r; i++) {
      shape[i] = in[p[i]];
    }
    int[] inStrides = new int[r];
    for (int i = r - 1, s = 1; i >= 0; s *= in[i], i--) {
      inStrides[i] = s;
    }
    Builder b = new Builder(x, x.size(), shape);
    int[] idx = new int[r];
    for (int o = 0; o < x.size(); o++) {
      int src = 0;
      for (int i = 0; i < r; i++) {
        src += idx[i] * inStrides[p[i]];
      }
      b.copy(o, x, src);
      for (int i = r - 1; i >= 0 && ++idx[i] == shape[i]; i--) {
        idx[i] = 0;
      }
    }
    return b.build();
  }

  public static ConstValue reshape(ConstValue x, long[] target, boolean allowZero) throws CannotFold {
    int[] shape = new int[target.length];
    int inferAt = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      long v = target[i];
      if (v == 0 && !allowZero) {
        if (i >= x.rank()) {
          throw new CannotFold("shape " + Arrays.toString(target) + " copies a dim the input lacks");
        }
        v = x.shape()[i];
      }
      if (v == -1) {
        if (inferAt >= 0) {
          throw new CannotFold("shape " + Arrays.toString(target) + " has two -1");
        }
        inferAt = i;
        continue;
      }
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new CannotFold("shape " + Arrays.toString(target) + " has size " + v);
      }
      shape[i] = (int) v;
      known *= v;
    }
    if (inferAt >= 0) {
      if (known == 0 || x.size() % known != 0) {
        throw new CannotFold("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(target));
      }
      shape[inferAt] = (int) (x.size() / known);
    } else if (known != x.size()) {
      throw new CannotFold("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(target));
    }
    return x.reshaped(shape);
  }

  public static ConstValue unsqueeze(ConstValue x, long[] axes) throws CannotFold {
    if (axes == null) {
      throw new CannotFold("Unsqueeze without axes");
    }
    int rank = x.rank() + axes.length;
    boolean[] isNew = new boolean[rank];
    for (long a : axes) {
      int at = axis(a, rank);
      if (isNew[at]) {
        throw new CannotFold("axis " + a + " given twice");
      }
      isNew[at] = true;
    }
    int[] shape = new int[rank];
    for (int i = 0, next = 0; i < rank; i++) {
      shape[i] = isNew[i] ? 1 : x.shape()[next++];
    }
    return x.reshaped(shape);
  }

  /** {@code Squeeze}; null axes drop every dim of size 1. */
  public static ConstValue squeeze(ConstValue x, long[] axes) throws CannotFold {
    boolean[] drop = new boolean[x.rank()];
    if (axes == null) {
      for (int i = 0; i < x.rank(); i++) {
        drop[i] = x.shape()[i] == 1;
      }
    } else {
      for (long a : axes) {
        int at = axis(a, x.rank());
        if (x.shape()[at] != 1) {
          throw new CannotFold("axis " + a + " has size " + x.shape()[at] + ", not 1");
        }
        drop[at] = true;
      }
    }
    int[] shape = new int[x.rank()];
    int r = 0;
    for (int i = 0; i < x.rank(); i++) {
      if (!drop[i]) {
        shape[r++] = x.shape()[i];
      }
    }
    return x.reshaped(Arrays.copyOf(shape, r));
  }

  static int axis(long a, int rank) throws CannotFold {
    if (a < -rank || a >= rank) {
      throw new CannotFold("axis " + a + " is out of range for rank " + rank);
    }
    return (int) (a < 0 ? a + rank : a);
  }

  private static int product(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= shape[i];
    }
    return p;
  }

  private static int[] join(int[]... parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** a / b rounded up, for b > 0. */
  public static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
