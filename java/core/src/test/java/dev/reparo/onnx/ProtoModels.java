package dev.reparo.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds ONNX protobuf messages field by field, so that tests can write models (bad ones included)
 * that no exporter would produce. Field numbers come from {@link OnnxProto}.
 */
final class ProtoModels {
  static final int FLOAT = 1;
  static final int INT64 = 7;

  private ProtoModels() {}

  static byte[] bytes(ProtoMessage m) {
    byte[] out = new byte[(int) m.size()];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      m.writeTo(cos);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  static byte[] littleEndianFloats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  static ProtoMessage tensor(String name, int type, long[] dims, byte[] raw) {
    ProtoMessage t = new ProtoMessage();
    for (long d : dims) {
      t.int64(OnnxProto.Tensor.DIMS, d);
    }
    t.int32(OnnxProto.Tensor.DATA_TYPE, type);
    if (!name.isEmpty()) {
      t.string(OnnxProto.Tensor.NAME, name);
    }
    if (raw != null) {
      t.bytes(OnnxProto.Tensor.RAW_DATA, raw);
    }
    return t;
  }

  static ProtoMessage floatTensor(String name, long[] dims, float... values) {
    return tensor(name, FLOAT, dims, littleEndianFloats(values));
  }

  static ProtoMessage valueInfo(String name, int elemType, long... dims) {
    ProtoMessage shape = new ProtoMessage();
    for (long d : dims) {
      shape.message(OnnxProto.ShapeProto.DIM, new ProtoMessage().int64(OnnxProto.ShapeProto.DIM_VALUE, d));
    }
    ProtoMessage tensorType = new ProtoMessage().int32(OnnxProto.TensorType.ELEM_TYPE, elemType)
        .message(OnnxProto.TensorType.SHAPE, shape);
    return new ProtoMessage().string(OnnxProto.ValueInfo.NAME, name)
        .message(OnnxProto.ValueInfo.TYPE, new ProtoMessage().message(OnnxProto.Type.TENSOR_TYPE, tensorType));
  }

  static ProtoMessage node(String name, String op, List<String> inputs, List<String> outputs,
      ProtoMessage... attributes) {
    ProtoMessage n = new ProtoMessage();
    inputs.forEach(i -> n.string(OnnxProto.Node.INPUT, i));
    outputs.forEach(o -> n.string(OnnxProto.Node.OUTPUT, o));
    n.string(OnnxProto.Node.NAME, name).string(OnnxProto.Node.OP_TYPE, op);
    for (ProtoMessage a : attributes) {
      n.message(OnnxProto.Node.ATTRIBUTE, a);
    }
    return n;
  }

  static ProtoMessage opset(String domain, long version) {
    ProtoMessage m = new ProtoMessage();
    if (!domain.isEmpty()) {
      m.string(OnnxProto.OpsetId.DOMAIN, domain);
    }
    return m.int64(OnnxProto.OpsetId.VERSION, version);
  }

  /**
   * A valid model, {@code y = x + w} with x of shape [1, 2] and initializer w = [1, 2], whose
   * parts a test can replace or extend before building it.
   */
  static final class Model {
    final List<ProtoMessage> nodes = new ArrayList<>(List.of(node("add", "Add", List.of("x", "w"), List.of("y"))));
    final List<ProtoMessage> initializers = new ArrayList<>(List.of(floatTensor("w", new long[] {2}, 1, 2)));
    final List<ProtoMessage> inputs = new ArrayList<>(List.of(valueInfo("x", FLOAT, 1, 2)));
    final List<ProtoMessage> outputs = new ArrayList<>(List.of(valueInfo("y", FLOAT, 1, 2)));
    final List<ProtoMessage> opsets = new ArrayList<>(List.of(opset("", 17)));
    /** Further fields for the GraphProto and the ModelProto. */
    final List<Consumer<ProtoMessage>> graphFields = new ArrayList<>();
    final List<Consumer<ProtoMessage>> modelFields = new ArrayList<>();

    byte[] build() {
      ProtoMessage g = new ProtoMessage();
      nodes.forEach(n -> g.message(OnnxProto.Graph.NODE, n));
      g.string(OnnxProto.Graph.NAME, "test");
      initializers.forEach(t -> g.message(OnnxProto.Graph.INITIALIZER, t));
      inputs.forEach(v -> g.message(OnnxProto.Graph.INPUT, v));
      outputs.forEach(v -> g.message(OnnxProto.Graph.OUTPUT, v));
      graphFields.forEach(f -> f.accept(g));
      ProtoMessage m = new ProtoMessage().int64(OnnxProto.Model.IR_VERSION, 8)
          .string(OnnxProto.Model.PRODUCER_NAME, "test");
      m.message(OnnxProto.Model.GRAPH, g);
      opsets.forEach(o -> m.message(OnnxProto.Model.OPSET_IMPORT, o));
      modelFields.forEach(f -> f.accept(m));
      return bytes(m);
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
