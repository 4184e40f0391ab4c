package dev.reparo.onnx;

/**
 * Reparo's schema of ONNX: the field numbers of the parts of {@code onnx.proto} that it reads and
 * writes. Fields not listed here are skipped on reading and never written. Wire formats follow
 * protobuf: repeated scalars are accepted packed or not and written unpacked, as onnx.proto
 * (proto2, no {@code [packed=true]}) does.
 */
final class OnnxProto {
  private OnnxProto() {}

  /** {@code ModelProto}. */
  static final class Model {
    static final int IR_VERSION = 1; // int64
    static final int PRODUCER_NAME = 2; // string
    static final int PRODUCER_VERSION = 3; // string
    static final int GRAPH = 7; // GraphProto
    static final int OPSET_IMPORT = 8; // repeated OperatorSetIdProto
    static final int METADATA_PROPS = 14; // repeated StringStringEntryProto
    static final int TRAINING_INFO = 20; // repeated TrainingInfoProto (skipped)
    static final int FUNCTIONS = 25; // repeated FunctionProto (skipped)

    private Model() {}
  }

  /** {@code FunctionProto}: only its identity is read, to recognise calls to local functions. */
  static final class Function {
    static final int NAME = 1; // string
    static final int DOMAIN = 10; // string

    private Function() {}
  }

  /** {@code OperatorSetIdProto}. */
  static final class OpsetId {
    static final int DOMAIN = 1; // string
    static final int VERSION = 2; // int64

    private OpsetId() {}
  }

  /** {@code StringStringEntryProto}. */
  static final class Entry {
    static final int KEY = 1;
    static final int VALUE = 2;

    private Entry() {}
  }

  /** {@code GraphProto}. */
  static final class Graph {
    static final int NODE = 1; // repeated NodeProto
    static final int NAME = 2; // string
    static final int INITIALIZER = 5; // repeated TensorProto
    static final int INPUT = 11; // repeated ValueInfoProto
    static final int OUTPUT = 12; // repeated ValueInfoProto
    static final int VALUE_INFO = 13; // repeated ValueInfoProto
    static final int SPARSE_INITIALIZER = 15; // repeated SparseTensorProto (rejected)

    private Graph() {}
  }

  /** {@code NodeProto}. */
  static final class Node {
    static final int INPUT = 1; // repeated string
    static final int OUTPUT = 2; // repeated string
    static final int NAME = 3; // string
    static final int OP_TYPE = 4; // string
    static final int ATTRIBUTE = 5; // repeated AttributeProto
    static final int DOMAIN = 7; // string

    private Node() {}
  }

  /** {@code AttributeProto}. */
  static final class Attr {
    static final int NAME = 1; // string
    static final int F = 2; // float
    static final int I = 3; // int64
    static final int S = 4; // bytes
    static final int T = 5; // TensorProto
    static final int G = 6; // GraphProto (rejected)
    static final int FLOATS = 7; // repeated float
    static final int INTS = 8; // repeated int64
    static final int STRINGS = 9; // repeated bytes
    static final int TENSORS = 10; // repeated TensorProto (rejected)
    static final int GRAPHS = 11; // repeated GraphProto (rejected)
    static final int TYPE_PROTO = 14; // TypeProto (rejected)
    static final int TYPE_PROTOS = 15; // repeated TypeProto (rejected)
    static final int TYPE = 20; // AttributeType enum
    static final int REF_ATTR_NAME = 21; // string (rejected: functions only)
    static final int SPARSE_TENSOR = 22; // SparseTensorProto (rejected)
    static final int SPARSE_TENSORS = 23; // repeated SparseTensorProto (rejected)

    private Attr() {}
  }

  /** {@code TensorProto}. */
  static final class Tensor {
    static final int DIMS = 1; // repeated int64
    static final int DATA_TYPE = 2; // int32 (DataType)
    static final int SEGMENT = 3; // Segment (rejected)
    static final int FLOAT_DATA = 4; // repeated float
    static final int INT32_DATA = 5; // repeated int32
    static final int STRING_DATA = 6; // repeated bytes (rejected)
    static final int INT64_DATA = 7; // repeated int64
    static final int NAME = 8; // string
    static final int RAW_DATA = 9; // bytes, little-endian
    static final int DOUBLE_DATA = 10; // repeated double
    static final int UINT64_DATA = 11; // repeated uint64
    static final int EXTERNAL_DATA = 13; // repeated StringStringEntryProto (rejected)
    static final int DATA_LOCATION = 14; // DataLocation enum: 0 DEFAULT, 1 EXTERNAL (rejected)
    static final int DATA_LOCATION_EXTERNAL = 1;

    private Tensor() {}
  }

  /** {@code ValueInfoProto}. */
  static final class ValueInfo {
    static final int NAME = 1; // string
    static final int TYPE = 2; // TypeProto

    private ValueInfo() {}
  }

  /** {@code TypeProto}: only tensor types are supported. */
  static final class Type {
    static final int TENSOR_TYPE = 1; // TypeProto.Tensor
    static final int SEQUENCE_TYPE = 4;
    static final int MAP_TYPE = 5;
    static final int SPARSE_TENSOR_TYPE = 8;
    static final int OPTIONAL_TYPE = 9;

    private Type() {}
  }

  /** {@code TypeProto.Tensor}. */
  static final class TensorType {
    static final int ELEM_TYPE = 1; // int32 (DataType)
    static final int SHAPE = 2; // TensorShapeProto

    private TensorType() {}
  }

  /** {@code TensorShapeProto} and its {@code Dimension}. */
  static final class ShapeProto {
    static final int DIM = 1; // repeated Dimension
    static final int DIM_VALUE = 1; // Dimension: int64
    static final int DIM_PARAM = 2; // Dimension: string

    private ShapeProto() {}
  }
}
