package dev.reparo.graph.constant;

import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Shape;

/** Kernels that make constants from sizes and scalars: Shape, Range and ConstantOfShape. */
public final class Generators {
  private Generators() {}

  /**
   * {@code Shape}: the dims of a value of known rank, optionally only {@code start..end} (opset
   * 15); dims not known as numbers stay symbolic or unknown.
   */
  public static ConstValue shape(Shape x, long startAttr, long endAttr) {
    int rank = x.rank();
    long start = clampAxis(startAttr, rank);
    long end = clampAxis(endAttr, rank);
    int len = (int) Math.max(0, end - start);
    long[] values = new long[len];
    String[] syms = new String[len];
    for (int i = 0; i < len; i++) {
      Dim d = x.dim((int) start + i);
      if (d.isKnown()) {
        values[i] = d.value();
      } else {
        syms[i] = d.isSymbolic() ? d.param() : "";
      }
    }
    return ConstValue.ofSymbolic(DataType.INT64, new int[] {len}, values, syms);
  }

  private static long clampAxis(long a, int rank) {
    return Math.max(0, Math.min(rank, a < 0 ? a + rank : a));
  }

  /** {@code Range}: values accumulate the delta in the element type, as ONNX Runtime does. */
  public static ConstValue range(ConstValue start, ConstValue limit, ConstValue delta) throws CannotFold {
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
      float[] v = new float[Broadcast.checkedCount(new int[] {(int) Math.min(count, Integer.MAX_VALUE)})];
      for (int i = 0; i < v.length; i++) {
        v[i] = s;
        s += d;
      }
      return ConstValue.ofFloats(new int[] {v.length}, v);
    }
    long s = start.longs()[0];
    long d = delta.longs()[0];
    if (d == 0) {
      throw new CannotFold("delta is 0");
    }
    long span = limit.longs()[0] - s;
    long count = Math.max(0, d > 0 ? Math.floorDiv(span + d - 1, d) : Math.floorDiv(-span - d - 1, -d));
    long[] v = new long[Broadcast.checkedCount(new int[] {(int) Math.min(count, Integer.MAX_VALUE)})];
    for (int i = 0; i < v.length; i++) {
      v[i] = s + i * d;
    }
    return ConstValue.ofInts(start.type(), new int[] {v.length}, v);
  }

  /** {@code ConstantOfShape}: the one-element {@code value} (default float 0) repeated. */
  public static ConstValue constantOfShape(long[] target, Attribute value) throws CannotFold {
    int[] shape = Broadcast.sizes(target);
    int count = Broadcast.checkedCount(shape);
    ConstValue fill = fill(value);
    Builder b = new Builder(fill, count, shape);
    for (int i = 0; i < count; i++) {
      b.copy(i, fill, 0);
    }
    return b.build();
  }

  /** The element ConstantOfShape repeats. @throws CannotFold unless it holds exactly one */
  public static ConstValue fill(Attribute value) throws CannotFold {
    if (value == null) {
      return ConstValue.ofFloats(new int[] {1}, new float[] {0});
    }
    ConstValue fill = value.isFloatTensor() ? ConstValue.of(value.asTensor()) : ConstValue.of(value.asLongTensor());
    if (fill.size() != 1) {
      throw new CannotFold("value must hold one element, has " + fill.size());
    }
    return fill;
  }
}
