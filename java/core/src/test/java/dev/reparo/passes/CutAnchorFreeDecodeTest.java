package dev.reparo.passes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Fixture;
import dev.reparo.testing.Ort;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decode cut off Ultralytics' decoded anchor-free heads. The oracle for what the cut graph
 * computes is PyTorch: tools/real/ultralytics_fixtures.py saved the head's raw per-scale outputs
 * (box distributions and class logits) for the YOLOv8 fixture, which ONNX Runtime running the cut
 * graph must reproduce. Detection-level equivalence on ncnn is tested in java/ncnn
 * (RawHeadCutOnNcnnTest).
 */
class CutAnchorFreeDecodeTest {
  static Fixture fixture(String name) {
    return Fixture.all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }

  /** The fixture's graph after the deploy pipeline, as conversion has it before the cut. */
  static Graph deployed(String name) throws IOException {
    Graph g = Onnx.read(fixture(name).model());
    Pipelines.deploy().run(g);
    return g;
  }

  static PassLog cut(Graph g) {
    PassLog log = new PassLog();
    new CutAnchorFreeDecode().run(g, log);
    return log;
  }

  @ParameterizedTest
  @ValueSource(strings = {"ultralytics_yolov8t-default-onnx18", "ultralytics_yolov8t_repc3-default-onnx18",
      "ultralytics_yolo11t-default-onnx18", "ultralytics_yolov8t_repc3-training-torchscript17",
      "ultralytics_yolo26t-default-onnx18"})
  void cutsEveryUltralyticsDecodedHeadToBoxAndClassOutputsPerStride(String name) throws IOException {
    Graph g = deployed(name);
    long sigmoids = TestGraphs.count(g, "Sigmoid");
    PassLog log = cut(g);
    assertEquals(List.of(), log.refusedSites(), name);
    assertEquals(1, log.rewritten().size());
    int bins = name.contains("yolo26") ? 1 : 16; // YOLO26 regresses plain distances
    List<String> shapes = g.outputs().stream().map(o -> Arrays.toString(o.shape().toArray())).toList();
    int box = 4 * bins;
    assertEquals(List.of("[1, " + box + ", 40, 40]", "[1, 6, 40, 40]", "[1, " + box + ", 20, 20]", "[1, 6, 20, 20]",
        "[1, " + box + ", 10, 10]", "[1, 6, 10, 10]"), shapes);
    assertEquals(List.of("box_stride8", "cls_stride8", "box_stride16", "cls_stride16", "box_stride32", "cls_stride32"),
        g.outputs().stream().map(ValueInfo::name).toList());
    assertEquals("[8, 16, 32]", g.metadata().get("strides"));
    assertEquals("yolov8-raw", g.metadata().get("head_layout"));
    assertEquals(sigmoids - 1, TestGraphs.count(g, "Sigmoid"), "the class scores' Sigmoid is gone");
    assertTrue(g.nodes().stream().noneMatch(n -> n.name().contains("/dfl/")), "the DFL is gone");
    PassLog dead = new PassLog();
    new EliminateDeadNodes().run(g, dead);
    assertTrue(!dead.changedGraph(), "no node of the decode is left behind");
    PassLog again = cut(g);
    assertTrue(!again.changedGraph() && again.refusedSites().isEmpty(), "a cut graph is left alone");
  }

  @Test
  void cutGraphOnOnnxRuntimeGivesPyTorchsRawHeadOutputs() throws IOException {
    Fixture f = fixture("ultralytics_yolov8t-default-onnx18");
    Graph g = deployed(f.name());
    cut(g);
    Map<String, Tensor> got = Ort.run(OnnxWriter.toBytes(g), Map.of(f.inputName(), f.input()));
    List<Tensor> outputs = new ArrayList<>(got.values());
    assertEquals(6, outputs.size());
    double atol = f.tolerance("atol");
    for (int s = 0; s < 3; s++) {
      // PyTorch's raw output of a stride is [1, 64 + 6, H, W]: the box output's channels, then the classes'.
      Tensor want = Npy.read(f.dir().resolve("raw_" + s + ".npy"));
      Tensor box = outputs.get(2 * s);
      Tensor cls = outputs.get(2 * s + 1);
      assertArrayEquals(new int[] {1, 64, want.dim(2), want.dim(3)}, box.shape());
      assertArrayEquals(new int[] {1, 6, want.dim(2), want.dim(3)}, cls.shape());
      float[] have = new float[want.size()];
      System.arraycopy(box.data(), 0, have, 0, box.size());
      System.arraycopy(cls.data(), 0, have, box.size(), cls.size());
      double worst = 0;
      for (int i = 0; i < want.size(); i++) {
        worst = Math.max(worst, Math.abs(want.data()[i] - have[i]) / (1 + Math.abs(want.data()[i])));
      }
      assertTrue(worst < atol, "stride output " + s + ": worst relative error " + worst);
    }
  }

  @Test
  void refusesAYolov5DecodedHeadNamingWhatDidNotMatch() throws IOException {
    Graph g = deployed("yolov5_export-default-onnx18");
    List<ValueInfo> outputsBefore = g.outputs();
    int nodesBefore = g.nodes().size();
    PassLog log = cut(g);
    assertEquals(1, log.refusedSites().size());
    String reason = log.refusedSites().get(0).reason();
    assertTrue(g.nodes().stream().anyMatch(n -> reason.contains("'" + GraphQueries.label(n) + "'")),
        "the reason names the node that did not fit: " + reason);
    assertTrue(reason.contains("axis 1"), reason);
    assertEquals(outputsBefore, g.outputs(), "a refused graph keeps its outputs");
    assertEquals(nodesBefore, g.nodes().size());
  }

  @Test
  void refusesAnchorPointsThatAreNotCellCentres() throws IOException {
    Graph g = deployed("ultralytics_yolov8t-default-onnx18");
    Node lt = g.nodes().stream().filter(n -> n.opType().equals("Sub")
        && GraphQueries.floatConstant(g, n.input(0)) != null).findFirst().orElseThrow();
    Tensor points = GraphQueries.floatConstant(g, lt.input(0));
    float[] shifted = points.data().clone();
    shifted[5] += 0.25f;
    String name = g.uniqueName("shifted_points");
    g.putInitializer(name, Tensor.of(shifted, points.shape()));
    g.replaceNode(lt, lt.withInputs(List.of(name, lt.input(1))));
    PassLog log = cut(g);
    assertEquals(1, log.refusedSites().size());
    String reason = log.refusedSites().get(0).reason();
    assertTrue(reason.contains("anchor point 5") && reason.contains(GraphQueries.label(lt)), reason);
    assertEquals(1, g.outputs().size());
  }

  @Test
  void refusesADflProjectionThatIsNotTheBinIndices() throws IOException {
    Graph g = deployed("ultralytics_yolov8t-default-onnx18");
    Node dfl = g.nodes().stream().filter(n -> n.opType().equals("Conv")
        && GraphQueries.floatConstant(g, n.input(1)).shape()[0] == 1).findFirst().orElseThrow();
    Tensor w = GraphQueries.floatConstant(g, dfl.input(1));
    float[] scaled = w.data().clone();
    scaled[3] = 3.5f;
    g.putInitializer(dfl.input(1), Tensor.of(scaled, w.shape()));
    PassLog log = cut(g);
    String reason = log.refusedSites().get(0).reason();
    assertTrue(reason.contains(GraphQueries.label(dfl)) && reason.contains("0..15"), reason);
  }
}
