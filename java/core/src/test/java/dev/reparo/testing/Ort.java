package dev.reparo.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.reparo.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs ONNX models in ONNX Runtime, the independent oracle of the ONNX tests. */
public final class Ort {
  private Ort() {}

  /**
   * Runs both graphs in ONNX Runtime on the input {@code x} (shape {@code shape}, values sin(0.37 i))
   * and asserts every output equal within {@code rtol * (1 + |before|)} element-wise and not all but
   * zero: the oracle of a graph rewrite's numeric equivalence.
   */
  public static void assertSameOutputs(dev.reparo.graph.Graph before, dev.reparo.graph.Graph after, String x,
      double rtol, int... shape) {
    float[] data = new float[java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) Math.sin(i * 0.37);
    }
    Map<String, Tensor> feeds = Map.of(x, Tensor.of(data, shape));
    Map<String, Tensor> want = run(dev.reparo.onnx.OnnxWriter.toBytes(before), feeds);
    Map<String, Tensor> got = run(dev.reparo.onnx.OnnxWriter.toBytes(after), feeds);
    for (String name : want.keySet()) {
      float[] a = want.get(name).data();
      float[] b = got.get(name).data();
      double peak = 0;
      for (int i = 0; i < a.length; i++) {
        peak = Math.max(peak, Math.abs(a[i]));
        org.junit.jupiter.api.Assertions.assertEquals(a[i], b[i], rtol * (1 + Math.abs(a[i])), name + "[" + i + "]");
      }
      org.junit.jupiter.api.Assertions.assertTrue(peak > 1e-2, "outputs are not all but zero");
    }
  }

  /** Runs a serialized model on float inputs; returns every output by name, in model order. */
  public static Map<String, Tensor> run(byte[] model, Map<String, Tensor> inputs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      // Run the graph as written: ORT's own fusions must not hide what Reparo produced.
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession session = env.createSession(model, options)) {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
          for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            long[] shape = java.util.Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()), shape));
          }
          Map<String, Tensor> out = new LinkedHashMap<>();
          try (OrtSession.Result result = session.run(feeds)) {
            for (Map.Entry<String, OnnxValue> e : result) {
              out.put(e.getKey(), toTensor((OnnxTensor) e.getValue()));
            }
          }
          return out;
        } finally {
          feeds.values().forEach(OnnxTensor::close);
        }
      }
    } catch (OrtException e) {
      throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /** A float copy of an ORT output (integer and boolean outputs converted; keep them below 2^24). */
  private static Tensor toTensor(OnnxTensor t) {
    TensorInfo info = t.getInfo();
    int[] shape = java.util.Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
    float[] data = new float[Math.toIntExact(info.getNumElements())];
    switch (info.type) {
      case FLOAT -> t.getFloatBuffer().get(data);
      case INT64 -> {
        LongBuffer b = t.getLongBuffer();
        for (int i = 0; i < data.length; i++) {
          data[i] = b.get(i);
        }
      }
      case INT32 -> {
        java.nio.IntBuffer b = t.getIntBuffer();
        for (int i = 0; i < data.length; i++) {
          data[i] = b.get(i);
        }
      }
      case BOOL, UINT8 -> {
        java.nio.ByteBuffer b = t.getByteBuffer();
        for (int i = 0; i < data.length; i++) {
          data[i] = b.get(i) & 0xFF;
        }
      }
      default -> throw new AssertionError("unexpected output type " + info.type);
    }
    return Tensor.of(data, shape);
  }
}
