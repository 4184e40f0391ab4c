package dev.reparo.graph;

import dev.reparo.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A named, typed node attribute: one of the ONNX attribute types Reparo supports.
 *
 * <p>Immutable and thread-safe: arrays are copied in and out; tensors follow the immutability
 * contract of {@link Tensor} and {@link LongTensor}. Equality is by name, type and value (tensors
 * by shape and values).
 */
public final class Attribute {
  /** ONNX {@code AttributeProto.AttributeType}s that Reparo reads and writes, with their numbers. */
  public enum Type {
    FLOAT(1),
    INT(2),
    STRING(3),
    TENSOR(4),
    FLOATS(6),
    INTS(7),
    STRINGS(8);

    private final int onnxCode;

    Type(int onnxCode) {
      this.onnxCode = onnxCode;
    }

    public int onnxCode() {
      return onnxCode;
    }

    /** The type with this ONNX number, or null for GRAPH, SPARSE_TENSOR and the other ones. */
    public static Type fromOnnx(int code) {
      for (Type t : values()) {
        if (t.onnxCode == code) {
          return t;
        }
      }
      return null;
    }
  }

  private final String name;
  private final Type type;
  /** Float, Long, String, Tensor or LongTensor, float[], long[], or List of String. */
  private final Object value;

  private Attribute(String name, Type type, Object value) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = type;
    this.value = Objects.requireNonNull(value, "value");
  }

  public static Attribute of(String name, float value) {
    return new Attribute(name, Type.FLOAT, value);
  }

  public static Attribute of(String name, long value) {
    return new Attribute(name, Type.INT, value);
  }

  public static Attribute of(String name, String value) {
    return new Attribute(name, Type.STRING, value);
  }

  public static Attribute of(String name, Tensor value) {
    return new Attribute(name, Type.TENSOR, value);
  }

  public static Attribute of(String name, LongTensor value) {
    return new Attribute(name, Type.TENSOR, value);
  }

  public static Attribute floats(String name, float... values) {
    return new Attribute(name, Type.FLOATS, values.clone());
  }

  public static Attribute ints(String name, long... values) {
    return new Attribute(name, Type.INTS, values.clone());
  }

  public static Attribute strings(String name, List<String> values) {
    return new Attribute(name, Type.STRINGS, List.copyOf(values));
  }

  public String name() {
    return name;
  }

  public Type type() {
    return type;
  }

  public float asFloat() {
    return (Float) expect(Type.FLOAT);
  }

  public long asInt() {
    return (Long) expect(Type.INT);
  }

  public String asString() {
    return (String) expect(Type.STRING);
  }

  /** True for a TENSOR attribute holding float32 values. */
  public boolean isFloatTensor() {
    return value instanceof Tensor;
  }

  /** A TENSOR attribute's float32 value; see {@link #isFloatTensor()}. */
  public Tensor asTensor() {
    Object v = expect(Type.TENSOR);
    if (!(v instanceof Tensor t)) {
      throw new IllegalStateException("attribute '" + name + "' holds an integer tensor");
    }
    return t;
  }

  /** A TENSOR attribute's integer value; see {@link #isFloatTensor()}. */
  public LongTensor asLongTensor() {
    Object v = expect(Type.TENSOR);
    if (!(v instanceof LongTensor t)) {
      throw new IllegalStateException("attribute '" + name + "' holds a float tensor");
    }
    return t;
  }

  public float[] asFloats() {
    return ((float[]) expect(Type.FLOATS)).clone();
  }

  public long[] asInts() {
    return ((long[]) expect(Type.INTS)).clone();
  }

  public List<String> asStrings() {
    @SuppressWarnings("unchecked")
    List<String> list = (List<String>) expect(Type.STRINGS);
    return list;
  }

  private Object expect(Type wanted) {
    if (type != wanted) {
      throw new IllegalStateException("attribute '" + name + "' is " + type + ", not " + wanted);
    }
    return value;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Attribute a) || !name.equals(a.name) || type != a.type) {
      return false;
    }
    if (value instanceof float[] f) {
      return Arrays.equals(f, (float[]) a.value);
    }
    if (value instanceof long[] l) {
      return Arrays.equals(l, (long[]) a.value);
    }
    if (value instanceof Tensor t) {
      return a.value instanceof Tensor u && Arrays.equals(t.shape(), u.shape())
          && Arrays.equals(t.data(), u.data());
    }
    return value.equals(a.value);
  }

  @Override
  public int hashCode() {
    int h = name.hashCode() * 31 + type.hashCode();
    if (value instanceof float[] f) {
      return h * 31 + Arrays.hashCode(f);
    }
    if (value instanceof long[] l) {
      return h * 31 + Arrays.hashCode(l);
    }
    if (value instanceof Tensor t) {
      return h * 31 + Arrays.hashCode(t.shape());
    }
    return h * 31 + value.hashCode();
  }

  @Override
  public String toString() {
    String v;
    if (value instanceof float[] f) {
      v = Arrays.toString(f);
    } else if (value instanceof long[] l) {
      v = Arrays.toString(l);
    } else if (value instanceof String s) {
      v = "'" + s + "'";
    } else {
      v = value.toString();
    }
    return name + "=" + v;
  }
}
