package dev.reparo.onnx;

import static dev.reparo.onnx.ProtoModels.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.format.ncnn.NcnnWriter;
import dev.reparo.graph.Graph;
import dev.reparo.graph.ShapeInference;
import dev.reparo.passes.Pipelines;
import dev.reparo.passes.ncnn.NcnnLowering;
import dev.reparo.testing.Fixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ONNX files that are damaged or malicious beyond what {@link OnnxReaderTest} covers one field at a
 * time: cycles through the reader, nesting bombs, and a seeded sweep of bit flips, byte
 * overwrites and truncations of a real exported model pushed through the whole conversion. Every
 * outcome must be a converted model or a {@link ReparoException}; anything else escaping is a bug.
 */
class HostileOnnxTest {
  @Test
  void cycleIsRefusedNamingANodeOnIt() {
    ProtoModels.Model m = new ProtoModels.Model();
    m.nodes.clear();
    m.nodes.add(node("a", "Add", List.of("x", "b_out"), List.of("a_out")));
    m.nodes.add(node("b", "Relu", List.of("a_out"), List.of("b_out")));
    m.nodes.add(node("c", "Relu", List.of("a_out"), List.of("y")));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxReader.read(m.build(), "cyc.onnx"));
    assertTrue(e.getMessage().startsWith("cyc.onnx: "), e.getMessage());
    assertTrue(e.getMessage().contains("cycle"), e.getMessage());
    assertTrue(e.getMessage().contains("node 'a'") || e.getMessage().contains("node 'b'"), e.getMessage());
  }

  @Test
  void nestingBombIsRefusedNotAStackOverflow() {
    // 200 000 nested protobuf groups in an unknown field, inside the graph and at the top level
    ByteArrayOutputStream groups = new ByteArrayOutputStream();
    for (int i = 0; i < 200_000; i++) {
      groups.write(0x9B); // tag of field 99, wire type 3 (start group), as a varint
      groups.write(0x06);
    }
    byte[] top = groups.toByteArray();
    ByteArrayOutputStream inGraph = new ByteArrayOutputStream();
    inGraph.write(0x3A); // ModelProto.graph, length-delimited
    for (int len = top.length; ; len >>>= 7) {
      if (len < 0x80) {
        inGraph.write(len);
        break;
      }
      inGraph.write((len & 0x7f) | 0x80);
    }
    inGraph.writeBytes(top);
    for (byte[] bomb : List.of(top, inGraph.toByteArray())) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxReader.read(bomb, "bomb.onnx"));
      assertTrue(e.getMessage().startsWith("bomb.onnx: not a valid ONNX model"), e.getMessage());
    }
  }

  @Test
  void damagedRealModelsConvertOrFailWithReparoExceptions() throws IOException {
    Fixture fixture = Fixture.all().stream().filter(f -> f.name().equals("repvgg_block-training-torchscript17"))
        .findFirst().orElseThrow();
    byte[] original = Files.readAllBytes(fixture.dir().resolve("model.onnx"));
    Random random = new Random(20261125);
    int converted = 0;
    int refused = 0;
    List<String> escaped = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] damaged = original.clone();
      String how;
      switch (i % 3) {
        case 0 -> {
          int at = random.nextInt(damaged.length);
          int bit = random.nextInt(8);
          damaged[at] ^= (byte) (1 << bit);
          how = "bit " + bit + " of byte " + at + " flipped";
        }
        case 1 -> {
          int at = random.nextInt(damaged.length);
          damaged[at] = (byte) random.nextInt(256);
          how = "byte " + at + " set to " + (damaged[at] & 0xff);
        }
        default -> {
          int keep = random.nextInt(damaged.length);
          damaged = Arrays.copyOf(damaged, keep);
          how = "truncated to " + keep + " bytes";
        }
      }
      try {
        Graph g = OnnxReader.read(damaged, "damaged.onnx");
        Pipelines.deploy().run(g);
        ShapeInference.infer(g);
        OnnxWriter.toBytes(g);
        NcnnLowering.lower(g);
        NcnnWriter.render(g, NcnnWriter.WeightStorage.FP32);
        converted++;
      } catch (ReparoException e) {
        refused++;
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        escaped.add(how + ": " + e);
      }
    }
    assertEquals(List.of(), escaped);
    assertTrue(converted > 0 && refused > 0, converted + " converted, " + refused + " refused");
  }
}
