package dev.reparo.format.ncnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnWriter.WeightStorage;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.InvalidGraphException;
import dev.reparo.graph.Node;
import dev.reparo.graph.OpSchema;
import dev.reparo.graph.Shape;
import dev.reparo.graph.UnsupportedOpException;
import dev.reparo.graph.ValueInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NcnnWriterTest {
  /** x [1,2,4,4] -> Split -> {Convolution 3x3 (bias, ReLU folded), BatchNorm} -> Concat -> Slice. */
  static Graph smallNet() {
    Graph g = new Graph("small", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 2, 4, 4));
    float[] w = new float[3 * 2 * 9];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 7 - 3) * 0.25f;
    }
    g.putInitializer("conv.w", Tensor.of(w, 3, 2, 3, 3));
    g.putInitializer("conv.b", Tensor.of(new float[] {0.5f, -1f, 2f}, 3));
    for (String p : List.of("bn.slope", "bn.mean", "bn.var", "bn.bias")) {
      g.putInitializer(p, Tensor.of(new float[] {1.5f, 0.25f}, 2));
    }
    g.addNode(layer("Split", "split").inputs("x").outputs("x0", "x1").build());
    g.addNode(layer("Convolution", "conv").inputs("x0", "conv.w", "conv.b").outputs("c")
        .intAttr("0", 3).intAttr("1", 3).intAttr("4", 1).intAttr("5", 1).intAttr("6", w.length)
        .intAttr("9", 3).floatsAttr("10", 0f, 6f).build());
    g.addNode(layer("BatchNorm", "bn").inputs("x1", "bn.slope", "bn.mean", "bn.var", "bn.bias")
        .outputs("b").intAttr("0", 2).floatAttr("1", 1e-5f).build());
    g.addNode(layer("Concat", "cat").inputs("c", "b").outputs("y").intAttr("0", 0).build());
    g.addNode(layer("Slice", "slice").inputs("y").outputs("y0", "y1").intsAttr("0", 1, 4).intAttr("1", 0).build());
    g.addOutput(new ValueInfo("y0", DataType.FLOAT, Shape.unknown()));
    g.addOutput(new ValueInfo("y1", DataType.FLOAT, Shape.unknown()));
    return g;
  }

  static Node.Builder layer(String type, String name) {
    return Node.builder(type).domain(OpSchema.NCNN_DOMAIN).name(name);
  }

  @Test
  void writesLayersBlobsAndParamsInNcnnSyntax() {
    NcnnFiles f = NcnnWriter.render(smallNet(), WeightStorage.FP32);
    List<String> lines = f.param().lines().map(l -> l.replaceAll("\\s+", " ")).toList();
    assertEquals(List.of(
        "7767517",
        "6 8",
        "Input x 0 1 x 0=4 1=4 2=2",
        "Split split 1 2 x x0 x1",
        "Convolution conv 1 1 x0 c 0=3 1=3 4=1 5=1 6=54 9=3 -23310=2,0.0,6.0",
        "BatchNorm bn 1 1 x1 b 0=2 1=1.0E-5",
        "Concat cat 2 1 c b y 0=0",
        "Slice slice 1 2 y y0 y1 -23300=2,1,4 1=0"), lines);
    // conv: tag + 54 weights + 3 biases; bn: 4 x 2 raw floats
    assertEquals(4 + 54 * 4 + 3 * 4 + 8 * 4, f.bin().length);
    ByteBuffer b = ByteBuffer.wrap(f.bin()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, b.getInt(0));
    assertEquals(-0.75f, b.getFloat(4));
    assertEquals(0.5f, b.getFloat(4 + 54 * 4));
    // the text parses as ncnn param and checks out
    NcnnParam p = NcnnParam.parse(f.param(), "small.param");
    assertEquals(List.of("y0", "y1"), p.unconsumedBlobs());
  }

  @Test
  void fp16StorageTagsAndPadsKernelsButKeepsBiasesFloat() {
    NcnnFiles f = NcnnWriter.render(smallNet(), WeightStorage.FP16);
    ByteBuffer b = ByteBuffer.wrap(f.bin()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x01306B47, b.getInt(0));
    assertEquals(4 + 108 + 3 * 4 + 8 * 4, f.bin().length); // 54 halfs = 108 bytes, already aligned
    assertEquals(-0.75f, Float16.toFloat(b.getShort(4)));
    assertEquals(0.5f, b.getFloat(4 + 108));
  }

  @Test
  void readingBackAndWritingAgainGivesTheSameBytes() {
    for (WeightStorage storage : WeightStorage.values()) {
      NcnnFiles first = NcnnWriter.render(smallNet(), storage);
      Graph read = NcnnReader.read(first.param(), first.bin(), "small.param", "small.bin");
      assertEquals(List.of("x"), read.inputs().stream().map(ValueInfo::name).toList());
      assertEquals(Shape.of(1, 2, 4, 4), read.inputs().get(0).shape());
      Node conv = read.nodes().stream().filter(n -> n.name().equals("conv")).findFirst().orElseThrow();
      assertArrayEquals(new float[] {0f, 6f}, conv.attrFloats("10"));
      assertEquals(3, conv.inputs().size());
      NcnnFiles second = NcnnWriter.render(read, storage);
      assertEquals(first.param(), second.param());
      assertArrayEquals(first.bin(), second.bin(), storage + " bin differs");
    }
  }

  @Test
  void readerRejectsTruncatedAndOversizedWeights() {
    NcnnFiles f = NcnnWriter.render(smallNet(), WeightStorage.FP32);
    byte[] cut = Arrays.copyOf(f.bin(), f.bin().length - 4);
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> NcnnReader.read(f.param(), cut, "m.param", "m.bin"));
    assertTrue(e.getMessage().startsWith("m.bin: truncated"), e.getMessage());
    byte[] extra = Arrays.copyOf(f.bin(), f.bin().length + 8);
    e = assertThrows(ModelFormatException.class, () -> NcnnReader.read(f.param(), extra, "m.param", "m.bin"));
    assertTrue(e.getMessage().contains("8 bytes left over"), e.getMessage());
  }

  @Test
  void unloweredNodeIsAnUnsupportedOpNamingIt() {
    Graph g = smallNet();
    g.addNode(Node.builder("Relu").name("stray").inputs("y1").outputs("z").build());
    UnsupportedOpException e = assertThrows(UnsupportedOpException.class,
        () -> NcnnWriter.render(g, WeightStorage.FP32));
    assertEquals("stray", e.nodeName());
    assertEquals("Relu", e.opType());
  }

  @Test
  void blobReadTwiceWithoutSplitIsRefused() {
    Graph g = smallNet();
    g.addNode(layer("ReLU", "again").inputs("y1").outputs("z").build());
    g.addNode(layer("ReLU", "twice").inputs("y1").outputs("z2").build());
    InvalidGraphException e = assertThrows(InvalidGraphException.class,
        () -> NcnnWriter.render(g, WeightStorage.FP32));
    assertTrue(e.getMessage().contains("'y1'"), e.getMessage());
  }

  @Test
  void weightsThatDisagreeWithTheParamsAreRefused() {
    Graph g = smallNet();
    g.putInitializer("conv.b", Tensor.of(new float[] {1f, 2f}, 2));
    InvalidGraphException e = assertThrows(InvalidGraphException.class,
        () -> NcnnWriter.render(g, WeightStorage.FP32));
    assertTrue(e.getMessage().startsWith("node 'conv' (Convolution): its bias has 2 values"), e.getMessage());
  }

  @Test
  void writesBothFilesAtomicallyAndNothingOnFailure(@TempDir Path dir) throws Exception {
    Path param = dir.resolve("m.param");
    Path bin = dir.resolve("m.bin");
    NcnnFiles f = NcnnWriter.write(smallNet(), param, bin, WeightStorage.FP32);
    assertEquals(f.param(), Files.readString(param));
    assertArrayEquals(f.bin(), Files.readAllBytes(bin));
    Graph read = NcnnReader.read(param, bin);
    assertEquals(5, read.nodes().size());

    Graph bad = smallNet();
    bad.addNode(Node.builder("Relu").name("stray").inputs("y1").outputs("z").build());
    Path param2 = dir.resolve("n.param");
    assertThrows(UnsupportedOpException.class, () -> NcnnWriter.write(bad, param2, dir.resolve("n.bin"), WeightStorage.FP32));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("m.bin", "m.param"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertFalse(Files.exists(param2));
  }
}
