package dev.reparo.onnx;

import static dev.reparo.onnx.ProtoModels.FLOAT;
import static dev.reparo.onnx.ProtoModels.INT64;
import static dev.reparo.onnx.ProtoModels.floatTensor;
import static dev.reparo.onnx.ProtoModels.node;
import static dev.reparo.onnx.ProtoModels.opset;
import static dev.reparo.onnx.ProtoModels.tensor;
import static dev.reparo.onnx.ProtoModels.valueInfo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import dev.reparo.ModelFormatException;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.UnsupportedOpException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxReaderTest {
  private static Graph read(ProtoModels.Model m) {
    return OnnxReader.read(m.build(), "test.onnx");
  }

  private static ModelFormatException rejects(ProtoModels.Model m, String... fragments) {
    return rejects(m.build(), fragments);
  }

  private static ModelFormatException rejects(byte[] bytes, String... fragments) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxReader.read(bytes, "bad.onnx"));
    assertTrue(e.getMessage().startsWith("bad.onnx: "), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
    }
    return e;
  }

  // ---- what is read

  @Test
  void readsAMinimalModel() {
    Graph g = read(new ProtoModels.Model());
    assertEquals(17, g.opset());
    assertEquals(8, g.irVersion());
    assertEquals("test", g.producerName());
    assertEquals(List.of("x"), g.inputs().stream().map(v -> v.name()).toList());
    assertEquals(Shape.of(1, 2), g.inputs().get(0).shape());
    assertEquals(DataType.FLOAT, g.outputs().get(0).type());
    assertArrayEquals(new float[] {1, 2}, g.initializer("w").data());
    assertEquals(List.of(Node.builder("Add").name("add").inputs("x", "w").outputs("y").build()), g.nodes());
  }

  @Test
  void dropsInitializersThatOldExportersAlsoListAsInputs() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.inputs.add(valueInfo("w", FLOAT, 2));
    Graph g = read(m);
    assertEquals(List.of("x"), g.inputs().stream().map(v -> v.name()).toList());
    assertTrue(g.isInitializer("w"));
  }

  @Test
  void spellsTheDefaultDomainOneWay() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.opsets.set(0, opset("ai.onnx", 13));
    m.nodes.set(0, node("add", "Add", List.of("x", "w"), List.of("y")).string(OnnxProto.Node.DOMAIN, "ai.onnx"));
    Graph g = read(m);
    assertEquals(13, g.opset());
    assertEquals("", g.nodes().get(0).domain());
    assertEquals(java.util.Map.of("", 13L), g.opsetImports());
  }

  @Test
  void readsSymbolicAndUnknownDims() {
    ProtoModels.Model m = new ProtoModels.Model();
    ProtoMessage shape = new ProtoMessage()
        .message(OnnxProto.ShapeProto.DIM, new ProtoMessage().string(OnnxProto.ShapeProto.DIM_PARAM, "batch"))
        .message(OnnxProto.ShapeProto.DIM, new ProtoMessage());
    ProtoMessage type = new ProtoMessage().message(OnnxProto.Type.TENSOR_TYPE, new ProtoMessage()
        .int32(OnnxProto.TensorType.ELEM_TYPE, FLOAT).message(OnnxProto.TensorType.SHAPE, shape));
    m.inputs.set(0, new ProtoMessage().string(OnnxProto.ValueInfo.NAME, "x").message(OnnxProto.ValueInfo.TYPE, type));
    Graph g = read(m);
    assertEquals(Shape.of(List.of(Dim.symbolic("batch"), Dim.unknown())), g.inputs().get(0).shape());
  }

  @Test
  void readsEveryTypedDataFieldAndRawEncoding() {
    ProtoModels.Model m = new ProtoModels.Model();
    ProtoMessage floats = tensor("f", FLOAT, new long[] {2}, null);
    floats.float32(OnnxProto.Tensor.FLOAT_DATA, 1.5f).float32(OnnxProto.Tensor.FLOAT_DATA, -2f);
    ProtoMessage doubles = tensor("d", 11, new long[] {1}, null);
    doubles.bytes(OnnxProto.Tensor.DOUBLE_DATA, java.nio.ByteBuffer.allocate(8)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).putDouble(0.25).array()); // packed
    ProtoMessage int64s = tensor("l", INT64, new long[] {2}, null);
    int64s.int64(OnnxProto.Tensor.INT64_DATA, Long.MAX_VALUE).int64(OnnxProto.Tensor.INT64_DATA, -3);
    ProtoMessage int32s = tensor("i", 6, new long[] {2}, null);
    int32s.int32(OnnxProto.Tensor.INT32_DATA, -7).int32(OnnxProto.Tensor.INT32_DATA, 9);
    ProtoMessage bools = tensor("b", 9, new long[] {2}, null);
    bools.int32(OnnxProto.Tensor.INT32_DATA, 1).int32(OnnxProto.Tensor.INT32_DATA, 0);
    ProtoMessage halfTyped = tensor("h", 10, new long[] {1}, null);
    halfTyped.int32(OnnxProto.Tensor.INT32_DATA, 0x3C00); // 1.0 in IEEE half precision
    ProtoMessage halfRaw = tensor("hr", 10, new long[] {3}, new byte[] {0x00, (byte) 0xC0, 0x01, 0x00, 0x00, 0x7C});
    ProtoMessage uint8Raw = tensor("u", 2, new long[] {2}, new byte[] {(byte) 255, 1});
    ProtoMessage int32Raw = tensor("ir", 6, new long[] {1}, new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    ProtoMessage scalar = floatTensor("s", new long[0], 4f);
    m.initializers.addAll(List.of(floats, doubles, int64s, int32s, bools, halfTyped, halfRaw, uint8Raw, int32Raw, scalar));
    Graph g = read(m);
    assertArrayEquals(new float[] {1.5f, -2f}, g.initializer("f").data());
    assertArrayEquals(new float[] {0.25f}, g.initializer("d").data());
    assertEquals(LongTensor.of(new long[] {Long.MAX_VALUE, -3}, 2), g.longInitializer("l"));
    assertEquals(LongTensor.of(DataType.INT32, new long[] {-7, 9}, 2), g.longInitializer("i"));
    assertEquals(LongTensor.of(DataType.BOOL, new long[] {1, 0}, 2), g.longInitializer("b"));
    assertArrayEquals(new float[] {1f}, g.initializer("h").data());
    assertArrayEquals(new float[] {-2f, 0x1p-24f, Float.POSITIVE_INFINITY}, g.initializer("hr").data());
    assertEquals(LongTensor.of(DataType.UINT8, new long[] {255, 1}, 2), g.longInitializer("u"));
    assertEquals(LongTensor.of(DataType.INT32, new long[] {-2}, 1), g.longInitializer("ir"));
    assertEquals(0, g.initializer("s").rank());
    assertArrayEquals(new float[] {4f}, g.initializer("s").data());
  }

  @Test
  void readsEveryAttributeKindPackedOrNot() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.nodes.add(node("c1", "Constant", List.of(), List.of("c1"), attr("value_float").float32(OnnxProto.Attr.F, 0.5f).int32(OnnxProto.Attr.TYPE, 1)));
    m.nodes.add(node("c2", "Constant", List.of(), List.of("c2"), attr("value_int").int64(OnnxProto.Attr.I, -4).int32(OnnxProto.Attr.TYPE, 2)));
    m.nodes.add(node("c3", "Constant", List.of(), List.of("c3"), attr("value_string").bytes(OnnxProto.Attr.S, "héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8)).int32(OnnxProto.Attr.TYPE, 3)));
    m.nodes.add(node("c4", "Constant", List.of(), List.of("c4"), attr("value").message(OnnxProto.Attr.T, tensor("", INT64, new long[] {1}, new byte[] {5, 0, 0, 0, 0, 0, 0, 0})).int32(OnnxProto.Attr.TYPE, 4)));
    m.nodes.add(node("c5", "Constant", List.of(), List.of("c5"), attr("value_floats").float32(OnnxProto.Attr.FLOATS, 1).float32(OnnxProto.Attr.FLOATS, 2).int32(OnnxProto.Attr.TYPE, 6)));
    m.nodes.add(node("c6", "Constant", List.of(), List.of("c6"), attr("value_ints").bytes(OnnxProto.Attr.INTS, packedVarints(3, -1, 2)).int32(OnnxProto.Attr.TYPE, 7)));
    m.nodes.add(node("c7", "Constant", List.of(), List.of("c7"), attr("value_strings").bytes(OnnxProto.Attr.STRINGS, "a".getBytes()).bytes(OnnxProto.Attr.STRINGS, "b".getBytes()).int32(OnnxProto.Attr.TYPE, 8)));
    // no type field, as IR version 1 wrote it: the type comes from the value present
    m.nodes.add(node("c8", "Constant", List.of(), List.of("c8"), attr("value_ints").int64(OnnxProto.Attr.INTS, 8).int64(OnnxProto.Attr.INTS, 9)));
    Graph g = read(m);
    assertEquals(Attribute.of("value_float", 0.5f), attrOf(g, "c1"));
    assertEquals(Attribute.of("value_int", -4L), attrOf(g, "c2"));
    assertEquals(Attribute.of("value_string", "héllo"), attrOf(g, "c3"));
    assertEquals(LongTensor.of(new long[] {5}, 1), attrOf(g, "c4").asLongTensor());
    assertEquals(Attribute.floats("value_floats", 1, 2), attrOf(g, "c5"));
    assertEquals(Attribute.ints("value_ints", 3, -1, 2), attrOf(g, "c6"));
    assertEquals(Attribute.strings("value_strings", List.of("a", "b")), attrOf(g, "c7"));
    assertEquals(Attribute.ints("value_ints", 8, 9), attrOf(g, "c8"));
  }

  private static ProtoMessage attr(String name) {
    return new ProtoMessage().string(OnnxProto.Attr.NAME, name);
  }

  private static Attribute attrOf(Graph g, String node) {
    return g.nodes().stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow()
        .attributes().values().iterator().next();
  }

  /** The body of a packed repeated varint field. */
  private static byte[] packedVarints(long... values) {
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      CodedOutputStream b = CodedOutputStream.newInstance(body);
      for (long v : values) {
        b.writeInt64NoTag(v);
      }
      b.flush();
      return body.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  // ---- what is refused

  @Test
  void rejectsTruncatedProtobuf() {
    byte[] good = new ProtoModels.Model().build();
    for (int cut : new int[] {good.length / 3, good.length / 2, good.length - 1}) {
      rejects(Arrays.copyOf(good, cut), "not a valid ONNX model");
    }
  }

  @Test
  void rejectsBytesThatAreNotProtobuf() {
    rejects("this is not a model\n".repeat(4).getBytes(), "not a valid ONNX model");
    rejects(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, "not a valid ONNX model");
  }

  @Test
  void rejectsAFieldOfTheWrongWireType() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.modelFields.add(model -> model.int64(OnnxProto.Model.GRAPH, 3)); // the graph as a number
    rejects(m, "graph", "wire type");
  }

  @Test
  void rejectsAFileWithoutGraphOrStandardOpset() {
    rejects(ProtoModels.bytes(new ProtoMessage().int64(OnnxProto.Model.IR_VERSION, 8)), "no graph");
    ProtoModels.Model m = new ProtoModels.Model();
    m.opsets.set(0, opset("com.example", 1));
    rejects(m, "imports no standard ONNX operator set");
    ProtoModels.Model future = new ProtoModels.Model();
    future.opsets.set(0, opset("", 99));
    rejects(future, "opset 99 is not supported");
  }

  @Test
  void rejectsExternalData() {
    ProtoModels.Model m = new ProtoModels.Model();
    ProtoMessage w = tensor("w", FLOAT, new long[] {2}, null)
        .message(OnnxProto.Tensor.EXTERNAL_DATA, new ProtoMessage().string(OnnxProto.Entry.KEY, "location")
            .string(OnnxProto.Entry.VALUE, "weights.bin"))
        .int32(OnnxProto.Tensor.DATA_LOCATION, OnnxProto.Tensor.DATA_LOCATION_EXTERNAL);
    m.initializers.set(0, w);
    rejects(m, "initializer 'w'", "external file");
  }

  @Test
  void rejectsSparseInitializers() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.graphFields.add(g -> g.message(OnnxProto.Graph.SPARSE_INITIALIZER, new ProtoMessage()
        .message(1, floatTensor("values", new long[] {1}, 1f))));
    rejects(m, "sparse initializer");
  }

  @Test
  void rejectsAnInitializerSmallerThanItsShape() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.initializers.set(0, floatTensor("w", new long[] {2}, 1f)); // 4 bytes for 2 floats
    rejects(m, "initializer 'w'", "needs 8 bytes of raw_data, has 4");
    ProtoModels.Model typed = new ProtoModels.Model();
    typed.initializers.set(0, tensor("w", FLOAT, new long[] {2}, null).float32(OnnxProto.Tensor.FLOAT_DATA, 1f));
    rejects(typed, "initializer 'w'", "needs 2 values, has 1 in float_data");
    ProtoModels.Model empty = new ProtoModels.Model();
    empty.initializers.set(0, tensor("w", FLOAT, new long[] {2}, null));
    rejects(empty, "initializer 'w'", "no raw_data");
  }

  @Test
  void rejectsAbsurdNegativeAndOverflowingDims() {
    ProtoModels.Model negative = new ProtoModels.Model();
    negative.initializers.set(0, tensor("w", FLOAT, new long[] {-2}, new byte[0]));
    rejects(negative, "initializer 'w'", "dimension -2");
    ProtoModels.Model huge = new ProtoModels.Model();
    huge.initializers.set(0, tensor("w", FLOAT, new long[] {1L << 40}, new byte[0]));
    rejects(huge, "initializer 'w'", "dimension 1099511627776");
    ProtoModels.Model overflow = new ProtoModels.Model();
    overflow.initializers.set(0, tensor("w", FLOAT, new long[] {1 << 20, 1 << 20, 1 << 20}, new byte[0]));
    rejects(overflow, "initializer 'w'", "too many elements");
    ProtoModels.Model input = new ProtoModels.Model();
    input.inputs.set(0, valueInfo("x", FLOAT, 1, -5));
    rejects(input, "graph input 'x'", "dimension -5");
  }

  @Test
  void rejectsDuplicateNames() {
    ProtoModels.Model inits = new ProtoModels.Model();
    inits.initializers.add(floatTensor("w", new long[] {2}, 3, 4));
    rejects(inits, "initializer 'w' is defined twice");
    ProtoModels.Model outputs = new ProtoModels.Model();
    outputs.nodes.add(node("add2", "Add", List.of("x", "w"), List.of("y")));
    rejects(outputs, "node 'add2' (Add)", "'y' is already produced by node 'add'");
    ProtoModels.Model nodes = new ProtoModels.Model();
    nodes.nodes.add(node("add", "Relu", List.of("y"), List.of("z")));
    rejects(nodes, "two nodes are named 'add'");
    ProtoModels.Model inputs = new ProtoModels.Model();
    inputs.inputs.add(valueInfo("x", FLOAT, 1, 2));
    rejects(inputs, "graph input 'x' is declared twice");
  }

  @Test
  void rejectsUnsupportedOpsNamingNodeOpAndTheSupportedOnes() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.nodes.add(node("fancy", "NonMaxSuppression", List.of("y"), List.of("z")));
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class, () -> OnnxReader.read(m.build(), "bad.onnx"));
    assertEquals("NonMaxSuppression", e.opType());
    assertEquals("fancy", e.nodeName());
    assertTrue(e.getMessage().startsWith("bad.onnx: node 'fancy' (NonMaxSuppression): unsupported operator"), e.getMessage());
    assertTrue(e.getMessage().contains("Conv, ") && e.getMessage().contains("BatchNormalization"), e.getMessage());
  }

  @Test
  void rejectsCallsToLocalFunctionsAndUnknownDomains() {
    ProtoModels.Model fn = new ProtoModels.Model();
    ProtoMessage call = new ProtoMessage().string(OnnxProto.Node.INPUT, "y").string(OnnxProto.Node.OUTPUT, "z")
        .string(OnnxProto.Node.NAME, "call").string(OnnxProto.Node.OP_TYPE, "MyBlock")
        .string(OnnxProto.Node.DOMAIN, "pkg.local");
    fn.nodes.add(call);
    fn.opsets.add(opset("pkg.local", 1));
    fn.modelFields.add(model -> model.message(OnnxProto.Model.FUNCTIONS, new ProtoMessage()
        .string(OnnxProto.Function.NAME, "MyBlock").string(OnnxProto.Function.DOMAIN, "pkg.local")));
    rejects(fn, "node 'call' (MyBlock)", "model-local function 'pkg.local:MyBlock'");

    ProtoModels.Model domain = new ProtoModels.Model();
    domain.nodes.add(call);
    rejects(domain, "node 'call' (MyBlock)", "domain 'pkg.local', which the model does not import");
  }

  @Test
  void rejectsSubgraphAttributes() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.nodes.add(node("c", "Constant", List.of(), List.of("c"),
        attr("then_branch").message(OnnxProto.Attr.G, new ProtoMessage()).int32(OnnxProto.Attr.TYPE, 5)));
    rejects(m, "node 'c' (Constant): attribute 'then_branch'", "holds a graph");
  }

  @Test
  void rejectsAnInvalidGraphNamingTheNode() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.nodes.add(node("relu", "Relu", List.of("nowhere"), List.of("z")));
    rejects(m, "node 'relu' (Relu)", "input 'nowhere'");
  }

  @Test
  void namesTheFileWhenReadingFromAPath(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("broken.onnx");
    Files.write(file, Arrays.copyOf(new ProtoModels.Model().build(), 20));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Onnx.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    ModelFormatException missing = assertThrows(ModelFormatException.class, () -> Onnx.read(dir.resolve("none.onnx")));
    assertTrue(missing.getMessage().contains("none.onnx: no such file"), missing.getMessage());
  }
}
