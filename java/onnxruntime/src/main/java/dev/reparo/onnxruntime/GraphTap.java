package dev.reparo.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.graph.Graph;
import dev.reparo.onnx.OnnxWriter;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs an in-memory graph (e.g. a training-form model with inner values added as outputs, see
 * {@code BatchNormStatistics.tapped}) on ONNX Runtime's CPU provider, one thread, and hands back
 * the float outputs asked for. Reparo's backends run converted models; this is for looking inside
 * a model as its exporter wrote it. {@link #run} is thread-safe; {@link #close} once none is in
 * flight.
 */
public final class GraphTap implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String inputName;

  private GraphTap(OrtEnvironment env, OrtSession session, String inputName) {
    this.env = env;
    this.session = session;
    this.inputName = inputName;
  }

  /**
   * A session for {@code graph}, whose only input is fed by {@link #run}.
   *
   * @throws ModelFormatException if the graph has not exactly one input or ONNX Runtime refuses it
   */
  public static GraphTap open(Graph graph, String source) {
    if (graph.inputs().size() != 1) {
      throw new ModelFormatException(source + ": expected one input, the graph has " + graph.inputs().size());
    }
    byte[] bytes = OnnxWriter.toBytes(graph);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(1);
      so.setInterOpNumThreads(1);
      try {
        return new GraphTap(env, env.createSession(bytes, so), graph.inputs().get(0).name());
      } catch (OrtException e) {
        throw new ModelFormatException(source + ": ONNX Runtime cannot load it: " + e.getMessage());
      }
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime session options were refused: " + e.getMessage(), e);
    }
  }

  /** The outputs {@code names} for {@code input}, by name, in the order asked. */
  public Map<String, Tensor> run(Tensor input, List<String> names) {
    long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), shape);
        OrtSession.Result result = session.run(Map.of(inputName, x), new java.util.LinkedHashSet<>(names))) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : names) {
        Optional<OnnxValue> v = result.get(name);
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
          throw new ReparoException("ONNX Runtime returned no float tensor for '" + name + "'");
        }
        out.put(name, OnnxRuntimeModel.toTensor(t));
      }
      return out;
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime failed on input " + input + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // the native memory is freed even when ORT reports an error on release
    }
  }
}
