package dev.reparo.tensorrt;

import dev.reparo.ReparoException;
import dev.reparo.backend.Backend;
import dev.reparo.backend.BackendKind;
import dev.reparo.backend.DeployedModel;
import dev.reparo.backend.LoadOptions;
import dev.reparo.backend.LoadedModel;
import dev.reparo.convert.ConversionCache;
import dev.reparo.io.Digests;
import java.nio.file.Path;

/**
 * The TensorRT {@link Backend} (NVIDIA GPUs): builds an engine from a converted model's ONNX at the
 * precision {@link TensorRtPrecision#of} picks, keeps it in an {@link EngineCache} under the
 * conversion cache ({@code <cache>/tensorrt-engines}), and runs it with device buffers on CUDA
 * streams. Registered for {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class TensorRtBackend implements Backend {
  @Override
  public BackendKind kind() {
    return BackendKind.TENSORRT;
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

  /**
   * The cache key of the engine built from {@code onnx} (the bytes of the precision's artefact, the
   * file the engine is built from; an FP16 rewrite of it is covered by the rewrite's version in
   * {@link EngineBuilder#settings}) for {@code inputShape} at {@code precision} on the GPU and
   * TensorRT in {@code status}.
   */
  static EngineCacheKey key(byte[] onnx, long[] inputShape, TensorRtPrecision precision,
      TensorRtRuntime.Status status) {
    return new EngineCacheKey(Digests.sha256(onnx), EngineBuilder.settings(precision), inputShape, precision,
        status.gpuName(), status.computeMajor(), status.computeMinor(), status.tensorRtVersion());
  }

  @Override
  public LoadedModel load(DeployedModel model, LoadOptions options) {
    TensorRtRuntime.Status status = TensorRtRuntime.status();
    if (!status.available()) {
      throw new ReparoException("backend TENSORRT cannot run here: " + status.reason());
    }
    TensorRtPrecision precision = TensorRtPrecision.of(options, model);
    long[] shape = EngineInputShape.of(model, options.inputSize()); // refuses an unfixable dynamic input before any work
    Path onnx = model.file(precision.artefact());
    byte[] artefact = EngineBuilder.read(onnx);
    EngineCacheKey key = key(artefact, shape, precision, status);
    EngineCache cache = standardCache();
    byte[] plan = cache.getOrBuild(key, () -> EngineBuilder.build(CudaEngineNatives.INSTANCE,
        EngineBuilder.networkBytes(artefact, onnx, precision, shape), onnx, model.inputName(), shape, precision));
    return TensorRtModel.open(CudaEngineNatives.INSTANCE, plan, model, shape, cache.file(key));
  }
}
