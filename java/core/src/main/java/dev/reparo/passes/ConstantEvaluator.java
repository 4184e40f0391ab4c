package dev.reparo.passes;

import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import java.util.Arrays;
import java.util.List;

/**
 * Evaluates, on constants, the operators exporters use to compute shapes, indices and small
 * parameters: Constant, Identity, Shape, Gather, Unsqueeze, Squeeze, Cast, CastLike, Concat,
 * Expand, Range, ConstantOfShape, Reshape, Slice, Add, Sub, Mul, Div, Pow, Equal and Where, with
 * ONNX's broadcasting and clamping rules. Float values are computed in float32 as ONNX Runtime
 * does. It is not a numeric oracle: tests check it against ONNX Runtime. Stateless, thread-safe.
 */
final class ConstantEvaluator {
  /** Results larger than this are not folded: folding is for shapes and small parameters. */
  static final int MAX_ELEMENTS = 1 << 22;

  /** Why a node with constant inputs was left alone. */
  static final class CannotFold extends Exception {
    private static final long serialVersionUID = 1L;

    CannotFold(String reason) {
      super(reason, null, false, false);
    }
  }

  private ConstantEvaluator() {}

  /** True for the operators {@link #evaluate} knows. */
  static boolean supports(String opType) {
    return switch (opType) {
      case "Constant", "Identity", "Shape", "Gather", "Unsqueeze", "Squeeze", "Cast", "Concat",
          "Expand", "Range", "ConstantOfShape", "Reshape", "Slice", "Add", "Sub", "Mul", "Div", "Pow",
          "Equal", "Where" -> true;
      default -> false;
    };
  }

  /**
   * The outputs of {@code n} given its inputs, one per input of the node ({@code null} where an
   * optional input is omitted).
   *
   * @throws CannotFold if the operator is not one this evaluator knows, or the result would not be
   *     faithful (types Reparo cannot store, division by zero, too many elements)
   */
  static List<ConstValue> evaluate(Node n, List<ConstValue> in, long opset) throws CannotFold {
    ConstValue out = switch (n.opType()) {
      case "Constant" -> constant(n);
      case "Identity" -> in.get(0);
      case "Shape" -> shape(in.get(0).shape(), n);
      case "Gather" -> gather(in.get(0), in.get(1), n.attrInt("axis", 0));
      case "Unsqueeze" -> unsqueeze(in.get(0), axes(n, in, opset >= 13));
      case "Squeeze" -> squeeze(in.get(0), axes(n, in, opset >= 13));
      case "Cast" -> cast(in.get(0), castTarget(n));
      case "Concat" -> concat(in, n.attrInt("axis", 0));
      case "Expand" -> expand(in.get(0), in.get(1).longs());
      case "Range" -> range(in.get(0), in.get(1), in.get(2));
      case "ConstantOfShape" -> constantOfShape(in.get(0).longs(), n.attribute("value"));
      case "Reshape" -> reshape(in.get(0), in.get(1).longs(), n.attrInt("allowzero", 0) != 0);
      case "Slice" -> opset >= 10 ? slice(in.get(0), in.get(1).longs(), in.get(2).longs(),
          optional(in, 3), optional(in, 4)) : slice(in.get(0), n.attrInts("starts"), n.attrInts("ends"),
          n.attrInts("axes"), null);
      case "Add", "Sub", "Mul", "Div", "Pow" -> arithmetic(n.opType(), in.get(0), in.get(1));
      case "Equal" -> equal(in.get(0), in.get(1));
      case "Where" -> where(in.get(0), in.get(1), in.get(2));
      default -> throw new CannotFold("no constant evaluator for " + n.opType());
    };
    return List.of(out);
  }

  // ---- shapes and indices

  /** {@code Shape}: the dims of a value, optionally only {@code start..end} (opset 15). */
  static ConstValue shape(int[] dims, Node n) {
    int rank = dims.length;
    long start = clampAxis(n.attrInt("start", 0), rank);
    long end = clampAxis(n.attrInt("end", rank), rank);
    int len = (int) Math.max(0, end - start);
    long[] v = new long[len];
    for (int i = 0; i < len; i++) {
      v[i] = dims[(int) start + i];
    }
    return ConstValue.ofInts(DataType.INT64, new int[] {len}, v);
  }

  private static long clampAxis(long a, int rank) {
    return Math.max(0, Math.min(rank, a < 0 ? a + rank : a));
  }

  private static ConstValue gather(ConstValue data, ConstValue indices, long axisAttr) throws CannotFold {
    int axis = axis(axisAttr, data.rank());
    long[] idx = indices.longs();
    int size = data.shape()[axis];
    int outer = product(data.shape(), 0, axis);
    int inner = product(data.shape(), axis + 1, data.rank());
    int[] shape = concat(Arrays.copyOfRange(data.shape(), 0, axis), indices.shape(),
        Arrays.copyOfRange(data.shape(), axis + 1, data.rank()));
    Builder b = new Builder(data, checkedCount(shape), shape);
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

  private static long[] axes(Node n, List<ConstValue> in, boolean fromInput) {
    if (fromInput) {
      ConstValue a = optional(in, 1);
      return a == null ? null : a.longs();
    }
    return n.attrInts("axes");
  }

  private static ConstValue unsqueeze(ConstValue x, long[] axes) throws CannotFold {
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

  private static ConstValue squeeze(ConstValue x, long[] axes) throws CannotFold {
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

  private static ConstValue reshape(ConstValue x, long[] target, boolean allowZero) throws CannotFold {
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

  private static ConstValue concat(List<ConstValue> parts, long axisAttr) throws CannotFold {
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
    Builder b = new Builder(first, checkedCount(shape), shape);
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

  private static ConstValue expand(ConstValue x, long[] target) throws CannotFold {
    int[] t = new int[target.length];
    for (int i = 0; i < t.length; i++) {
      if (target[i] < 0 || target[i] > Integer.MAX_VALUE) {
        throw new CannotFold("shape " + Arrays.toString(target) + " has size " + target[i]);
      }
      t[i] = (int) target[i];
    }
    int[] shape = broadcastShape(x.shape(), t);
    int[] src = broadcastIndex(x.shape(), shape);
    Builder b = new Builder(x, src.length, shape);
    for (int i = 0; i < src.length; i++) {
      b.copy(i, x, src[i]);
    }
    return b.build();
  }

  private static ConstValue slice(ConstValue x, long[] starts, long[] ends, ConstValue axesIn,
      ConstValue stepsIn) throws CannotFold {
    return slice(x, starts, ends, axesIn == null ? null : axesIn.longs(),
        stepsIn == null ? null : stepsIn.longs());
  }

  private static ConstValue slice(ConstValue x, long[] starts, long[] ends, long[] axes, long[] steps)
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
      long size = x.shape()[a];
      long start = starts[i] < 0 ? starts[i] + size : starts[i];
      long end = ends[i] < 0 ? ends[i] + size : ends[i];
      long len;
      if (s > 0) {
        start = Math.max(0, Math.min(size, start));
        end = Math.max(0, Math.min(size, end));
        len = end > start ? (end - start + s - 1) / s : 0;
      } else {
        start = Math.max(-1, Math.min(size - 1, start));
        end = Math.max(-1, Math.min(size - 1, end));
        len = start > end ? (start - end - s - 1) / -s : 0;
      }
      first[a] = start;
      step[a] = s;
      shape[a] = (int) len;
    }
    int count = checkedCount(shape);
    int[] inStrides = strides(x.shape());
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

  // ---- value producers

  private static ConstValue constant(Node n) throws CannotFold {
    if (n.attributes().size() != 1) {
      throw new CannotFold("Constant needs exactly one value attribute");
    }
    Attribute a = n.attributes().values().iterator().next();
    return switch (a.name()) {
      case "value" -> a.isFloatTensor() ? ConstValue.of(a.asTensor()) : ConstValue.of(a.asLongTensor());
      case "value_float" -> ConstValue.ofFloats(new int[0], new float[] {a.asFloat()});
      case "value_floats" -> {
        float[] f = a.asFloats();
        yield ConstValue.ofFloats(new int[] {f.length}, f);
      }
      case "value_int" -> ConstValue.ofInts(DataType.INT64, new int[0], new long[] {a.asInt()});
      case "value_ints" -> {
        long[] v = a.asInts();
        yield ConstValue.ofInts(DataType.INT64, new int[] {v.length}, v);
      }
      default -> throw new CannotFold("Constant of kind '" + a.name() + "' (strings are not folded)");
    };
  }

  private static ConstValue constantOfShape(long[] target, Attribute value) throws CannotFold {
    int[] shape = new int[target.length];
    for (int i = 0; i < shape.length; i++) {
      if (target[i] < 0 || target[i] > Integer.MAX_VALUE) {
        throw new CannotFold("shape " + Arrays.toString(target) + " has size " + target[i]);
      }
      shape[i] = (int) target[i];
    }
    int count = checkedCount(shape);
    ConstValue fill = ConstValue.ofFloats(new int[] {1}, new float[] {0});
    if (value != null) {
      fill = value.isFloatTensor() ? ConstValue.of(value.asTensor()) : ConstValue.of(value.asLongTensor());
      if (fill.size() != 1) {
        throw new CannotFold("ConstantOfShape value must hold one element");
      }
    }
    Builder b = new Builder(fill, count, shape);
    for (int i = 0; i < count; i++) {
      b.copy(i, fill, 0);
    }
    return b.build();
  }

  private static ConstValue range(ConstValue start, ConstValue limit, ConstValue delta) throws CannotFold {
    if (start.size() != 1 || limit.size() != 1 || delta.size() != 1) {
      throw new CannotFold("Range needs scalar inputs");
    }
    if (start.isFloat()) {
      float s = start.floats()[0];
      float d = delta.floats()[0];
      if (d == 0) {
        throw new CannotFold("delta is 0");
      }
      long count = Math.max(0, (long) Math.ceil((limit.floats()[0] - s) / d));
      float[] v = new float[checkedCount(new int[] {(int) Math.min(count, Integer.MAX_VALUE)})];
      for (int i = 0; i < v.length; i++) {
        v[i] = s; // ONNX Runtime accumulates the delta in the element type
        s += d;
      }
      return ConstValue.ofFloats(new int[] {v.length}, v);
    }
    long s = start.ints()[0];
    long d = delta.ints()[0];
    if (d == 0) {
      throw new CannotFold("delta is 0");
    }
    long span = limit.ints()[0] - s;
    long count = Math.max(0, d > 0 ? Math.floorDiv(span + d - 1, d) : Math.floorDiv(-span - d - 1, -d));
    long[] v = new long[checkedCount(new int[] {(int) Math.min(count, Integer.MAX_VALUE)})];
    for (int i = 0; i < v.length; i++) {
      v[i] = s + i * d;
    }
    return ConstValue.ofInts(start.type(), new int[] {v.length}, v);
  }

  // ---- element-wise

  private static DataType castTarget(Node n) throws CannotFold {
    long code = n.attrInt("to", 0);
    DataType to = code == (int) code ? DataType.fromOnnx((int) code) : null;
    if (to == null) {
      throw new CannotFold("Cast to unknown type " + code);
    }
    return to;
  }

  /** {@code Cast}: floats to integers truncate toward zero; integers wrap to the target width. */
  static ConstValue cast(ConstValue x, DataType to) throws CannotFold {
    if (to == DataType.FLOAT) {
      if (x.isFloat()) {
        return x;
      }
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
        v[i] = to == DataType.BOOL ? (f != 0 ? 1 : 0) : wrap(to, (long) f);
      } else {
        v[i] = wrap(to, x.ints()[i]);
      }
    }
    return ConstValue.ofInts(to, x.shape(), v);
  }

  private static float unsignedToFloat(long v) {
    return v >= 0 ? (float) v : (float) ((v >>> 1) | (v & 1)) * 2f;
  }

  /** An integer reduced to the range of {@code type}, as two's complement arithmetic does. */
  private static long wrap(DataType type, long v) {
    return switch (type) {
      case INT32 -> (int) v;
      case INT16 -> (short) v;
      case INT8 -> (byte) v;
      case UINT8 -> v & 0xFF;
      case UINT16 -> v & 0xFFFF;
      case UINT32 -> v & 0xFFFFFFFFL;
      case BOOL -> v != 0 ? 1 : 0;
      default -> v;
    };
  }

  private static ConstValue arithmetic(String op, ConstValue a, ConstValue b) throws CannotFold {
    if (!op.equals("Pow") && a.type() != b.type()) {
      throw new CannotFold("inputs differ in type: " + a.type() + " and " + b.type());
    }
    int[] shape = broadcastShape(a.shape(), b.shape());
    int[] ia = broadcastIndex(a.shape(), shape);
    int[] ib = broadcastIndex(b.shape(), shape);
    int count = ia.length;
    if (a.isFloat()) {
      float[] v = new float[count];
      for (int i = 0; i < count; i++) {
        float x = a.floats()[ia[i]];
        float y = (float) b.num(ib[i]);
        v[i] = switch (op) {
          case "Add" -> x + y;
          case "Sub" -> x - y;
          case "Mul" -> x * y;
          case "Div" -> x / y;
          default -> (float) Math.pow(x, y);
        };
      }
      return ConstValue.ofFloats(shape, v);
    }
    long[] v = new long[count];
    for (int i = 0; i < count; i++) {
      long x = a.ints()[ia[i]];
      long r;
      if (op.equals("Pow")) {
        r = (long) Math.pow(x, b.num(ib[i]));
      } else {
        long y = b.ints()[ib[i]];
        r = switch (op) {
          case "Add" -> x + y;
          case "Sub" -> x - y;
          case "Mul" -> x * y;
          default -> {
            if (y == 0) {
              throw new CannotFold("integer division by zero");
            }
            yield x / y; // C semantics: truncates toward zero
          }
        };
      }
      v[i] = wrap(a.type(), r);
    }
    return ConstValue.ofInts(a.type(), shape, v);
  }

  private static ConstValue equal(ConstValue a, ConstValue b) throws CannotFold {
    if (a.type() != b.type()) {
      throw new CannotFold("inputs differ in type: " + a.type() + " and " + b.type());
    }
    int[] shape = broadcastShape(a.shape(), b.shape());
    int[] ia = broadcastIndex(a.shape(), shape);
    int[] ib = broadcastIndex(b.shape(), shape);
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) {
      boolean eq = a.isFloat() ? a.floats()[ia[i]] == b.floats()[ib[i]] : a.ints()[ia[i]] == b.ints()[ib[i]];
      v[i] = eq ? 1 : 0;
    }
    return ConstValue.ofInts(DataType.BOOL, shape, v);
  }

  private static ConstValue where(ConstValue cond, ConstValue x, ConstValue y) throws CannotFold {
    if (cond.type() != DataType.BOOL || x.type() != y.type()) {
      throw new CannotFold("Where needs a BOOL condition and two inputs of one type");
    }
    int[] shape = broadcastShape(broadcastShape(cond.shape(), x.shape()), y.shape());
    int[] ic = broadcastIndex(cond.shape(), shape);
    int[] ix = broadcastIndex(x.shape(), shape);
    int[] iy = broadcastIndex(y.shape(), shape);
    Builder b = new Builder(x, ic.length, shape);
    for (int i = 0; i < ic.length; i++) {
      if (cond.ints()[ic[i]] != 0) {
        b.copy(i, x, ix[i]);
      } else {
        b.copy(i, y, iy[i]);
      }
    }
    return b.build();
  }

  // ---- helpers

  private static ConstValue optional(List<ConstValue> in, int i) {
    return i < in.size() ? in.get(i) : null;
  }

  private static int axis(long a, int rank) throws CannotFold {
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

  private static int[] concat(int[]... parts) {
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

  /** The element count of a result shape. @throws CannotFold above {@link #MAX_ELEMENTS} */
  private static int checkedCount(int[] shape) throws CannotFold {
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

  /** Numpy broadcasting of two shapes. */
  static int[] broadcastShape(int[] a, int[] b) throws CannotFold {
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
  private static int[] broadcastIndex(int[] in, int[] out) {
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

  private static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }

  /** Assembles a result of the same element type as a source, element by element. */
  private static final class Builder {
    private final DataType type;
    private final int[] shape;
    private final float[] floats;
    private final long[] ints;

    Builder(ConstValue like, int count, int[] shape) {
      this.type = like.type();
      this.shape = shape;
      this.floats = like.isFloat() ? new float[count] : null;
      this.ints = like.isFloat() ? null : new long[count];
    }

    void copy(int at, ConstValue src, int from) {
      if (floats != null) {
        floats[at] = src.floats()[from];
      } else {
        ints[at] = src.ints()[from];
      }
    }

    ConstValue build() {
      return floats != null ? ConstValue.ofFloats(shape, floats) : ConstValue.ofInts(type, shape, ints);
    }
  }

  /** Wraps a graph tensor ({@link Tensor} or {@link LongTensor}). */
  static ConstValue fromTensor(Object tensor) {
    return tensor instanceof Tensor t ? ConstValue.of(t) : ConstValue.of((LongTensor) tensor);
  }
}
