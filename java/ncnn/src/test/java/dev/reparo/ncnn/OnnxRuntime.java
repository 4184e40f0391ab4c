package dev.reparo.ncnn;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs a serialized ONNX model in ONNX Runtime: the oracle of the hand-built export tests. */
final class OnnxRuntime {
  private OnnxRuntime() {}

  static Map<String, Tensor> run(byte[] model, Map<String, Tensor> inputs) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(model, options)) {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
          for (Map.Entry<String, Tensor> e : inputs.entrySet()) {
            long[] shape = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            feeds.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().data()), shape));
          }
          Map<String, Tensor> out = new LinkedHashMap<>();
          try (OrtSession.Result result = session.run(feeds)) {
            for (Map.Entry<String, OnnxValue> e : result) {
              OnnxTensor t = (OnnxTensor) e.getValue();
              int[] shape = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
              float[] data = new float[Math.toIntExact(t.getInfo().getNumElements())];
              t.getFloatBuffer().get(data);
              out.put(e.getKey(), Tensor.of(data, shape));
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
}
