package dev.reparo.onnx;

import com.google.protobuf.CodedOutputStream;
import dev.reparo.ModelFormatException;
import dev.reparo.Reparo;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Graph} as an ONNX model ({@code ModelProto}) that ONNX Runtime and TensorRT can
 * load: the graph's opset imports, IR version (raised to what the opset needs), metadata, input and
 * output names and shapes, value infos of intermediate values, nodes and initializers (raw
 * little-endian data). The producer is recorded as {@code reparo} and {@link Reparo#version()}.
 *
 * <p>Stateless and thread-safe; the graph must not change while it is written.
 */
public final class OnnxWriter {
  /** Protobuf messages cannot be larger than 2 GiB. */
  private static final long MAX_MODEL_BYTES = Integer.MAX_VALUE;

  private OnnxWriter() {}

  /** The serialized model. @throws ModelFormatException if it would exceed protobuf's 2 GiB limit */
  public static byte[] toBytes(Graph graph) {
    ProtoMessage model = model(graph);
    long size = checkSize(graph, model);
    byte[] bytes = new byte[(int) size];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      model.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("serialized size of " + graph + " was computed wrongly", e);
    }
    return bytes;
  }

  /**
   * Writes the model to {@code file} atomically: into a temporary file beside it, then renamed, so
   * that {@code file} is either the complete new model or untouched.
   *
   * @throws ReparoException if the model is too large or the file cannot be written
   */
  public static void write(Graph graph, Path file) {
    ProtoMessage model = model(graph);
    checkSize(graph, model);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = dev.reparo.io.AtomicFiles.tempBeside(target);
      try (OutputStream os = Files.newOutputStream(tmp)) {
        CodedOutputStream out = CodedOutputStream.newInstance(os, 1 << 16);
        model.writeTo(out);
        out.flush();
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      throw new ReparoException(file + ": cannot write the ONNX model: " + e, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the original error is the one worth reporting
        }
      }
    }
  }

  private static long checkSize(Graph graph, ProtoMessage model) {
    long size = model.size();
    if (size > MAX_MODEL_BYTES) {
      throw new ModelFormatException(graph + " needs " + size
          + " bytes, more than the 2 GiB a protobuf-encoded ONNX model can hold");
    }
    return size;
  }

  /** The IR version a model of this standard opset needs (initializers outside the inputs need 4). */
  static long requiredIrVersion(long opset) {
    if (opset >= 21) {
      return 10;
    } else if (opset >= 19) {
      return 9;
    } else if (opset >= 15) {
      return 8;
    } else if (opset >= 12) {
      return 7;
    } else if (opset == 11) {
      return 6;
    } else if (opset == 10) {
      return 5;
    }
    return 4;
  }

  private static ProtoMessage model(Graph graph) {
    ProtoMessage m = new ProtoMessage();
    m.int64(OnnxProto.Model.IR_VERSION, Math.max(graph.irVersion(), requiredIrVersion(graph.opset())));
    m.string(OnnxProto.Model.PRODUCER_NAME, "reparo");
    m.string(OnnxProto.Model.PRODUCER_VERSION, Reparo.version());
    m.message(OnnxProto.Model.GRAPH, graph(graph));
    for (Map.Entry<String, Long> e : graph.opsetImports().entrySet()) {
      ProtoMessage op = new ProtoMessage();
      if (!e.getKey().isEmpty()) {
        op.string(OnnxProto.OpsetId.DOMAIN, e.getKey());
      }
      op.int64(OnnxProto.OpsetId.VERSION, e.getValue());
      m.message(OnnxProto.Model.OPSET_IMPORT, op);
    }
    for (Map.Entry<String, String> e : graph.metadata().entrySet()) {
      m.message(OnnxProto.Model.METADATA_PROPS, new ProtoMessage()
          .string(OnnxProto.Entry.KEY, e.getKey())
          .string(OnnxProto.Entry.VALUE, e.getValue()));
    }
    return m;
  }

  private static ProtoMessage graph(Graph graph) {
    ProtoMessage g = new ProtoMessage();
    Set<String> outputs = new HashSet<>();
    graph.outputs().forEach(o -> outputs.add(o.name()));
    for (Node n : graph.nodes()) {
      g.message(OnnxProto.Graph.NODE, node(n));
    }
    g.string(OnnxProto.Graph.NAME, graph.name().isEmpty() ? "main_graph" : graph.name());
    graph.initializers().forEach((name, t) -> g.message(OnnxProto.Graph.INITIALIZER, tensor(name, t)));
    graph.longInitializers().forEach((name, t) -> g.message(OnnxProto.Graph.INITIALIZER, tensor(name, t)));
    for (ValueInfo v : graph.inputs()) {
      g.message(OnnxProto.Graph.INPUT, valueInfo(v));
    }
    for (ValueInfo v : graph.outputs()) {
      ValueInfo inferred = graph.valueInfos().get(v.name());
      boolean better = v.type() == DataType.UNDEFINED && inferred != null && inferred.type() != DataType.UNDEFINED;
      g.message(OnnxProto.Graph.OUTPUT, valueInfo(better ? inferred : v));
    }
    // Value infos of values the graph still computes; what passes removed is left out.
    for (Node n : graph.nodes()) {
      for (String out : n.outputs()) {
        ValueInfo v = out.isEmpty() || outputs.contains(out) ? null : graph.valueInfos().get(out);
        if (v != null && v.type() != DataType.UNDEFINED) {
          g.message(OnnxProto.Graph.VALUE_INFO, valueInfo(v));
        }
      }
    }
    return g;
  }

  private static ProtoMessage node(Node n) {
    ProtoMessage m = new ProtoMessage();
    for (String in : n.inputs()) {
      m.string(OnnxProto.Node.INPUT, in);
    }
    for (String out : n.outputs()) {
      m.string(OnnxProto.Node.OUTPUT, out);
    }
    if (!n.name().isEmpty()) {
      m.string(OnnxProto.Node.NAME, n.name());
    }
    m.string(OnnxProto.Node.OP_TYPE, n.opType());
    for (Attribute a : n.attributes().values()) {
      m.message(OnnxProto.Node.ATTRIBUTE, attribute(a));
    }
    if (!n.domain().isEmpty()) {
      m.string(OnnxProto.Node.DOMAIN, n.domain());
    }
    return m;
  }

  private static ProtoMessage attribute(Attribute a) {
    ProtoMessage m = new ProtoMessage().string(OnnxProto.Attr.NAME, a.name());
    switch (a.type()) {
      case FLOAT -> m.float32(OnnxProto.Attr.F, a.asFloat());
      case INT -> m.int64(OnnxProto.Attr.I, a.asInt());
      case STRING -> m.bytes(OnnxProto.Attr.S, a.asString().getBytes(StandardCharsets.UTF_8));
      case TENSOR -> m.message(OnnxProto.Attr.T, a.isFloatTensor() ? tensor("", a.asTensor())
          : tensor("", a.asLongTensor()));
      case FLOATS -> {
        for (float f : a.asFloats()) {
          m.float32(OnnxProto.Attr.FLOATS, f);
        }
      }
      case INTS -> {
        for (long i : a.asInts()) {
          m.int64(OnnxProto.Attr.INTS, i);
        }
      }
      case STRINGS -> {
        for (String s : a.asStrings()) {
          m.bytes(OnnxProto.Attr.STRINGS, s.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    return m.int32(OnnxProto.Attr.TYPE, a.type().onnxCode());
  }

  private static ProtoMessage tensor(String name, Tensor t) {
    ProtoMessage m = new ProtoMessage();
    for (int d : t.shape()) {
      m.int64(OnnxProto.Tensor.DIMS, d);
    }
    m.int32(OnnxProto.Tensor.DATA_TYPE, DataType.FLOAT.onnxCode());
    if (!name.isEmpty()) {
      m.string(OnnxProto.Tensor.NAME, name);
    }
    return m.rawFloats(OnnxProto.Tensor.RAW_DATA, t.data());
  }

  private static ProtoMessage tensor(String name, LongTensor t) {
    ProtoMessage m = new ProtoMessage();
    for (int d : t.shape()) {
      m.int64(OnnxProto.Tensor.DIMS, d);
    }
    m.int32(OnnxProto.Tensor.DATA_TYPE, t.type().onnxCode());
    if (!name.isEmpty()) {
      m.string(OnnxProto.Tensor.NAME, name);
    }
    return m.rawInts(OnnxProto.Tensor.RAW_DATA, t.data(), t.type().byteSize());
  }

  /** A {@code ValueInfoProto}; without a type when the element type is unknown (ONNX forbids type 0). */
  private static ProtoMessage valueInfo(ValueInfo v) {
    if (v.type() == DataType.UNDEFINED) {
      return new ProtoMessage().string(OnnxProto.ValueInfo.NAME, v.name());
    }
    ProtoMessage tensorType = new ProtoMessage();
    tensorType.int32(OnnxProto.TensorType.ELEM_TYPE, v.type().onnxCode());
    if (v.shape().hasRank()) {
      ProtoMessage shape = new ProtoMessage();
      for (Dim d : v.shape().dims()) {
        ProtoMessage dim = new ProtoMessage();
        if (d.isKnown()) {
          dim.int64(OnnxProto.ShapeProto.DIM_VALUE, d.value());
        } else if (d.isSymbolic()) {
          dim.string(OnnxProto.ShapeProto.DIM_PARAM, d.param());
        }
        shape.message(OnnxProto.ShapeProto.DIM, dim);
      }
      tensorType.message(OnnxProto.TensorType.SHAPE, shape);
    }
    ProtoMessage type = new ProtoMessage().message(OnnxProto.Type.TENSOR_TYPE, tensorType);
    return new ProtoMessage().string(OnnxProto.ValueInfo.NAME, v.name()).message(OnnxProto.ValueInfo.TYPE, type);
  }
}
