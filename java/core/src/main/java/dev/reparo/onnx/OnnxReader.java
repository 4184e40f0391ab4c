package dev.reparo.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.GraphValidator;
import dev.reparo.graph.InvalidGraphException;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.ProtoReader.FloatList;
import dev.reparo.onnx.ProtoReader.LongList;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an ONNX model ({@code ModelProto}) into a {@link Graph}: opsets, metadata, inputs (without
 * the initializers old exporters also list as inputs), outputs, value infos with symbolic dims,
 * nodes with their attributes, and initializers, float32/float16/bfloat16/double ones as float32
 * {@link Tensor}s and integer/bool ones as {@link LongTensor}s. The graph is sorted topologically
 * and validated before it is returned.
 *
 * <p>Anything Reparo cannot represent faithfully is refused with a {@link ModelFormatException}
 * naming the file and the part at fault: malformed or truncated protobuf, tensors stored in
 * external files, sparse initializers, tensors whose data does not match their shape, absurd
 * dims, duplicate names, subgraph attributes, calls to local functions or to unknown domains.
 * Operators Reparo does not support raise {@link UnsupportedOpException}, which names the node,
 * its op type and the supported ones.
 *
 * <p>Stateless and thread-safe.
 */
public final class OnnxReader {
  /** The standard-domain operator set versions Reparo reads. */
  public static final int MIN_OPSET = 7;

  public static final int MAX_OPSET = 22;

  /** The largest size a dimension may declare. */
  public static final long MAX_DIM = Integer.MAX_VALUE;

  private OnnxReader() {}

  /**
   * Reads the model in {@code file}.
   *
   * @throws ModelFormatException if the file cannot be read or is not a model Reparo can import
   * @throws UnsupportedOpException if a node uses an operator Reparo does not support
   */
  public static Graph read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file + ": no such file");
    } catch (IOException | OutOfMemoryError e) {
      throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    return read(bytes, file.toString());
  }

  /**
   * Reads a model from its serialized bytes; {@code source} names it in error messages.
   *
   * @throws ModelFormatException if the bytes are not a model Reparo can import
   * @throws UnsupportedOpException if a node uses an operator Reparo does not support
   */
  public static Graph read(byte[] bytes, String source) {
    RawModel model = new RawModel();
    try {
      ProtoReader in = new ProtoReader(bytes);
      in.readTopLevel((number, wire) -> model.field(in, number, wire));
    } catch (InvalidProtocolBufferException e) {
      throw new ModelFormatException(source + ": not a valid ONNX model (malformed or truncated protobuf: "
          + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new ModelFormatException(source + ": not a valid ONNX model (" + e.getMessage() + ")", e);
    } catch (ModelFormatException e) {
      throw new ModelFormatException(source + ": " + e.getMessage(), e);
    }
    return new Builder(source, model).build();
  }

  // ---- raw messages, as read; converted and checked once everything is known

  private static final class RawModel {
    long irVersion;
    String producerName = "";
    String producerVersion = "";
    RawGraph graph;
    final Map<String, Long> opsets = new LinkedHashMap<>();
    final Map<String, String> metadata = new LinkedHashMap<>();
    final Set<String> functions = new HashSet<>();

    void field(ProtoReader in, int number, int wire) throws IOException {
      switch (number) {
        case OnnxProto.Model.IR_VERSION -> irVersion = in.int64(wire, "ir_version");
        case OnnxProto.Model.PRODUCER_NAME -> producerName = in.string(wire, "producer_name");
        case OnnxProto.Model.PRODUCER_VERSION -> producerVersion = in.string(wire, "producer_version");
        case OnnxProto.Model.GRAPH -> {
          if (graph != null) {
            throw new ModelFormatException("the model has more than one graph");
          }
          RawGraph g = new RawGraph();
          in.readMessage(wire, "graph", (n, w) -> g.field(in, n, w));
          graph = g;
        }
        case OnnxProto.Model.OPSET_IMPORT -> {
          String[] domain = {""};
          long[] version = {-1};
          in.readMessage(wire, "opset_import", (n, w) -> {
            switch (n) {
              case OnnxProto.OpsetId.DOMAIN -> domain[0] = in.string(w, "opset_import.domain");
              case OnnxProto.OpsetId.VERSION -> version[0] = in.int64(w, "opset_import.version");
              default -> in.skip();
            }
          });
          if (opsets.put(domain[0], version[0]) != null) {
            throw new ModelFormatException("opset_import lists domain '" + domain[0] + "' twice");
          }
        }
        case OnnxProto.Model.METADATA_PROPS -> {
          String[] kv = {"", ""};
          in.readMessage(wire, "metadata_props", (n, w) -> {
            switch (n) {
              case OnnxProto.Entry.KEY -> kv[0] = in.string(w, "metadata_props.key");
              case OnnxProto.Entry.VALUE -> kv[1] = in.string(w, "metadata_props.value");
              default -> in.skip();
            }
          });
          if (metadata.put(kv[0], kv[1]) != null) {
            throw new ModelFormatException("metadata_props has the key '" + kv[0] + "' twice");
          }
        }
        case OnnxProto.Model.FUNCTIONS -> {
          String[] id = {"", ""};
          in.readMessage(wire, "functions", (n, w) -> {
            switch (n) {
              case OnnxProto.Function.NAME -> id[0] = in.string(w, "function name");
              case OnnxProto.Function.DOMAIN -> id[1] = in.string(w, "function domain");
              default -> in.skip();
            }
          });
          functions.add(id[1] + ":" + id[0]);
        }
        default -> in.skip();
      }
    }
  }

  private static final class RawGraph {
    String name = "";
    final List<RawNode> nodes = new ArrayList<>();
    final List<RawTensor> initializers = new ArrayList<>();
    final List<RawValueInfo> inputs = new ArrayList<>();
    final List<RawValueInfo> outputs = new ArrayList<>();
    final List<RawValueInfo> valueInfos = new ArrayList<>();
    int sparseInitializers;

    void field(ProtoReader in, int number, int wire) throws IOException {
      switch (number) {
        case OnnxProto.Graph.NODE -> {
          RawNode node = new RawNode();
          in.readMessage(wire, "node", (n, w) -> node.field(in, n, w));
          nodes.add(node);
        }
        case OnnxProto.Graph.NAME -> name = in.string(wire, "graph name");
        case OnnxProto.Graph.INITIALIZER -> initializers.add(RawTensor.read(in, wire, "initializer"));
        case OnnxProto.Graph.INPUT -> inputs.add(RawValueInfo.read(in, wire, "graph input"));
        case OnnxProto.Graph.OUTPUT -> outputs.add(RawValueInfo.read(in, wire, "graph output"));
        case OnnxProto.Graph.VALUE_INFO -> valueInfos.add(RawValueInfo.read(in, wire, "value_info"));
        case OnnxProto.Graph.SPARSE_INITIALIZER -> {
          sparseInitializers++;
          in.skip();
        }
        default -> in.skip();
      }
    }
  }

  private static final class RawNode {
    final List<String> inputs = new ArrayList<>();
    final List<String> outputs = new ArrayList<>();
    String name = "";
    String opType = "";
    String domain = "";
    final List<RawAttribute> attributes = new ArrayList<>();

    void field(ProtoReader in, int number, int wire) throws IOException {
      switch (number) {
        case OnnxProto.Node.INPUT -> inputs.add(in.string(wire, "node input"));
        case OnnxProto.Node.OUTPUT -> outputs.add(in.string(wire, "node output"));
        case OnnxProto.Node.NAME -> name = in.string(wire, "node name");
        case OnnxProto.Node.OP_TYPE -> opType = in.string(wire, "node op_type");
        case OnnxProto.Node.DOMAIN -> domain = in.string(wire, "node domain");
        case OnnxProto.Node.ATTRIBUTE -> {
          RawAttribute a = new RawAttribute();
          in.readMessage(wire, "node attribute", (n, w) -> a.field(in, n, w));
          attributes.add(a);
        }
        default -> in.skip();
      }
    }

    String describe() {
      return name.isEmpty() ? "unnamed " + opType + " node" + (outputs.isEmpty() ? "" : " producing '"
          + outputs.get(0) + "'") : "node '" + name + "' (" + opType + ")";
    }
  }

  private static final class RawAttribute {
    String name = "";
    int type;
    Float f;
    Long i;
    String s;
    RawTensor t;
    final FloatList floats = new FloatList();
    final LongList ints = new LongList();
    final List<String> strings = new ArrayList<>();
    /** The field numbers seen that Reparo does not support (graphs, sparse tensors, types...). */
    final Set<Integer> unsupportedFields = new HashSet<>();

    void field(ProtoReader in, int number, int wire) throws IOException {
      switch (number) {
        case OnnxProto.Attr.NAME -> name = in.string(wire, "attribute name");
        case OnnxProto.Attr.TYPE -> type = in.int32(wire, "attribute type");
        case OnnxProto.Attr.F -> f = in.float32(wire, "attribute f");
        case OnnxProto.Attr.I -> i = in.int64(wire, "attribute i");
        case OnnxProto.Attr.S -> s = in.bytesAsString(wire, "attribute s");
        case OnnxProto.Attr.T -> t = RawTensor.read(in, wire, "attribute t");
        case OnnxProto.Attr.FLOATS -> in.floats(wire, "attribute floats", floats);
        case OnnxProto.Attr.INTS -> in.varints(wire, "attribute ints", ints);
        case OnnxProto.Attr.STRINGS -> strings.add(in.bytesAsString(wire, "attribute strings"));
        case OnnxProto.Attr.G, OnnxProto.Attr.TENSORS, OnnxProto.Attr.GRAPHS, OnnxProto.Attr.TYPE_PROTO,
            OnnxProto.Attr.TYPE_PROTOS, OnnxProto.Attr.REF_ATTR_NAME, OnnxProto.Attr.SPARSE_TENSOR,
            OnnxProto.Attr.SPARSE_TENSORS -> {
          unsupportedFields.add(number);
          in.skip();
        }
        default -> in.skip();
      }
    }
  }

  private static final class RawTensor {
    String name = "";
    final LongList dims = new LongList();
    int dataType;
    ByteString raw;
    final FloatList floatData = new FloatList();
    final LongList int32Data = new LongList();
    final LongList int64Data = new LongList();
    final LongList doubleData = new LongList();
    final LongList uint64Data = new LongList();
    int stringData;
    boolean segmented;
    boolean external;

    static RawTensor read(ProtoReader in, int wire, String what) throws IOException {
      RawTensor t = new RawTensor();
      in.readMessage(wire, what, (n, w) -> t.field(in, n, w));
      return t;
    }

    void field(ProtoReader in, int number, int wire) throws IOException {
      switch (number) {
        case OnnxProto.Tensor.DIMS -> in.varints(wire, "tensor dims", dims);
        case OnnxProto.Tensor.DATA_TYPE -> dataType = in.int32(wire, "tensor data_type");
        case OnnxProto.Tensor.SEGMENT -> {
          segmented = true;
          in.skip();
        }
        case OnnxProto.Tensor.FLOAT_DATA -> in.floats(wire, "tensor float_data", floatData);
        case OnnxProto.Tensor.INT32_DATA -> in.varints(wire, "tensor int32_data", int32Data);
        case OnnxProto.Tensor.STRING_DATA -> {
          stringData++;
          in.skip();
        }
        case OnnxProto.Tensor.INT64_DATA -> in.varints(wire, "tensor int64_data", int64Data);
        case OnnxProto.Tensor.NAME -> name = in.string(wire, "tensor name");
        case OnnxProto.Tensor.RAW_DATA -> raw = in.bytes(wire, "tensor raw_data");
        case OnnxProto.Tensor.DOUBLE_DATA -> in.doubles(wire, "tensor double_data", doubleData);
        case OnnxProto.Tensor.UINT64_DATA -> in.varints(wire, "tensor uint64_data", uint64Data);
        case OnnxProto.Tensor.EXTERNAL_DATA -> {
          external = true;
          in.skip();
        }
        case OnnxProto.Tensor.DATA_LOCATION ->
            external |= in.int32(wire, "tensor data_location") == OnnxProto.Tensor.DATA_LOCATION_EXTERNAL;
        default -> in.skip();
      }
    }
  }

  private static final class RawValueInfo {
    String name = "";
    /** Null when the value has no type. */
    Integer elemType;
    /** The TypeProto field that is set when it is not a tensor type. */
    int otherType;
    /** Null when the shape is not given (rank unknown). */
    List<RawDim> dims;

    static RawValueInfo read(ProtoReader in, int wire, String what) throws IOException {
      RawValueInfo v = new RawValueInfo();
      in.readMessage(wire, what, (n, w) -> {
        switch (n) {
          case OnnxProto.ValueInfo.NAME -> v.name = in.string(w, what + " name");
          case OnnxProto.ValueInfo.TYPE -> in.readMessage(w, what + " type", (tn, tw) -> v.typeField(in, tn, tw, what));
          default -> in.skip();
        }
      });
      return v;
    }

    private void typeField(ProtoReader in, int number, int wire, String what) throws IOException {
      if (number != OnnxProto.Type.TENSOR_TYPE) {
        if (number == OnnxProto.Type.SEQUENCE_TYPE || number == OnnxProto.Type.MAP_TYPE
            || number == OnnxProto.Type.SPARSE_TENSOR_TYPE || number == OnnxProto.Type.OPTIONAL_TYPE) {
          otherType = number;
        }
        in.skip();
        return;
      }
      elemType = 0;
      in.readMessage(wire, what + " tensor type", (n, w) -> {
        switch (n) {
          case OnnxProto.TensorType.ELEM_TYPE -> elemType = in.int32(w, what + " elem_type");
          case OnnxProto.TensorType.SHAPE -> {
            dims = new ArrayList<>();
            in.readMessage(w, what + " shape", (sn, sw) -> {
              if (sn != OnnxProto.ShapeProto.DIM) {
                in.skip();
                return;
              }
              RawDim d = new RawDim();
              in.readMessage(sw, what + " dim", (dn, dw) -> {
                switch (dn) {
                  case OnnxProto.ShapeProto.DIM_VALUE -> d.value = in.int64(dw, what + " dim_value");
                  case OnnxProto.ShapeProto.DIM_PARAM -> d.param = in.string(dw, what + " dim_param");
                  default -> in.skip();
                }
              });
              dims.add(d);
            });
          }
          default -> in.skip();
        }
      });
    }
  }

  private static final class RawDim {
    Long value;
    String param;
  }

  // ---- conversion into the graph IR

  /** Turns the raw messages of one model into a checked {@link Graph}. */
  private static final class Builder {
    private final String source;
    private final RawModel model;
    private final RawGraph raw;

    Builder(String source, RawModel model) {
      this.source = source;
      this.model = model;
      if (model.graph == null) {
        throw error("the model has no graph (is this an ONNX model?)");
      }
      this.raw = model.graph;
    }

    Graph build() {
      long opset = standardOpset();
      Graph g = new Graph(raw.name, opset);
      model.opsets.forEach((domain, version) -> {
        if (!isStandard(domain)) {
          g.setOpsetImport(domain, version);
        }
      });
      g.setIrVersion(model.irVersion);
      g.setProducer(model.producerName, model.producerVersion);
      model.metadata.forEach(g::putMetadata);

      if (raw.sparseInitializers > 0) {
        throw error("the graph has " + raw.sparseInitializers
            + " sparse initializer(s); Reparo reads dense initializers only");
      }
      Set<String> initializerNames = new HashSet<>();
      for (RawTensor t : raw.initializers) {
        String where = "initializer '" + t.name + "'";
        if (t.name.isEmpty()) {
          throw error("an initializer has no name");
        }
        if (!initializerNames.add(t.name)) {
          throw error(where + " is defined twice");
        }
        Object value = tensor(t, where);
        if (value instanceof Tensor f) {
          g.putInitializer(t.name, f);
        } else {
          g.putInitializer(t.name, (LongTensor) value);
        }
      }

      Set<String> inputNames = new HashSet<>();
      for (RawValueInfo v : raw.inputs) {
        if (!inputNames.add(v.name)) {
          throw error("graph input '" + v.name + "' is declared twice");
        }
        if (!initializerNames.contains(v.name)) { // old exporters list initializers as inputs too
          g.addInput(valueInfo(v, "graph input"));
        }
      }
      for (RawValueInfo v : raw.outputs) {
        g.addOutput(valueInfo(v, "graph output"));
      }
      for (RawValueInfo v : raw.valueInfos) {
        g.putValueInfo(valueInfo(v, "value_info"));
      }

      Set<String> nodeNames = new HashSet<>();
      for (RawNode n : raw.nodes) {
        Node node = node(n);
        if (!node.name().isEmpty() && !nodeNames.add(node.name())) {
          throw error("two nodes are named '" + node.name() + "'");
        }
        g.addNode(node);
      }
      try {
        g.sortTopologically();
        GraphValidator.validate(g);
      } catch (UnsupportedOpException e) {
        throw e;
      } catch (InvalidGraphException e) {
        throw error(e.getMessage(), e);
      }
      return g;
    }

    private long standardOpset() {
      Long v = model.opsets.get("");
      Long alias = model.opsets.get("ai.onnx");
      if (v != null && alias != null && !v.equals(alias)) {
        throw error("opset_import gives the standard domain two versions, " + v + " and " + alias);
      }
      if (v == null) {
        v = alias;
      }
      if (v == null) {
        throw error("the model imports no standard ONNX operator set");
      }
      if (v < MIN_OPSET || v > MAX_OPSET) {
        throw error("ONNX opset " + v + " is not supported (Reparo reads opsets " + MIN_OPSET + " to "
            + MAX_OPSET + ")");
      }
      return v;
    }

    private Node node(RawNode n) {
      String where = n.describe();
      if (n.opType.isEmpty()) {
        throw error("a node" + (n.name.isEmpty() ? "" : " named '" + n.name + "'") + " has no op_type");
      }
      List<Attribute> attributes = new ArrayList<>();
      for (RawAttribute a : n.attributes) {
        attributes.add(attribute(a, where));
      }
      Node node;
      try {
        node = new Node(n.name, n.opType, n.domain, n.inputs, n.outputs, attributes);
      } catch (InvalidGraphException e) {
        throw error(e.getMessage(), e);
      }
      if (!isStandard(n.domain)) {
        if (model.functions.contains(n.domain + ":" + n.opType)) {
          throw error(where + " calls the model-local function '" + n.domain + ":" + n.opType
              + "'; Reparo does not inline ONNX functions (export without them, or inline them first)");
        }
        if (!model.opsets.containsKey(n.domain)) {
          throw error(where + " uses the domain '" + n.domain + "', which the model does not import");
        }
      }
      if (OpSchema.of(node) == null) {
        throw new UnsupportedOpException(source, node, OpSchema.supportedOps());
      }
      return node;
    }

    private Attribute attribute(RawAttribute a, String node) {
      String where = node + ": attribute '" + a.name + "'";
      if (a.name.isEmpty()) {
        throw error(node + " has an attribute without a name");
      }
      if (!a.unsupportedFields.isEmpty()) {
        throw error(where + " holds a graph, tensor list, sparse tensor or type (or refers to a function"
            + " attribute); Reparo supports float, int, string, tensor, floats, ints and strings attributes");
      }
      Attribute.Type type = a.type != 0 ? Attribute.Type.fromOnnx(a.type) : guessType(a);
      if (type == null) {
        throw error(where + " has " + (a.type != 0 ? "unsupported attribute type " + a.type : "no value"));
      }
      return switch (type) {
        case FLOAT -> Attribute.of(a.name, a.f == null ? 0f : a.f);
        case INT -> Attribute.of(a.name, a.i == null ? 0L : a.i);
        case STRING -> Attribute.of(a.name, a.s == null ? "" : a.s);
        case TENSOR -> {
          if (a.t == null) {
            throw error(where + " is a tensor attribute without a tensor");
          }
          Object t = tensor(a.t, where);
          yield t instanceof Tensor f ? Attribute.of(a.name, f) : Attribute.of(a.name, (LongTensor) t);
        }
        case FLOATS -> Attribute.floats(a.name, a.floats.toArray());
        case INTS -> Attribute.ints(a.name, a.ints.toArray());
        case STRINGS -> Attribute.strings(a.name, a.strings);
      };
    }

    /** The type of an attribute written without its {@code type} field (IR version 1). */
    private static Attribute.Type guessType(RawAttribute a) {
      if (a.f != null) {
        return Attribute.Type.FLOAT;
      } else if (a.i != null) {
        return Attribute.Type.INT;
      } else if (a.s != null) {
        return Attribute.Type.STRING;
      } else if (a.t != null) {
        return Attribute.Type.TENSOR;
      } else if (a.floats.size() > 0) {
        return Attribute.Type.FLOATS;
      } else if (a.ints.size() > 0) {
        return Attribute.Type.INTS;
      } else if (!a.strings.isEmpty()) {
        return Attribute.Type.STRINGS;
      }
      return null;
    }

    private ValueInfo valueInfo(RawValueInfo v, String kind) {
      String where = kind + " '" + v.name + "'";
      if (v.name.isEmpty()) {
        throw error("a " + kind + " has no name");
      }
      if (v.otherType != 0) {
        throw error(where + " is not a tensor (sequence, map, optional or sparse); Reparo supports"
            + " dense tensors only");
      }
      DataType type = DataType.UNDEFINED;
      if (v.elemType != null) {
        type = DataType.fromOnnx(v.elemType);
        if (type == null) {
          throw error(where + " has unsupported element type " + v.elemType);
        }
      }
      if (v.dims == null) {
        return new ValueInfo(v.name, type, Shape.unknown());
      }
      List<Dim> dims = new ArrayList<>();
      for (RawDim d : v.dims) {
        if (d.value != null) {
          checkDim(d.value, where + " shape");
          dims.add(Dim.of(d.value));
        } else if (d.param != null && !d.param.isEmpty()) {
          dims.add(Dim.symbolic(d.param));
        } else {
          dims.add(Dim.unknown());
        }
      }
      return new ValueInfo(v.name, type, Shape.of(dims));
    }

    private void checkDim(long d, String where) {
      if (d < 0 || d > MAX_DIM) {
        throw error(where + " has dimension " + d + " (must be 0 to " + MAX_DIM + ")");
      }
    }

    /** A float32 {@link Tensor} or a {@link LongTensor}, checked against its declared shape. */
    private Object tensor(RawTensor t, String where) {
      if (t.external) {
        throw error(where + " keeps its data in an external file; Reparo reads self-contained models"
            + " only (save the model with all tensors inside the .onnx file)");
      }
      if (t.segmented) {
        throw error(where + " is a segmented tensor, which Reparo does not support");
      }
      DataType type = DataType.fromOnnx(t.dataType);
      if (type == null || type == DataType.UNDEFINED || type == DataType.STRING
          || type == DataType.COMPLEX64 || type == DataType.COMPLEX128) {
        throw error(where + " has unsupported data type " + (type == null ? t.dataType : type)
            + "; Reparo reads float and integer tensors");
      }
      int[] shape = new int[t.dims.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        long d = t.dims.get(i);
        checkDim(d, where + " shape " + Arrays.toString(t.dims.toArray()));
        shape[i] = (int) d;
        count *= d;
        if (count > Integer.MAX_VALUE - 8) {
          throw error(where + " has shape " + Arrays.toString(t.dims.toArray())
              + ", too many elements for one tensor");
        }
      }
      int n = (int) count;
      if (t.raw != null) {
        long need = (long) n * type.byteSize();
        if (t.raw.size() != need) {
          throw error(where + " of type " + type + " and shape " + Arrays.toString(shape) + " needs " + need
              + " bytes of raw_data, has " + t.raw.size());
        }
        return fromRaw(type, shape, n, t.raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
      }
      return fromTyped(t, type, shape, n, where);
    }

    private static Object fromRaw(DataType type, int[] shape, int n, ByteBuffer b) {
      switch (type) {
        case FLOAT -> {
          float[] v = new float[n];
          b.asFloatBuffer().get(v);
          return Tensor.of(v, shape);
        }
        case DOUBLE -> {
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = (float) b.getDouble(8 * i);
          }
          return Tensor.of(v, shape);
        }
        case FLOAT16, BFLOAT16 -> {
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = halfToFloat(type, b.getShort(2 * i) & 0xFFFF);
          }
          return Tensor.of(v, shape);
        }
        default -> {
          long[] v = new long[n];
          for (int i = 0; i < n; i++) {
            v[i] = switch (type) {
              case INT64, UINT64 -> b.getLong(8 * i);
              case INT32 -> b.getInt(4 * i);
              case UINT32 -> b.getInt(4 * i) & 0xFFFFFFFFL;
              case INT16 -> b.getShort(2 * i);
              case UINT16 -> b.getShort(2 * i) & 0xFFFF;
              case INT8 -> b.get(i);
              case BOOL -> b.get(i) != 0 ? 1 : 0;
              default -> b.get(i) & 0xFF; // UINT8
            };
          }
          return LongTensor.of(type, v, shape);
        }
      }
    }

    private Object fromTyped(RawTensor t, DataType type, int[] shape, int n, String where) {
      String field;
      int have;
      switch (type) {
        case FLOAT -> {
          field = "float_data";
          have = t.floatData.size();
        }
        case DOUBLE -> {
          field = "double_data";
          have = t.doubleData.size();
        }
        case INT64 -> {
          field = "int64_data";
          have = t.int64Data.size();
        }
        case UINT32, UINT64 -> {
          field = "uint64_data";
          have = t.uint64Data.size();
        }
        default -> {
          field = "int32_data";
          have = t.int32Data.size();
        }
      }
      if (have != n) {
        throw error(where + " of type " + type + " and shape " + Arrays.toString(shape) + " needs " + n
            + " values, has " + have + " in " + field + (have == 0 ? " and no raw_data" : ""));
      }
      switch (type) {
        case FLOAT -> {
          return Tensor.of(t.floatData.toArray(), shape);
        }
        case DOUBLE -> {
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = (float) Double.longBitsToDouble(t.doubleData.get(i));
          }
          return Tensor.of(v, shape);
        }
        case FLOAT16, BFLOAT16 -> {
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = halfToFloat(type, (int) t.int32Data.get(i) & 0xFFFF);
          }
          return Tensor.of(v, shape);
        }
        case INT64 -> {
          return LongTensor.of(type, t.int64Data.toArray(), shape);
        }
        case UINT32, UINT64 -> {
          return LongTensor.of(type, t.uint64Data.toArray(), shape);
        }
        default -> {
          long[] v = new long[n];
          for (int i = 0; i < n; i++) {
            long x = (int) t.int32Data.get(i); // int32 varints are sign-extended to 64 bits
            v[i] = switch (type) {
              case INT16 -> (short) x;
              case UINT16 -> x & 0xFFFF;
              case INT8 -> (byte) x;
              case UINT8 -> x & 0xFF;
              case BOOL -> x != 0 ? 1 : 0;
              default -> x;
            };
          }
          return LongTensor.of(type, v, shape);
        }
      }
    }

    private ModelFormatException error(String message) {
      return new ModelFormatException(source + ": " + message);
    }

    private ModelFormatException error(String message, ReparoException cause) {
      return new ModelFormatException(source + ": " + message, cause);
    }
  }

  private static boolean isStandard(String domain) {
    return domain.isEmpty() || domain.equals("ai.onnx");
  }

  /** An IEEE half-precision or bfloat16 bit pattern as a float. */
  static float halfToFloat(DataType type, int bits) {
    if (type == DataType.BFLOAT16) {
      return Float.intBitsToFloat(bits << 16);
    }
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1F;
    int mantissa = bits & 0x3FF;
    if (exponent == 0x1F) { // infinity or NaN
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // zero or subnormal: mantissa * 2^-24, exact in float
      float magnitude = mantissa * 0x1p-24f;
      return sign != 0 ? -magnitude : magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }
}
