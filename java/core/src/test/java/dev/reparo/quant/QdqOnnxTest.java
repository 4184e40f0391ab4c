package dev.reparo.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.Tensor;
import dev.reparo.graph.DataType;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import dev.reparo.testing.Ort;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Q/DQ ONNX weight granularity, run by ONNX Runtime against the FP32 graph. */
class QdqOnnxTest {
  /**
   * Two 1×1 convolutions in a row; the first's output channel 0 has weights near 1 and channel 1
   * weights near 0.001, so one scale for the tensor rounds channel 1's weights to zero.
   */
  static Graph graph() {
    Graph g = new Graph("qdq", 13);
    g.addInput(ValueInfo.of("x", DataType.FLOAT, 1, 2, 4, 4));
    g.putInitializer("w1", Tensor.of(new float[] {1f, -0.9f, 0.001f, 0.0008f}, 2, 2, 1, 1));
    g.putInitializer("w2", Tensor.of(new float[] {0.5f, 0.25f}, 1, 2, 1, 1));
    g.addNode(Node.builder("Conv").name("c1").inputs("x", "w1").outputs("y").build());
    g.addNode(Node.builder("Conv").name("c2").inputs("y", "w2").outputs("z").build());
    g.addOutput(ValueInfo.of("y", DataType.FLOAT, 1, 2, 4, 4));
    g.addOutput(ValueInfo.of("z", DataType.FLOAT, 1, 1, 4, 4));
    return g;
  }

  static Map<String, Tensor> run(Graph g, Tensor x) {
    return Ort.run(OnnxWriter.toBytes(g), Map.of("x", x));
  }

  static CalibrationTable table() {
    // input scales 127 / threshold; x is in [-1, 1], y within [-2, 2]
    return new CalibrationTable(Map.of("c1", new float[] {1, 1}, "c2", new float[] {1}),
        Map.of("c1", 127f, "c2", 63.5f));
  }

  @Test
  void perTensorWeightsShareOneScaleAndPerChannelWeightsDoNot() {
    float[] v = new float[32];
    Random r = new Random(3);
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextFloat() * 2 - 1;
    }
    Tensor x = Tensor.of(v, 1, 2, 4, 4);
    float[] want = run(graph(), x).get("y").data();

    Graph perChannel = graph();
    assertEquals(List.of("c1", "c2"), QdqOnnx.apply(perChannel, table(), WeightScaling.PER_CHANNEL));
    Graph perTensor = graph();
    assertEquals(List.of("c1", "c2"), QdqOnnx.apply(perTensor, table(), WeightScaling.PER_TENSOR));
    float[] pc = run(perChannel, x).get("y").data();
    float[] pt = run(perTensor, x).get("y").data();
    for (int i = 0; i < 16; i++) {
      // channel 0: weights and input within half a step (1/254 of 1) of FP32
      assertEquals(want[i], pc[i], 0.02, "per-channel, channel 0");
      assertEquals(want[i], pt[i], 0.02, "per-tensor, channel 0");
    }
    float channel1 = 0;
    for (int i = 16; i < 32; i++) {
      channel1 = Math.max(channel1, Math.abs(want[i]));
    }
    assertTrue(channel1 > 1e-4, "channel 1 is not zero in FP32: " + channel1);
    for (int i = 16; i < 32; i++) {
      // per-channel keeps channel 1 at 1/127 of its own scale; per-tensor rounds its weights to 0
      assertEquals(want[i], pc[i], 2e-5 + Math.abs(want[i]) * 0.02, "per-channel, channel 1");
      assertEquals(0f, pt[i], 0f, "per-tensor, channel 1");
    }
    assertFalse(java.util.Arrays.equals(want, pt));
  }

  @Test
  void layersLeftOutOfTheTableKeepFp32Weights() {
    Tensor x = Tensor.of(new float[32], 1, 2, 4, 4);
    Graph g = graph();
    assertEquals(List.of("c2"), QdqOnnx.apply(g, table().without(List.of("c1")), WeightScaling.PER_TENSOR));
    Node c1 = g.nodes().stream().filter(n -> n.name().equals("c1")).findFirst().orElseThrow();
    assertEquals(List.of("x", "w1"), c1.inputs());
    long dq = g.nodes().stream().filter(n -> n.opType().equals("DequantizeLinear")).count();
    assertEquals(2, dq, "one for c2's input, one for its weight");
    assertEquals(0f, run(g, x).get("z").data()[0], 0f);
    assertTrue(g.initializer("w1") != null, "c1's FP32 weight stays");
    assertTrue(g.initializer("w2") == null, "c2's FP32 weight is replaced by its int8 copy");
  }
}
