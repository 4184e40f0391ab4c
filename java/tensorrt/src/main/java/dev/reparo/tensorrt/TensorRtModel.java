package dev.reparo.tensorrt;

import static org.bytedeco.cuda.global.cudart.cudaFree;
import static org.bytedeco.cuda.global.cudart.cudaGetErrorString;
import static org.bytedeco.cuda.global.cudart.cudaMalloc;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyAsync;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyDeviceToHost;
import static org.bytedeco.cuda.global.cudart.cudaMemcpyHostToDevice;
import static org.bytedeco.cuda.global.cudart.cudaStreamCreate;
import static org.bytedeco.cuda.global.cudart.cudaStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cudaStreamSynchronize;

import dev.reparo.InvalidInputException;
import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.detect.Letterbox;
import dev.reparo.detect.ModelMetadata;
import dev.reparo.onnxruntime.ImageLetterbox;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IExecutionContext;
import org.bytedeco.tensorrt.nvinfer.IRuntime;
import org.bytedeco.tensorrt.nvinfer.Dims64;

/**
 * A deserialized engine. An execution context is not thread-safe, so each concurrent call borrows
 * a {@link Slot} (context, CUDA stream, device buffers for every I/O tensor) from a pool that grows
 * to the peak concurrency; {@link #run} copies the input host→device, enqueues the engine on the
 * slot's stream, copies the outputs back and waits for the stream. Thread-safe; {@link #close}
 * once no call is in flight. Pre-processing runs on the CPU ({@link ImageLetterbox}: ncnn's native
 * letterbox or the ONNX Runtime one, identical to it), so every backend sees the same input for the
 * same image.
 */
final class TensorRtModel implements LoadedModel {
  private final IRuntime runtime;
  private final ICudaEngine engine;
  private final DeployedModel model;
  private final long[] inputShape;
  private final List<long[]> outputShapes = new ArrayList<>();
  private final ConcurrentLinkedDeque<Slot> idle = new ConcurrentLinkedDeque<>();
  private final List<Slot> all = java.util.Collections.synchronizedList(new ArrayList<>());
  private final ImageLetterbox letterbox = new ImageLetterbox();
  private final AtomicBoolean closed = new AtomicBoolean();

  TensorRtModel(IRuntime runtime, ICudaEngine engine, DeployedModel model) {
    this.runtime = runtime;
    this.engine = engine;
    this.model = model;
    this.inputShape = dims(engine.getTensorShape(model.inputName()), model.inputName());
    for (String name : model.outputNames()) {
      outputShapes.add(dims(engine.getTensorShape(name), name));
    }
  }

  private long[] dims(Dims64 d, String name) {
    if (d == null || d.nbDims() < 0) {
      throw new ModelFormatException(model.dir() + ": the TensorRT engine has no tensor '" + name + "'");
    }
    long[] s = new long[d.nbDims()];
    for (int i = 0; i < s.length; i++) {
      s[i] = d.d(i);
      if (s[i] < 0) {
        throw new ModelFormatException(model.dir() + ": tensor '" + name + "' has a dynamic shape "
            + "in the engine; the TensorRT backend needs fixed shapes (export with a fixed input size)");
      }
    }
    return s;
  }

  /** One execution context with its own stream and device buffers. */
  private final class Slot {
    final IExecutionContext context = engine.createExecutionContext();
    final CUstream_st stream = new CUstream_st();
    final Pointer input = new Pointer();
    final List<Pointer> outputs = new ArrayList<>();

    Slot() {
      check(cudaStreamCreate(stream), "cudaStreamCreate");
      check(cudaMalloc(input, bytes(inputShape)), "cudaMalloc");
      context.setTensorAddress(model.inputName(), input);
      for (int i = 0; i < outputShapes.size(); i++) {
        Pointer p = new Pointer();
        check(cudaMalloc(p, bytes(outputShapes.get(i))), "cudaMalloc");
        outputs.add(p);
        context.setTensorAddress(model.outputNames().get(i), p);
      }
    }

    void free() {
      cudaFree(input);
      outputs.forEach(p -> cudaFree(p));
      cudaStreamDestroy(stream);
      context.close();
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
      slot = new Slot();
      all.add(slot);
    }
    try (FloatPointer host = new FloatPointer(x.data())) {
      check(cudaMemcpyAsync(slot.input, host, bytes(inputShape), cudaMemcpyHostToDevice, slot.stream),
          "cudaMemcpyAsync");
      if (!slot.context.enqueueV3(slot.stream)) {
        throw new ReparoException("TensorRT could not enqueue " + model.dir() + "; see the dev.reparo.tensorrt log");
      }
      List<FloatPointer> hostOut = new ArrayList<>();
      for (int i = 0; i < outputShapes.size(); i++) {
        FloatPointer h = new FloatPointer(count(outputShapes.get(i)));
        check(cudaMemcpyAsync(h, slot.outputs.get(i), bytes(outputShapes.get(i)), cudaMemcpyDeviceToHost,
            slot.stream), "cudaMemcpyAsync");
        hostOut.add(h);
      }
      check(cudaStreamSynchronize(slot.stream), "cudaStreamSynchronize");
      List<Tensor> out = new ArrayList<>();
      for (int i = 0; i < hostOut.size(); i++) {
        float[] v = new float[(int) count(outputShapes.get(i))];
        try (FloatPointer h = hostOut.get(i)) {
          h.get(v);
        }
        out.add(Tensor.of(v, Arrays.stream(outputShapes.get(i)).mapToInt(Math::toIntExact).toArray()));
      }
      return out;
    } finally {
      idle.push(slot);
    }
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

  private static void check(int err, String call) {
    if (err != 0) {
      throw new ReparoException(call + " failed: " + cudaGetErrorString(err).getString());
    }
  }

  @Override
  public Tensor preprocess(ByteBuffer bgr, int width, int height, int stride, Letterbox box, ModelMetadata meta) {
    return letterbox.apply(bgr, width, height, stride, box, meta);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (all) {
        all.forEach(Slot::free);
      }
      engine.close();
      runtime.close();
      letterbox.close();
    }
  }

  /** TensorRT data type check used by the backend when it opens an engine. */
  static boolean floatTensor(ICudaEngine engine, String name) {
    return TrtEnums.isFloat32(engine.getTensorDataType(name));
  }
}
