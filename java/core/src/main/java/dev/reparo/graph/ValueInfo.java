package dev.reparo.graph;

import java.util.Objects;

/**
 * A named value's element type and shape, as ONNX's {@code ValueInfoProto} gives them. Either may
 * be unknown ({@link DataType#UNDEFINED}, {@link Shape#unknown()}). Immutable and thread-safe.
 */
public record ValueInfo(String name, DataType type, Shape shape) {
  public ValueInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(shape, "shape");
  }

  public static ValueInfo of(String name, DataType type, long... dims) {
    return new ValueInfo(name, type, Shape.of(dims));
  }

  /** A value of which only the name is known. */
  public static ValueInfo unknown(String name) {
    return new ValueInfo(name, DataType.UNDEFINED, Shape.unknown());
  }

  public ValueInfo withShape(Shape newShape) {
    return new ValueInfo(name, type, newShape);
  }

  public ValueInfo withName(String newName) {
    return new ValueInfo(newName, type, shape);
  }

  @Override
  public String toString() {
    return name + ":" + type + shape;
  }
}
