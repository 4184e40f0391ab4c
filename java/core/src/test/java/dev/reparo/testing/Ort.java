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

  /** A float copy of an ORT output (integer outputs converted). */
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
      default -> throw new AssertionError("unexpected output type " + info.type);
    }
    return Tensor.of(data, shape);
  }
}
