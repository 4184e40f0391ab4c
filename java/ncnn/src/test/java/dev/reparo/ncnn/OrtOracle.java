package dev.reparo.ncnn;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A model file as its exporter wrote it, run by ONNX Runtime on one thread with its graph
 * optimisations off: the independent oracle for what ncnn computes from Reparo's conversion.
 * Not thread-safe.
 */
final class OrtOracle implements AutoCloseable {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  OrtOracle(Path model) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      session = env.createSession(model.toString(), options);
    }
  }

  /** The model's float outputs, in the model's output order, for one float input. */
  List<Tensor> run(Tensor input) throws OrtException {
    long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
    String name = session.getInputNames().iterator().next();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), shape);
        OrtSession.Result result = session.run(Map.of(name, x))) {
      List<Tensor> out = new ArrayList<>();
      for (Map.Entry<String, OnnxValue> e : result) {
        OnnxTensor t = (OnnxTensor) e.getValue();
        int[] dims = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
        float[] data = new float[Math.toIntExact(t.getInfo().getNumElements())];
        t.getFloatBuffer().get(data);
        out.add(Tensor.of(data, dims));
      }
      return out;
    }
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
