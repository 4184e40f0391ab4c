package dev.reparo.tensorrt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferRuntime;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.backend.Backend;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.detect.DetectorOptions;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.nvinfer.ICudaEngine;
import org.bytedeco.tensorrt.nvinfer.IRuntime;

/**
 * The TensorRT {@link Backend} (NVIDIA GPUs): builds an engine from a converted model's ONNX at the
 * precision {@link TensorRtPrecision#of} picks, keeps it in an {@link EngineCache} under the
 * conversion cache ({@code <cache>/tensorrt-engines}), and runs it with device buffers on CUDA
 * streams. Registered for {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class TensorRtBackend implements Backend {
  @Override
  public DetectorOptions.Backend kind() {
    return DetectorOptions.Backend.TENSORRT;
  }

  @Override
  public String describe() {
    TensorRtRuntime.Status s = TensorRtRuntime.status();
    return s.available() ? "tensorrt " + s.tensorRtVersion() + " (" + s.gpuName() + ", CUDA " + s.cudaRuntime() + ")"
        : "tensorrt (unavailable)";
  }

  @Override
  public boolean isAvailable() {
    return TensorRtRuntime.status().available();
  }

  @Override
  public String unavailableReason() {
    return TensorRtRuntime.status().reason();
  }

  /** The engine cache of the standard conversion cache. */
  static EngineCache standardCache() {
    return new EngineCache(ConversionCache.standard().root().resolve("tensorrt-engines"));
  }

  /** The cache key of {@code model} at {@code precision} on the GPU and TensorRT in {@code status}. */
  static EngineCacheKey key(DeployedModel model, TensorRtPrecision precision, TensorRtRuntime.Status status) {
    return new EngineCacheKey(model.sourceSha256(), model.inputShape(), precision, status.gpuName(),
        status.computeMajor(), status.computeMinor(), status.tensorRtVersion());
  }

  @Override
  public LoadedModel load(DeployedModel model, DetectorOptions options) {
    TensorRtRuntime.Status status = TensorRtRuntime.status();
    if (!status.available()) {
      throw new ReparoException("backend TENSORRT cannot run here: " + status.reason());
    }
    TensorRtPrecision precision = TensorRtPrecision.of(options, model);
    Path onnx = model.file(precision.artefact());
    byte[] plan = standardCache().getOrBuild(key(model, precision, status), () -> EngineBuilder.build(onnx, precision));
    IRuntime runtime = createInferRuntime(TrtLogger.INSTANCE);
    ICudaEngine engine;
    try (BytePointer p = new BytePointer(plan)) {
      engine = runtime.deserializeCudaEngine(p, plan.length);
    }
    if (engine == null || engine.isNull()) {
      runtime.close();
      throw new ModelFormatException(model.dir() + ": the cached TensorRT engine did not deserialize; delete "
          + standardCache().file(key(model, precision, status)) + " to rebuild it");
    }
    for (String out : model.outputNames()) {
      if (!TensorRtModel.floatTensor(engine, out)) {
        engine.close();
        runtime.close();
        throw new ModelFormatException(model.dir() + ": engine output '" + out + "' is not float32");
      }
    }
    return new TensorRtModel(runtime, engine, model);
  }
}
