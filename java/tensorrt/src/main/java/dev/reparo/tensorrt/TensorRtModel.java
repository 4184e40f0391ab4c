package dev.reparo.tensorrt;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.ImageInput;
import dev.reparo.backend.LoadedModel;
import dev.reparo.onnxruntime.ImageLetterbox;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A deserialized engine. An execution context is not thread-safe, so each concurrent call borrows
 * a {@link Slot} (context, CUDA stream, device buffers for every I/O tensor) from a pool that grows
 * to the peak concurrency; {@link #run} copies the input host→device, enqueues the engine on the
 * slot's stream, copies the outputs back and waits for the stream. Thread-safe; {@link #close}
 * (which deletes the contexts, the engine and the runtime, and frees the buffers and streams)
 * once no call is in flight. Pre-processing runs on the CPU ({@link ImageLetterbox}: ncnn's native
 * letterbox or the ONNX Runtime one, identical to it), so every backend sees the same input for the
 * same image.
 */
final class TensorRtModel implements LoadedModel {
  private final EngineNatives nv;
  private final long runtime;
  private final long engine;
  private final DeployedModel model;
  private final long[] inputShape;
  private final boolean dynamicInput;
  private final List<long[]> outputShapes;
  private final ConcurrentLinkedDeque<Slot> idle = new ConcurrentLinkedDeque<>();
  private final List<Slot> all = Collections.synchronizedList(new ArrayList<>());
  private final ImageLetterbox letterbox;
  private final AtomicBoolean closed = new AtomicBoolean();

  /** One execution context with its own stream and device buffers. */
  private record Slot(long context, long stream, long input, long[] outputs, List<long[]> outputShapes) {}

  private TensorRtModel(EngineNatives nv, long runtime, long engine, DeployedModel model, long[] inputShape,
      boolean dynamicInput) {
    this.nv = nv;
    this.runtime = runtime;
    this.engine = engine;
    this.model = model;
    this.inputShape = inputShape;
    this.dynamicInput = dynamicInput;
    Slot first = newSlot(); // fails early (out of memory) and resolves the output shapes
    this.outputShapes = first.outputShapes();
    try {
      this.letterbox = new ImageLetterbox();
    } catch (RuntimeException e) {
      release(first);
      throw e;
    }
    all.add(first);
    idle.push(first);
  }

  /**
   * Deserializes {@code plan} and makes the first execution context; on any failure deletes what
   * it created.
   *
   * @param inputShape the fixed shape the engine was built for ({@link EngineInputShape#of})
   * @param planFile names the plan in errors
   */
  static TensorRtModel open(EngineNatives nv, byte[] plan, DeployedModel model, long[] inputShape, Object planFile) {
    try (Releaser r = new Releaser()) {
      long runtime = nv.createRuntime();
      if (runtime == 0) {
        throw new ReparoException("TensorRT could not create a runtime for " + model.dir()
            + "; its log, on the dev.reparo.tensorrt logger, says why");
      }
      r.push(() -> nv.delete(runtime));
      long engine = nv.deserialize(runtime, plan);
      if (engine == 0) {
        throw new ModelFormatException(planFile + ": the cached TensorRT engine of " + model.dir()
            + " did not deserialize; delete the file to rebuild it");
      }
      r.push(() -> nv.delete(engine));
      long[] in = nv.engineShape(engine, model.inputName());
      if (in == null) {
        throw new ModelFormatException(planFile + ": the TensorRT engine has no input '" + model.inputName() + "'");
      }
      EngineInputShape.checkFits(model.inputName(), in, inputShape, planFile);
      for (String name : names(model)) {
        if (!nv.isFloat32(engine, name)) {
          throw new ModelFormatException(planFile + ": engine tensor '" + name + "' is not float32");
        }
      }
      TensorRtModel m = new TensorRtModel(nv, runtime, engine, model, inputShape.clone(),
          EngineInputShape.needsProfile(in));
      r.keep();
      return m;
    }
  }

  private static List<String> names(DeployedModel model) {
    List<String> names = new ArrayList<>();
    names.add(model.inputName());
    names.addAll(model.outputNames());
    return names;
  }

  /** A new slot; whatever it had created is released if a step fails. */
  private Slot newSlot() {
    try (Releaser r = new Releaser()) {
      long context = nv.createContext(engine);
      if (context == 0) {
        throw new ReparoException(model.dir() + ": TensorRT could not create an execution context (out of GPU "
            + "memory?); its log, on the dev.reparo.tensorrt logger, says why");
      }
      r.push(() -> nv.delete(context));
      if (dynamicInput && !nv.setInputShape(context, model.inputName(), inputShape)) {
        throw new ReparoException(model.dir() + ": TensorRT refused input shape " + Arrays.toString(inputShape)
            + " for '" + model.inputName() + "'");
      }
      long stream = nv.createStream();
      r.push(() -> nv.destroyStream(stream));
      long input = nv.malloc(bytes(inputShape));
      r.push(() -> nv.free(input));
      bind(context, model.inputName(), input);
      long[] outputs = new long[model.outputNames().size()];
      List<long[]> shapes = new ArrayList<>();
      for (int i = 0; i < outputs.length; i++) {
        String name = model.outputNames().get(i);
        long[] shape = nv.contextShape(context, name);
        if (shape == null || Arrays.stream(shape).anyMatch(d -> d < 0)) {
          throw new ModelFormatException(model.dir() + ": the TensorRT engine's output '" + name + "' has "
              + (shape == null ? "no shape (no such tensor)" : "the unresolved shape " + Arrays.toString(shape)));
        }
        long device = nv.malloc(bytes(shape));
        r.push(() -> nv.free(device));
        bind(context, name, device);
        outputs[i] = device;
        shapes.add(shape);
      }
      r.keep();
      return new Slot(context, stream, input, outputs, List.copyOf(shapes));
    }
  }

  private void bind(long context, String tensor, long device) {
    if (!nv.setTensorAddress(context, tensor, device)) {
      throw new ReparoException(model.dir() + ": TensorRT refused the buffer for tensor '" + tensor + "'");
    }
  }

  /** Releases a slot's resources in reverse order of creation, each even if another fails. */
  private void release(Slot s) {
    try (Releaser r = new Releaser()) {
      r.push(() -> nv.delete(s.context()));
      r.push(() -> nv.destroyStream(s.stream()));
      r.push(() -> nv.free(s.input()));
      for (long p : s.outputs()) {
        r.push(() -> nv.free(p));
      }
    }
  }

  @Override
  public List<Tensor> run(Tensor x) {
    if (closed.get()) {
      throw new IllegalStateException("model is closed");
    }
    long[] given = Arrays.stream(x.shape()).asLongStream().toArray();
    if (!Arrays.equals(given, inputShape)) {
      throw new InvalidInputException("input '" + model.inputName() + "' of the TensorRT engine is "
          + Arrays.toString(inputShape) + "; got " + x);
    }
    Slot slot = idle.poll();
    if (slot == null) {
      slot = newSlot();
      all.add(slot);
    }
    try {
      nv.copyToDevice(slot.input(), x.data(), slot.stream());
      if (!nv.enqueue(slot.context(), slot.stream())) {
        throw new ReparoException("TensorRT could not enqueue " + model.dir() + "; see the dev.reparo.tensorrt log");
      }
      List<Tensor> out = new ArrayList<>();
      for (int i = 0; i < outputShapes.size(); i++) {
        float[] v = new float[Math.toIntExact(count(outputShapes.get(i)))];
        nv.copyToHost(v, slot.outputs()[i], slot.stream());
        out.add(Tensor.of(v, Arrays.stream(outputShapes.get(i)).mapToInt(Math::toIntExact).toArray()));
      }
      return out;
    } finally {
      idle.push(slot);
    }
  }

  /** Number of execution contexts (slots) made so far: the peak concurrency. */
  int slots() {
    return all.size();
  }

  private static long count(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static long bytes(long[] shape) {
    return count(shape) * Float.BYTES;
  }

  @Override
  public Tensor preprocess(ByteBuffer bgr, int width, int height, int stride, ImageInput input) {
    return letterbox.apply(bgr, width, height, stride, input);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      // Contexts before their engine, the engine before its runtime (TensorRT's order).
      try (Releaser r = new Releaser()) {
        r.push(letterbox::close);
        r.push(() -> nv.delete(runtime));
        r.push(() -> nv.delete(engine));
        synchronized (all) {
          for (Slot s : all) {
            r.push(() -> release(s));
          }
        }
      }
    }
  }
}
