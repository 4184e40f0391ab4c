package dev.reparo.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.graph.Dim;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models exported with a dynamic batch convert (as a batch of 1) and keep it in their fused ONNX. */
class DynamicBatchTest {
  private static Graph fixture(Path dir) throws Exception {
    Path onnx = dir.resolve("fixture.onnx");
    try (InputStream in = DynamicBatchTest.class.getResourceAsStream("/fixtures/repvgg_stack-training-torchscript11/model.onnx")) {
      Files.copy(in, onnx, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return Onnx.read(onnx);
  }

  private static Path withFirst(Graph g, Dim first, Path file) {
    List<ValueInfo> outs = new ArrayList<>();
    for (ValueInfo o : g.outputs()) {
      outs.add(first(o, first));
    }
    g.setInputs(List.of(first(g.inputs().get(0), first)));
    g.setOutputs(outs);
    Onnx.write(g, file);
    return file;
  }

  private static ValueInfo first(ValueInfo v, Dim first) {
    List<Dim> dims = new ArrayList<>(v.shape().dims());
    dims.set(0, first);
    return v.withShape(Shape.of(dims));
  }

  @Test
  void aSymbolicOrUnknownBatchConvertsAsOneAndStaysDynamicInTheFusedOnnx(@TempDir Path dir) throws Exception {
    ModelConverter.Result fixed = ModelConverter.convert(withFirst(fixture(dir), Dim.of(1), dir.resolve("one.onnx")),
        dir.resolve("one"), false);
    for (Dim batch : List.of(Dim.symbolic("N"), Dim.unknown())) {
      Path onnx = withFirst(fixture(dir), batch, dir.resolve("dyn-" + batch + ".onnx"));
      DeployedModel m = ModelConverter.convert(onnx, dir.resolve("dyn-" + batch), false).model();
      assertEquals(-1, m.inputShape()[0]);
      assertArrayEquals(new long[] {3, 64, 64}, java.util.Arrays.copyOfRange(m.inputShape(), 1, 4));
      Graph fused = Onnx.read(m.file(Artefact.ONNX));
      assertEquals(batch, fused.inputs().get(0).shape().dim(0));
      assertEquals(batch, fused.outputs().get(0).shape().dim(0));
      // ncnn's graph is the batch-1 conversion's, byte for byte.
      assertArrayEquals(Files.readAllBytes(fixed.model().file(Artefact.NCNN_PARAM)),
          Files.readAllBytes(m.file(Artefact.NCNN_PARAM)), "ncnn param for batch " + batch);
      assertArrayEquals(fixed.model().outputShapes().get(0), m.outputShapes().get(0));
    }
  }

  @Test
  void aKnownBatchIsLeftAlone(@TempDir Path dir) throws Exception {
    Graph g = fixture(dir);
    ValueInfo before = g.inputs().get(0);
    assertTrue(before.shape().dim(0).isKnown());
    assertNull(DynamicBatch.pin(g));
    assertEquals(before, g.inputs().get(0));
  }
}
