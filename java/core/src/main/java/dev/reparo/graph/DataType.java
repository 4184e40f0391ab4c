package dev.reparo.graph;

/** Element types of tensors, numbered as ONNX's {@code TensorProto.DataType}. Thread-safe. */
public enum DataType {
  UNDEFINED(0, 0),
  FLOAT(1, 4),
  UINT8(2, 1),
  INT8(3, 1),
  UINT16(4, 2),
  INT16(5, 2),
  INT32(6, 4),
  INT64(7, 8),
  STRING(8, 0),
  BOOL(9, 1),
  FLOAT16(10, 2),
  DOUBLE(11, 8),
  UINT32(12, 4),
  UINT64(13, 8),
  COMPLEX64(14, 8),
  COMPLEX128(15, 16),
  BFLOAT16(16, 2);

  private static final DataType[] BY_CODE = values();

  private final int onnxCode;
  private final int byteSize;

  DataType(int onnxCode, int byteSize) {
    this.onnxCode = onnxCode;
    this.byteSize = byteSize;
  }

  /** The {@code TensorProto.DataType} number. */
  public int onnxCode() {
    return onnxCode;
  }

  /** Bytes per element in ONNX {@code raw_data}; 0 for STRING and UNDEFINED. */
  public int byteSize() {
    return byteSize;
  }

  /** Integer and boolean types: the ones a {@link LongTensor} can hold. */
  public boolean isInteger() {
    return switch (this) {
      case UINT8, INT8, UINT16, INT16, INT32, INT64, BOOL, UINT32, UINT64 -> true;
      default -> false;
    };
  }

  public boolean isFloatingPoint() {
    return this == FLOAT || this == FLOAT16 || this == DOUBLE || this == BFLOAT16;
  }

  /** The type with this ONNX number, or null for numbers Reparo does not know (float8, int4...). */
  public static DataType fromOnnx(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
