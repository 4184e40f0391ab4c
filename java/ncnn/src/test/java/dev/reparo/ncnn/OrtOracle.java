package dev.reparo.ncnn;

import static org.junit.jupiter.api.Assertions.assertTrue;


import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.Tensor;
import dev.reparo.data.SceneGenerator;
import dev.reparo.detect.Detection;
import dev.reparo.detect.DetectionHead;
import dev.reparo.detect.DetectionMatching;
import dev.reparo.detect.Detector;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.PostProcessor;
import java.awt.image.BufferedImage;
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

  /**
   * Detects in {@code count} generated scenes (seed 11) with {@code d} and, on the same pre-processed
   * input, with this oracle decoded by {@code d}'s own head; asserts the two lists match as sets.
   *
   * @return how many detections matched
   */
  int assertSameDetections(Detector d, int count, DetectionMatching.Tolerance tolerance, String what)
      throws OrtException {
    return assertSameDetections(d, d.head(), count, tolerance, what);
  }

  /**
   * As {@link #assertSameDetections(Detector, int, DetectionMatching.Tolerance, String)}, this
   * oracle's outputs decoded by {@code oracleHead}: for a detector whose conversion changed the
   * outputs' layout (the raw head cut off a decoded export).
   */
  int assertSameDetections(Detector d, DetectionHead oracleHead, int count, DetectionMatching.Tolerance tolerance,
      String what) throws OrtException {
    PostProcessor post = new PostProcessor(oracleHead, d.metadata().names());
    SceneGenerator scenes = new SceneGenerator(11);
    int matched = 0;
    for (int i = 0; i < count; i++) {
      BufferedImage img = scenes.generate(i).image();
      List<Detection> fromNcnn = d.detect(img);
      Letterbox box = Letterbox.fixed(img.getWidth(), img.getHeight(), d.metadata().inputWidth(),
          d.metadata().inputHeight());
      List<Detection> fromOrt = post.process(run(d.preprocess(img)), box, d.options().confThreshold(),
          d.options().iouThreshold(), d.options().maxDetections(), false, null);
      DetectionMatching.Result r = DetectionMatching.compare(fromOrt, fromNcnn, tolerance);
      assertTrue(r.same(), what + " scene " + i + ": " + r.describe());
      matched += r.matched().size();
    }
    return matched;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
