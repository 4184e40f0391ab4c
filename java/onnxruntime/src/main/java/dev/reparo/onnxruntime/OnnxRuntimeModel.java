package dev.reparo.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.reparo.InvalidInputException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.backend.LoadedModel;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A converted model in one ONNX Runtime session, reused by every call ({@code OrtSession.run} is
 * thread-safe), so concurrent {@link #run} and {@link #preprocess} calls are safe. Every
 * {@link OnnxTensor} a call creates is closed before it returns. Images are letterboxed by
 * {@link ImageLetterbox}.
 */
final class OnnxRuntimeModel implements LoadedModel {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final DeployedModel model;
  private final Set<String> outputNames;
  private final ImageLetterbox letterbox;
  private final AtomicBoolean closed = new AtomicBoolean();

  OnnxRuntimeModel(OrtEnvironment env, OrtSession session, DeployedModel model) {
    this.env = env;
    this.session = session;
    this.model = model;
    this.outputNames = new LinkedHashSet<>(model.outputNames());
    try {
      if (!session.getInputNames().contains(model.inputName())) {
        throw new InvalidInputException(model.dir() + ": the fused ONNX has no input '" + model.inputName()
            + "' (it has " + session.getInputNames() + ")");
      }
      for (String name : outputNames) {
        if (!session.getOutputNames().contains(name)) {
          throw new InvalidInputException(model.dir() + ": the fused ONNX has no output '" + name + "' (it has "
              + session.getOutputNames() + ")");
        }
      }
      this.letterbox = new ImageLetterbox(env);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  @Override
  public List<Tensor> run(Tensor input) {
    checkInput(input);
    long[] shape = Arrays.stream(input.shape()).asLongStream().toArray();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.data()), shape);
        OrtSession.Result result = session.run(Map.of(model.inputName(), x), outputNames)) {
      List<Tensor> outputs = new ArrayList<>(outputNames.size());
      for (String name : model.outputNames()) {
        Optional<OnnxValue> v = result.get(name);
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor t) || t.getInfo().type != OnnxJavaType.FLOAT) {
          throw new ReparoException("ONNX Runtime returned no float tensor for output '" + name + "' of "
              + model.dir());
        }
        outputs.add(toTensor(t));
      }
      return outputs;
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime failed on " + model.dir() + " with input " + input + ": "
          + e.getMessage(), e);
    }
  }

  static Tensor toTensor(OnnxTensor t) {
    int[] shape = Arrays.stream(t.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
    FloatBuffer values = t.getFloatBuffer();
    float[] data = new float[values.remaining()];
    values.get(data);
    return Tensor.of(data, shape);
  }

  private void checkInput(Tensor input) {
    if (closed.get()) {
      throw new IllegalStateException("model is closed");
    }
    long[] declared = model.inputShape();
    boolean fits = input.rank() == declared.length;
    for (int i = 0; fits && i < declared.length; i++) {
      fits = declared[i] <= 0 || declared[i] == input.dim(i);
    }
    if (!fits) {
      throw new InvalidInputException("input '" + model.inputName() + "' of " + model.dir() + " is declared "
          + Arrays.toString(declared) + "; got " + input);
    }
  }

  @Override
  public Tensor preprocess(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    if (closed.get()) {
      throw new IllegalStateException("model is closed");
    }
    return letterbox.apply(bgr, width, height, stride, input);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      session.close();
    } catch (OrtException e) {
      // the session's native memory is freed even when ORT reports an error on release
    }
    if (letterbox != null) {
      letterbox.close();
    }
  }
}
