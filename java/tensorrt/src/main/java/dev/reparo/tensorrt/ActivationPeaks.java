package dev.reparo.tensorrt;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.ReparoException;
import dev.reparo.graph.Graph;
import dev.reparo.graph.Node;
import dev.reparo.graph.ValueInfo;
import dev.reparo.onnx.OnnxWriter;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The largest magnitude every float value of a graph reaches in one reference run on ONNX
 * Runtime's CPU provider, for {@link CastToFloat16}'s FP32 islands. The input is deterministic
 * (uniform in [0, 1), a fixed seed: a normalised image's range), so the same graph always gives
 * the same peaks and so the same FP16 engine. What matters is caught by any input: decoded box
 * coordinates reach the input size through the grid and the strides, whatever the pixels. The run
 * holds every activation at once (a few hundred MB for a 640-px detector), once per FP16 engine
 * build. Stateless and thread-safe.
 */
final class ActivationPeaks {
  private static final long SEED = 0x5eedL;

  private ActivationPeaks() {}

  /** Peaks of every float node output of {@code g}, its single float input being of {@code shape}. */
  static Map<String, Float> of(Graph g, long[] shape) {
    float[] x = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
    Random r = new Random(SEED);
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextFloat();
    }
    return of(g, shape, x);
  }

  /** Peaks of every float node output of {@code g} for the input {@code x} of {@code shape}. */
  static Map<String, Float> of(Graph g, long[] shape, float[] x) {
    Graph probe = g.copy();
    Set<String> floats = FloatTypes.of(g);
    Set<String> names = new LinkedHashSet<>();
    g.outputs().forEach(o -> names.add(o.name()));
    for (Node n : g.nodes()) {
      for (String out : n.outputs()) {
        if (floats.contains(out)) {
          names.add(out);
        }
      }
    }
    List<ValueInfo> outputs = new ArrayList<>(g.outputs());
    for (String name : names) {
      if (outputs.stream().noneMatch(o -> o.name().equals(name))) {
        outputs.add(FloatTypes.floatOutput(name));
      }
    }
    probe.setOutputs(outputs);
    if (g.inputs().size() != 1) {
      throw new ReparoException("the FP16 reference run needs a graph with one input; it has " + g.inputs().size());
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
      try (OrtSession s = env.createSession(OnnxWriter.toBytes(probe), so);
          OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
          OrtSession.Result result = s.run(Map.of(g.inputs().get(0).name(), in))) {
        Map<String, Float> peaks = new HashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
          if (e.getValue() instanceof OnnxTensor t && names.contains(e.getKey())) {
            FloatBuffer b = t.getFloatBuffer();
            float m = 0;
            while (b != null && b.hasRemaining()) {
              m = Math.max(m, Math.abs(b.get()));
            }
            peaks.put(e.getKey(), m);
          }
        }
        return peaks;
      }
    } catch (OrtException e) {
      throw new ReparoException("the FP16 reference run on ONNX Runtime failed: " + e.getMessage(), e);
    }
  }
}
