package dev.reparo.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.Reparo;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.testing.Ort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxWriterTest {
  /** y = relu(x * scale) reshaped to [batch, 6], with metadata and oddly named values. */
  private static Graph graph() {
    Graph g = new Graph("my graph", 17);
    g.setIrVersion(8);
    g.putMetadata("names", "{0: 'person', 1: 'bicycle'}");
    g.putMetadata("stride", "32");
    g.setOpsetImport("com.example.unused", 2);
    g.addInput(new ValueInfo("images:0", DataType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.of(2), Dim.of(3)))));
    g.putInitializer("scale", Tensor.of(new float[] {1, -2, 3}, 3));
    g.putInitializer("new_shape", LongTensor.vector(0, 6));
    g.putInitializer("flags", LongTensor.of(DataType.BOOL, new long[] {1, 0}, 2));
    g.putInitializer("small", LongTensor.of(DataType.INT32, new long[] {-5}, 1));
    g.addNode(Node.builder("Mul").name("mul").inputs("images:0", "scale").outputs("scaled").build());
    g.addNode(Node.builder("LeakyRelu").name("act").inputs("scaled").outputs("act").floatAttr("alpha", 0.25f).build());
    g.addNode(Node.builder("Reshape").name("flatten/Reshape").inputs("act", "new_shape").outputs("output 0")
        .intAttr("allowzero", 0).build());
    g.addOutput(new ValueInfo("output 0", DataType.FLOAT, Shape.of(List.of(Dim.symbolic("batch"), Dim.of(6)))));
    return g;
  }

  @Test
  void preservesNamesMetadataOpsetsAndValuesAcrossARoundTrip() {
    Graph g = graph();
    Graph back = OnnxReader.read(OnnxWriter.toBytes(g), "round trip");
    assertEquals("my graph", back.name());
    assertEquals(g.metadata(), back.metadata());
    assertEquals(List.copyOf(g.metadata().keySet()), List.copyOf(back.metadata().keySet()));
    assertEquals(g.opsetImports(), back.opsetImports());
    assertEquals(g.inputs(), back.inputs());
    assertEquals(g.outputs(), back.outputs());
    assertEquals(g.nodes(), back.nodes());
    assertArrayEquals(g.initializer("scale").data(), back.initializer("scale").data());
    assertEquals(g.longInitializers(), back.longInitializers());
    assertEquals("reparo", back.producerName());
    assertEquals(Reparo.version(), back.producerVersion());
  }

  @Test
  void writesEveryAttributeKind() {
    Graph g = new Graph("consts", 17);
    g.addNode(Node.builder("Constant").name("f").outputs("f").floatAttr("value_float", -1.5f).build());
    g.addNode(Node.builder("Constant").name("i").outputs("i").intAttr("value_int", Long.MIN_VALUE).build());
    g.addNode(Node.builder("Constant").name("s").outputs("s").stringAttr("value_string", "ünïcode").build());
    g.addNode(Node.builder("Constant").name("t").outputs("t").tensorAttr("value", Tensor.of(new float[] {2, 3}, 1, 2)).build());
    g.addNode(Node.builder("Constant").name("fs").outputs("fs").floatsAttr("value_floats", 1, Float.NaN).build());
    g.addNode(Node.builder("Constant").name("is").outputs("is").intsAttr("value_ints", -1, 1L << 40).build());
    g.addNode(Node.builder("Constant").name("ss").outputs("ss").attr(Attribute.strings("value_strings", List.of("x", ""))).build());
    g.addNode(Node.builder("Constant").name("lt").outputs("lt").tensorAttr("value", LongTensor.scalar(7)).build());
    g.addOutput(ValueInfo.unknown("f"));
    Graph back = OnnxReader.read(OnnxWriter.toBytes(g), "attributes");
    assertEquals(g.nodes(), back.nodes());
  }

  @Test
  void onnxRuntimeRunsTheModelAndSeesItsMetadata(@TempDir Path dir) throws OrtException {
    Path file = dir.resolve("model.onnx");
    Onnx.write(graph(), file);
    try (OrtSession session = OrtEnvironment.getEnvironment().createSession(file.toString())) {
      OnnxModelMetadata meta = session.getMetadata();
      assertEquals("reparo", meta.getProducerName());
      assertEquals("my graph", meta.getGraphName());
      assertEquals(Map.of("names", "{0: 'person', 1: 'bicycle'}", "stride", "32"), meta.getCustomMetadata());
      assertEquals(List.of("images:0"), List.copyOf(session.getInputNames()));
      assertEquals(List.of("output 0"), List.copyOf(session.getOutputNames()));
    }
    Map<String, Tensor> out = Ort.run(OnnxWriter.toBytes(graph()),
        Map.of("images:0", Tensor.of(new float[] {1, 1, 1, -1, -1, -1}, 1, 2, 3)));
    assertArrayEquals(new float[] {1, -0.5f, 3, -0.25f, 2, -0.75f}, out.get("output 0").data());
    assertArrayEquals(new int[] {1, 6}, out.get("output 0").shape());
  }

  @Test
  void raisesTheIrVersionToWhatTheOpsetNeeds() {
    Graph g = graph();
    g.setIrVersion(3);
    g.setOpset(20);
    assertEquals(9, OnnxReader.read(OnnxWriter.toBytes(g), "ir").irVersion());
  }

  @Test
  void replacesAnExistingFileAndLeavesNoTemporaryFiles(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("out.onnx");
    Files.writeString(file, "old contents");
    Onnx.write(graph(), file);
    assertEquals(graph().nodes(), Onnx.read(file).nodes());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList());
    }
  }

  @Test
  void aFailedWriteLeavesNoPartialFile(@TempDir Path dir) throws IOException {
    Path target = dir.resolve("model.onnx");
    Files.createDirectory(target); // a directory where the file should go: the rename must fail
    Files.writeString(target.resolve("keep.txt"), "x");
    ReparoException e = assertThrows(ReparoException.class, () -> Onnx.write(graph(), target));
    assertTrue(e.getMessage().startsWith(target.toString()), e.getMessage());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList());
    }
    assertTrue(Files.isRegularFile(target.resolve("keep.txt")));
  }
}
