package dev.reparo.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
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
 * thread-safe), so concurrent {@link #run}, {@link #runBatch} and {@link #preprocess} calls are
 * safe. Every {@link OnnxTensor} a call creates is closed before it returns. Images are letterboxed
 * by {@link ImageLetterbox}.
 *
 * <p>Batches: when the session's input has a dynamic first dimension, {@link #runBatch} stacks up
 * to {@link #DYNAMIC_BATCH} inputs of equal shape into one run and splits the outputs along their
 * first axis; with a fixed batch (1: conversion refuses others) every input runs alone. A model
 * whose batched run fails, or whose outputs do not lead with the batch (a Reshape that folded the
 * batch of 1 the conversion used into a constant), runs its inputs one at a time from then on,
 * with the same results.
 */
final class OnnxRuntimeModel implements LoadedModel {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final DeployedModel model;
  private final Set<String> outputNames;
  private final ImageLetterbox letterbox;
  /** Whether the session's input has a dynamic first dimension. */
  private final boolean dynamicBatch;
  /** Cleared when a batched run failed or its outputs did not lead with the batch: then inputs run alone. */
  private final AtomicBoolean splittable = new AtomicBoolean(true);
  private final AtomicBoolean closed = new AtomicBoolean();

  private static final System.Logger LOG = System.getLogger("dev.reparo.backend");

  /** The most images stacked into one run when the batch dimension is dynamic. */
  static final int DYNAMIC_BATCH = 16;

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
      this.dynamicBatch = dynamicBatch(session, model.inputName());
      this.letterbox = new ImageLetterbox(env);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  private static boolean dynamicBatch(OrtSession session, String input) {
    try {
      return session.getInputInfo().get(input).getInfo() instanceof TensorInfo t && t.getShape().length > 0
          && t.getShape()[0] <= 0;
    } catch (OrtException e) {
      throw new ReparoException("ONNX Runtime cannot describe input '" + input + "': " + e.getMessage(), e);
    }
  }

  @Override
  public int maxBatch() {
    return dynamicBatch && splittable.get() ? DYNAMIC_BATCH : 1;
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

  @Override
  public List<List<Tensor>> runBatch(List<Tensor> inputs) {
    int max = maxBatch();
    if (max <= 1 || inputs.size() <= 1) {
      return LoadedModel.super.runBatch(inputs);
    }
    List<List<Tensor>> outputs = new ArrayList<>(java.util.Collections.nCopies(inputs.size(), null));
    // Inputs of equal shape, in order, up to max at a time (a model with dynamic H and W may get
    // letterboxes of different sizes).
    Map<List<Integer>, List<Integer>> byShape = new java.util.LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      if (t.rank() < 1 || t.dim(0) != 1) {
        throw new InvalidInputException("a batched input of " + model.dir() + " must have a batch of 1, got " + t);
      }
      byShape.computeIfAbsent(Arrays.stream(t.shape()).boxed().toList(), k -> new ArrayList<>()).add(i);
    }
    for (List<Integer> same : byShape.values()) {
      for (int start = 0; start < same.size(); start += max) {
        List<Integer> chunk = same.subList(start, Math.min(same.size(), start + max));
        List<List<Tensor>> split = splittable.get() ? runStacked(inputs, chunk) : null;
        for (int k = 0; k < chunk.size(); k++) {
          outputs.set(chunk.get(k), split != null ? split.get(k) : run(inputs.get(chunk.get(k))));
        }
      }
    }
    return outputs;
  }

  /**
   * One run of {@code chunk}'s inputs stacked, split into each input's outputs; null when the run
   * fails or its outputs do not lead with the batch (each input is then checked by a run of its own).
   */
  private List<List<Tensor>> runStacked(List<Tensor> inputs, List<Integer> chunk) {
    Tensor first = inputs.get(chunk.get(0));
    int n = chunk.size();
    int[] shape = first.shape();
    int per = first.size();
    float[] stacked = new float[Math.multiplyExact(per, n)];
    for (int k = 0; k < chunk.size(); k++) {
      System.arraycopy(inputs.get(chunk.get(k)).data(), 0, stacked, k * per, per);
    }
    shape[0] = n;
    checkInput(first);
    List<Tensor> batched;
    try {
      batched = run(Tensor.of(stacked, shape));
    } catch (ReparoException e) {
      splittable.set(false);
      LOG.log(System.Logger.Level.WARNING, model.dir() + ": a batch of " + n + " failed on ONNX Runtime ("
          + e.getMessage() + "); running images one at a time");
      return null;
    }
    List<List<Tensor>> split = new ArrayList<>(chunk.size());
    for (int k = 0; k < chunk.size(); k++) {
      split.add(new ArrayList<>(batched.size()));
    }
    for (Tensor out : batched) {
      if (out.rank() < 1 || out.dim(0) != n) {
        splittable.set(false);
        LOG.log(System.Logger.Level.WARNING, model.dir() + ": a batch of " + n + " gave an output of shape "
            + Arrays.toString(out.shape()) + "; running images one at a time");
        return null;
      }
      int[] one = out.shape();
      one[0] = 1;
      int size = out.size() / n;
      for (int k = 0; k < chunk.size(); k++) {
        split.get(k).add(Tensor.of(Arrays.copyOfRange(out.data(), k * size, (k + 1) * size), one));
      }
    }
    return split;
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
