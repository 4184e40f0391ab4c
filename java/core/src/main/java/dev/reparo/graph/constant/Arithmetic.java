package dev.reparo.graph.constant;

import dev.reparo.graph.DataType;

/**
 * Element-wise arithmetic on constants with ONNX's semantics: numpy broadcasting; floats in float32
 * as ONNX Runtime computes them; integers wrapped to the width of their type (two's complement),
 * division truncating toward zero and division by zero refused. Symbolic or unknown integer
 * elements give unknown results. Stateless and thread-safe.
 */
public final class Arithmetic {
  private Arithmetic() {}

  /** {@code Add}, {@code Sub}, {@code Mul}, {@code Div} or {@code Pow} of two constants. */
  public static ConstValue binary(String op, ConstValue a, ConstValue b) throws CannotFold {
    if (!op.equals("Pow") && a.type() != b.type()) {
      throw new CannotFold("inputs differ in type: " + a.type() + " and " + b.type());
    }
    int[] shape = Broadcast.shape(a.shape(), b.shape());
    int[] ia = Broadcast.index(a.shape(), shape);
    int[] ib = Broadcast.index(b.shape(), shape);
    int count = ia.length;
    if (a.isFloat()) {
      if (!b.fullyKnown()) {
        throw new CannotFold("exponent " + b + " is not known");
      }
      float[] v = new float[count];
      for (int i = 0; i < count; i++) {
        v[i] = floatOp(op, a.floats()[ia[i]], (float) b.num(ib[i]));
      }
      return ConstValue.ofFloats(shape, v);
    }
    long[] v = new long[count];
    String[] syms = null;
    for (int i = 0; i < count; i++) {
      if (!a.elemKnown(ia[i]) || !b.elemKnown(ib[i])) {
        if (syms == null) {
          syms = new String[count];
        }
        syms[i] = "";
        continue;
      }
      long x = a.ints()[ia[i]];
      long r = op.equals("Pow") ? (long) Math.pow(x, b.num(ib[i])) : intOp(op, x, b.ints()[ib[i]]);
      v[i] = wrap(a.type(), r);
    }
    return ConstValue.ofSymbolic(a.type(), shape, v, syms);
  }

  private static float floatOp(String op, float x, float y) throws CannotFold {
    return switch (op) {
      case "Add" -> x + y;
      case "Sub" -> x - y;
      case "Mul" -> x * y;
      case "Div" -> x / y;
      case "Pow" -> (float) Math.pow(x, y);
      default -> throw new CannotFold("no arithmetic for " + op);
    };
  }

  private static long intOp(String op, long x, long y) throws CannotFold {
    return switch (op) {
      case "Add" -> x + y;
      case "Sub" -> x - y;
      case "Mul" -> x * y;
      case "Div" -> {
        if (y == 0) {
          throw new CannotFold("integer division by zero");
        }
        yield x / y; // C semantics: truncates toward zero
      }
      default -> throw new CannotFold("no arithmetic for " + op);
    };
  }

  /** An integer reduced to the range of {@code type}, as two's complement arithmetic does. */
  public static long wrap(DataType type, long v) {
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

  /** {@code Floor} or {@code Ceil} of float constants. */
  public static ConstValue round(String op, ConstValue x) throws CannotFold {
    if (!x.isFloat()) {
      throw new CannotFold(op + " of integers");
    }
    float[] v = new float[x.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (op.equals("Floor") ? Math.floor(x.floats()[i]) : Math.ceil(x.floats()[i]));
    }
    return ConstValue.ofFloats(x.shape(), v);
  }

  /** {@code Equal}: a BOOL tensor, true where the broadcast elements are equal. */
  public static ConstValue equal(ConstValue a, ConstValue b) throws CannotFold {
    if (a.type() != b.type()) {
      throw new CannotFold("inputs differ in type: " + a.type() + " and " + b.type());
    }
    requireKnown(a);
    requireKnown(b);
    int[] shape = Broadcast.shape(a.shape(), b.shape());
    int[] ia = Broadcast.index(a.shape(), shape);
    int[] ib = Broadcast.index(b.shape(), shape);
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) {
      boolean eq = a.isFloat() ? a.floats()[ia[i]] == b.floats()[ib[i]] : a.ints()[ia[i]] == b.ints()[ib[i]];
      v[i] = eq ? 1 : 0;
    }
    return ConstValue.ofInts(DataType.BOOL, shape, v);
  }

  /** {@code Where}: x where the condition holds, else y, broadcast. */
  public static ConstValue where(ConstValue cond, ConstValue x, ConstValue y) throws CannotFold {
    if (cond.type() != DataType.BOOL || x.type() != y.type()) {
      throw new CannotFold("Where needs a BOOL condition and two inputs of one type");
    }
    requireKnown(cond);
    int[] shape = Broadcast.shape(Broadcast.shape(cond.shape(), x.shape()), y.shape());
    int[] ic = Broadcast.index(cond.shape(), shape);
    int[] ix = Broadcast.index(x.shape(), shape);
    int[] iy = Broadcast.index(y.shape(), shape);
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

  static void requireKnown(ConstValue v) throws CannotFold {
    if (!v.fullyKnown()) {
      throw new CannotFold("values " + v + " are not all known");
    }
  }
}
