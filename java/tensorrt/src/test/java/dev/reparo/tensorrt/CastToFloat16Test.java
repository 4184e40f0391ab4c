package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.Tensor;
import dev.reparo.backend.Artefact;
import dev.reparo.backend.DeployedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.format.npy.Npy;
import dev.reparo.graph.Attribute;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.LongTensor;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import dev.reparo.graph.ShapeInference;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FP16 rewrite. Each rewritten graph is loaded by ONNX Runtime, whose graph resolution applies
 * ONNX's type inference with its type constraints (a float16 value meeting a float32 one at an op
 * fails the load), and run on its CPU provider next to the float32 graph. That provider folds the
 * weights' Casts (so weights really are rounded to float16) and runs in float16 the ops it has
 * float16 kernels for; around the others it inserts Casts to float32 and then drops cast pairs, so
 * activations may stay float32 there. The numbers therefore bound the rewrite's own error (weight
 * rounding, misplaced casts), not half-precision arithmetic or TensorRT's kernels; the GPU test
 * measures those.
 */
class CastToFloat16Test {
  static final Path FIXTURES = Path.of(System.getProperty("reparo.fixtures"));
  static final Path FIXTURE = FIXTURES.resolve("yolov5lite_g-default-torchscript17-raw");
  static final Path DECODED = FIXTURES.resolve("yolov5lite_e-default-torchscript11-decoded");

  /** Runs {@code g} on ONNX Runtime's CPU provider: every float output by name. */
  static Map<String, float[]> run(Graph g, float[] x, long... shape) throws OrtException {
    return run(OnnxWriter.toBytes(g), g.inputs().get(0).name(), x, shape);
  }

  /** Runs ONNX bytes on ONNX Runtime's CPU provider: every float output by name. */
  static Map<String, float[]> run(byte[] onnx, String input, float[] x, long... shape) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, float[]> out = new LinkedHashMap<>();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        OrtSession s = env.createSession(onnx, so);
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
        OrtSession.Result r = s.run(Map.of(input, in))) {
      for (Map.Entry<String, OnnxValue> e : r) {
        FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
        if (b != null) {
          float[] v = new float[b.remaining()];
          b.get(v);
          out.put(e.getKey(), v);
        }
      }
    }
    return out;
  }

  static float maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    float m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  static float maxAbs(float[] a) {
    float m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  static DataType typeOf(Graph g, String value) {
    return ShapeInference.infer(g).info(value).type();
  }

  /** Every float value entering a non-Cast node (except float-only inputs) has one type per node. */
  static void assertOneFloatTypePerNode(Graph g) {
    Map<String, ValueInfo> types = ShapeInference.infer(g).infos();
    for (Node n : g.nodes()) {
      if (n.opType().equals("Cast")) {
        continue;
      }
      Set<Integer> floatOnly = CastToFloat16.FLOAT_ONLY_INPUTS.getOrDefault(n.opType(), Set.of());
      java.util.Set<DataType> seen = new java.util.HashSet<>();
      for (int i = 0; i < n.inputs().size(); i++) {
        ValueInfo t = n.input(i).isEmpty() ? null : types.get(n.input(i));
        if (t != null && (t.type() == DataType.FLOAT || t.type() == DataType.FLOAT16) && !floatOnly.contains(i)) {
          seen.add(t.type());
        }
      }
      assertTrue(seen.size() <= 1, n + " mixes " + seen);
    }
  }

  @Test
  void aDetectorComputesInHalfWithinToleranceAndKeepsItsInterface(@TempDir Path cache) throws Exception {
    DeployedModel m = new ConversionCache(cache).deploy(FIXTURE.resolve("model.onnx"));
    Graph fp32 = Onnx.read(m.file(Artefact.ONNX));
    Map<String, Float> peaks = ActivationPeaks.of(fp32, m.inputShape());
    Graph fp16 = CastToFloat16.apply(fp32, peaks);
    assertOneFloatTypePerNode(fp16);
    assertEquals(fp32.inputs(), fp16.inputs(), "same input name and type");
    assertEquals(fp32.outputs().stream().map(ValueInfo::name).toList(),
        fp16.outputs().stream().map(ValueInfo::name).toList(), "same output names");
    long halfConvs = fp16.nodes().stream().filter(n -> n.opType().equals("Conv"))
        .filter(n -> typeOf(fp16, n.output(0)) == DataType.FLOAT16).count();
    assertEquals(fp32.nodes().stream().filter(n -> n.opType().equals("Conv")).count(), halfConvs,
        "every Conv computes in half (no output of this raw head reaches 512)");
    assertTrue(fp32.nodes().stream().noneMatch(n -> n.opType().equals("Cast")), "the source graph is untouched");

    Tensor x = Npy.read(FIXTURE.resolve("input.npy"));
    long[] shape = java.util.Arrays.stream(x.shape()).asLongStream().toArray();
    Map<String, float[]> want = run(fp32, x.data(), shape);
    Map<String, float[]> got = run(fp16, x.data(), shape);
    for (String out : want.keySet()) {
      float peak = maxAbs(want.get(out));
      float err = maxAbsDiff(want.get(out), got.get(out));
      System.out.printf("FP16 %s: max |error| %.4g on values up to %.4g%n", out, err, peak);
      assertTrue(err > 0, out + ": identical to float32, so nothing ran in half");
      // float16 keeps 11 significant bits; through ~60 layers the error grows to about 1% of the range.
      assertTrue(err <= 0.02f * peak, out + ": max error " + err + " on values up to " + peak);
    }
  }

  @Test
  void decodedBoxCoordinatesBeyond512StayFloat32(@TempDir Path cache) throws Exception {
    DeployedModel m = new ConversionCache(cache).deploy(DECODED.resolve("model.onnx"));
    Graph fp32 = Onnx.read(m.file(Artefact.ONNX));
    long[] big = {1, 3, 320, 320};
    Map<String, Float> peaks = ActivationPeaks.of(fp32, big);
    Map<String, String> islands = CastToFloat16.islands(fp32, peaks);
    System.out.println("FP32 islands: " + islands);
    assertFalse(islands.isEmpty(), "the box decode (w, h from anchors) reaches beyond 512");
    assertTrue(islands.values().stream().allMatch(w -> w.contains("limit 512")), islands.toString());
    Graph fp16 = CastToFloat16.apply(fp32, peaks);
    assertOneFloatTypePerNode(fp16);
    for (String node : islands.keySet()) {
      Node n = fp16.nodes().stream().filter(k -> k.name().equals(node)).findFirst().orElseThrow();
      assertEquals(DataType.FLOAT, typeOf(fp16, n.output(0)), node + " computes in float32");
    }
    float[] x = Npy.read(DECODED.resolve("input.npy")).data();
    float[] want = run(fp32, x, big).get("detections");
    float[] islanded = run(fp16, x, big).get("detections");
    float[] allHalf = run(CastToFloat16.apply(fp32), x, big).get("detections");
    float errIslands = coordinateError(want, islanded);
    float errHalf = coordinateError(want, allHalf);
    System.out.printf("FP16 box x/y/w/h: max |error| %.3f px with FP32 islands, %.3f px without, values up to %.1f%n",
        errIslands, errHalf, maxAbs(want));
    // float16 weights move this small model's logits by ~0.5% (see the raw-head test); w and h grow with
    // exp-like (2·sigmoid)² terms, so coordinates move by ~1% of their range (measured 1.0%).
    float peak = maxAbs(want);
    assertTrue(errIslands <= 0.015f * peak, "box coordinates within 1.5% of their range " + peak + ": " + errIslands);
  }

  /** Largest error over the x, y, w, h columns of {@code [1, N, 5 + classes]} detections. */
  static float coordinateError(float[] want, float[] got) {
    float m = 0;
    for (int i = 0; i < want.length; i += 11) {
      for (int k = 0; k < 4; k++) {
        m = Math.max(m, Math.abs(want[i + k] - got[i + k]));
      }
    }
    return m;
  }

  @Test
  void floatTypesAgreeWithShapeInferenceOnTheFixtures(@TempDir Path cache) throws Exception {
    for (Path fixture : List.of(FIXTURE, DECODED, FIXTURES.resolve("shufflenetv2_backbone-default-dynamo20"))) {
      Graph g = Onnx.read(new ConversionCache(cache).deploy(fixture.resolve("model.onnx")).file(Artefact.ONNX));
      Set<String> inferred = new java.util.HashSet<>();
      ShapeInference.infer(g).infos().forEach((k, v) -> {
        if (v.type() == DataType.FLOAT) {
          inferred.add(k);
        }
      });
      Set<String> fromRules = FloatTypes.of(g);
      for (Node n : g.nodes()) {
        for (String out : n.outputs()) {
          assertEquals(inferred.contains(out), fromRules.contains(out), fixture.getFileName() + ": " + out);
        }
      }
    }
  }

  /** x [1, 4] → out = x · w; one input, one output. */
  static Graph scale(String weightKind, float w) {
    Graph g = new Graph("scale", 17);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 4));
    switch (weightKind) {
      case "initializer" -> g.putInitializer("w", Tensor.of(new float[] {w}, 1));
      case "value_float" -> g.addNode(Node.builder("Constant").name("c").outputs("w").floatAttr("value_float", w)
          .build());
      default -> g.addNode(Node.builder("Constant").name("c").outputs("w").attr(Attribute.floats("value_floats", w))
          .build());
    }
    g.addNode(Node.builder("Sigmoid").name("s").inputs("x").outputs("sx").build());
    g.addNode(Node.builder("Mul").name("mul").inputs("sx", "w").outputs("y").build());
    g.addOutput(new ValueInfo("y", DataType.FLOAT, Shape.unknown()));
    return g;
  }

  static final float[] X4 = {-1f, 0.25f, 0.5f, 3f};

  @Test
  void constantsWithValueFloatOrValueFloatsReachHalfNodesThroughACast() throws Exception {
    for (String kind : List.of("value_float", "value_floats")) {
      Graph g = scale(kind, 3f);
      Graph fp16 = CastToFloat16.apply(g, ActivationPeaks.of(g, new long[] {1, 4}));
      assertOneFloatTypePerNode(fp16);
      assertEquals(DataType.FLOAT16, typeOf(fp16, "w_fp16"), kind);
      float err = maxAbsDiff(run(g, X4, 1, 4).get("y"), run(fp16, X4, 1, 4).get("y"));
      assertTrue(err <= 3 * 1e-3f, kind + ": " + err);
    }
  }

  @Test
  void aWeightBeyondFloat16RangeKeepsItsNodeFloat32() throws Exception {
    Graph g = scale("initializer", 1e5f);
    Map<String, Float> noPeaks = Map.of(); // the weight alone decides
    assertEquals(Map.of("mul", "weight 'w' holds 100000.0, beyond float16's 65504.0"),
        CastToFloat16.islands(g, noPeaks));
    Graph fp16 = CastToFloat16.apply(g, noPeaks);
    assertOneFloatTypePerNode(fp16);
    assertEquals(DataType.FLOAT, typeOf(fp16, "y"));
    assertEquals(DataType.FLOAT16, typeOf(fp16, "sx"), "the Sigmoid still runs in half");
    float[] want = run(g, X4, 1, 4).get("y");
    float[] got = run(fp16, X4, 1, 4).get("y");
    for (float v : got) {
      assertTrue(Float.isFinite(v), "a float16 weight of 1e5 is inf: " + java.util.Arrays.toString(got));
    }
    assertTrue(maxAbsDiff(want, got) <= 1e5f * 1e-3f, java.util.Arrays.toString(got));
  }

  @Test
  void outputsBeyond512KeepTheirNodeFloat32AndReadFloat32Inputs() throws Exception {
    Graph g = new Graph("decode", 17);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 64));
    g.putInitializer("stride", Tensor.of(new float[] {1000f}, 1));
    g.putInitializer("offset", Tensor.of(new float[] {0.3f}, 1));
    g.addNode(Node.builder("Mul").name("mul").inputs("x", "stride").outputs("m").build());
    g.addNode(Node.builder("Add").name("add").inputs("m", "offset").outputs("y").build());
    g.addNode(Node.builder("Relu").name("relu").inputs("x").outputs("r").build());
    g.addOutput(new ValueInfo("y", DataType.FLOAT, Shape.unknown()));
    g.addOutput(new ValueInfo("r", DataType.FLOAT, Shape.unknown()));
    Map<String, Float> peaks = ActivationPeaks.of(g, new long[] {1, 64});
    assertEquals(Set.of("mul", "add"), CastToFloat16.islands(g, peaks).keySet());
    Graph fp16 = CastToFloat16.apply(g, peaks);
    assertOneFloatTypePerNode(fp16);
    assertEquals(DataType.FLOAT16, typeOf(fp16, fp16.producer("r").input(0)), "Relu runs in half");
    float[] x = new float[64];
    for (int i = 0; i < x.length; i++) {
      x[i] = 0.5f + i / 128f + 1e-4f * (i % 7);
    }
    float[] want = run(g, x, 1, 64).get("y");
    float island = maxAbsDiff(want, run(fp16, x, 1, 64).get("y"));
    assertTrue(island <= 1e-3f, "island error " + island);
    Graph staticOnly = CastToFloat16.apply(g);
    assertEquals(DataType.FLOAT16, typeOf(staticOnly, staticOnly.producer("y_fp16").input(0)),
        "without the reference run the same Mul computes in half, where 500-1000 has a step of 0.5");
  }

  @Test
  void floatOnlyInputsAndOpsStayFloat32() throws Exception {
    Graph g = new Graph("nms", 17);
    g.addInput(ValueInfo.of("boxes", DataType.FLOAT, 1, 8, 4));
    g.putInitializer("scales", Tensor.of(new float[] {1, 1, 2}, 3));
    g.putInitializer("iou", Tensor.of(new float[] {0.5f}, 1));
    g.putInitializer("score", Tensor.of(new float[] {0.1f}, 1));
    g.putInitializer("max_out", LongTensor.of(new long[] {3}, 1));
    g.addNode(Node.builder("Resize").name("up").inputs("boxes", "", "scales").outputs("wide")
        .attr(Attribute.of("mode", "nearest")).build());
    g.addNode(Node.builder("ReduceMean").name("best").inputs("boxes").outputs("best_score")
        .attr(Attribute.ints("axes", 2)).intAttr("keepdims", 1).build());
    g.addNode(Node.builder("Sigmoid").name("sig").inputs("best_score").outputs("s").build());
    g.addNode(Node.builder("Transpose").name("t").inputs("s").outputs("scores").attr(Attribute.ints("perm", 0, 2, 1))
        .build());
    g.addNode(Node.builder("NonMaxSuppression").name("nms").inputs("boxes", "scores", "max_out", "iou", "score")
        .outputs("keep").build());
    g.addNode(Node.builder("ConstantOfShape").name("ones").inputs("max_out").outputs("one")
        .attr(Attribute.of("value", Tensor.of(new float[] {1f}, 1))).build());
    g.addNode(Node.builder("Add").name("plus").inputs("s", "one").outputs("s1").build());
    g.addOutput(new ValueInfo("wide", DataType.FLOAT, Shape.unknown()));
    g.addOutput(new ValueInfo("keep", DataType.INT64, Shape.unknown()));
    g.addOutput(new ValueInfo("s1", DataType.FLOAT, Shape.unknown()));
    Graph fp16 = CastToFloat16.apply(g, ActivationPeaks.of(g, new long[] {1, 8, 4}));
    // Reparo's shape inference does not know NonMaxSuppression: ONNX Runtime's load below checks the types.
    Node up = fp16.producer("wide_fp16");
    assertEquals("scales", up.input(2), "Resize scales stay float32");
    Node nms = fp16.producer("keep");
    assertEquals(List.of("boxes", "iou", "score"), List.of(nms.input(0), nms.input(3), nms.input(4)),
        "NonMaxSuppression reads float32 as it is");
    Node scores = fp16.producer(nms.input(1));
    assertEquals(List.of("Cast", (long) DataType.FLOAT.onnxCode()), List.of(scores.opType(), scores.attrInt("to", 0)),
        "its scores, computed in half, are cast back to float32");
    float[] boxes = new float[32];
    for (int i = 0; i < boxes.length; i++) {
      boxes[i] = (i * 7 % 32) / 8f;
    }
    Map<String, float[]> want = run(g, boxes, 1, 8, 4);
    Map<String, float[]> got = run(fp16, boxes, 1, 8, 4);
    assertTrue(maxAbsDiff(want.get("wide"), got.get("wide")) <= 4 * 1e-3f);
    assertTrue(maxAbsDiff(want.get("s1"), got.get("s1")) <= 2 * 1e-3f);
  }
}
