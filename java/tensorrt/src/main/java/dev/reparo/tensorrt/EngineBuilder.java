package dev.reparo.tensorrt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.graph.Graph;
import dev.reparo.onnx.OnnxReader;
import dev.reparo.onnx.OnnxWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.Dims64;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.IOptimizationProfile;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvonnxparser.IParser;

/**
 * Builds a serialized TensorRT engine from ONNX with TensorRT's ONNX parser: a strongly typed
 * network (the graph's types decide each layer's precision, see {@link TensorRtPrecision}), a
 * workspace of at most {@link #WORKSPACE_BYTES}, and, when the network's input is dynamic, one
 * optimization profile fixed at {@link EngineInputShape#of the model's input shape}. Needs a GPU.
 * Stateless and thread-safe.
 */
final class EngineBuilder {
  static final long WORKSPACE_BYTES = 1L << 30;
  private static final System.Logger LOG = System.getLogger("dev.reparo.tensorrt");

  /**
   * What the engine depends on besides the ONNX bytes and the GPU: bump it when a builder setting
   * changes, so that cached engines built the old way are not served.
   */
  static final String SETTINGS = "strongly-typed;workspace=" + WORKSPACE_BYTES + ";profile=fixed-input;v2";

  private EngineBuilder() {}

  /** The builder settings of a precision, with the FP16 rewrite's version where it applies. */
  static String settings(TensorRtPrecision precision) {
    return precision == TensorRtPrecision.FP16 ? SETTINGS + ";" + CastToFloat16.VERSION : SETTINGS;
  }

  /**
   * The ONNX bytes TensorRT parses for this precision: the artefact's bytes ({@code onnx}, read
   * from {@code source}) as they are, or for FP16 rewritten by {@link CastToFloat16} with the peaks
   * of a reference run at {@code inputShape}.
   */
  static byte[] networkBytes(byte[] onnx, Path source, TensorRtPrecision precision, long[] inputShape) {
    if (precision != TensorRtPrecision.FP16) {
      return onnx;
    }
    Graph g = OnnxReader.read(onnx, source.toString());
    Map<String, Float> peaks = ActivationPeaks.of(g, inputShape);
    Map<String, String> islands = CastToFloat16.islands(g, peaks);
    LOG.log(System.Logger.Level.INFO, () -> source + ": FP16 engine keeps " + islands.size() + " node(s) in FP32"
        + (islands.isEmpty() ? "" : ": " + islands));
    return OnnxWriter.toBytes(CastToFloat16.apply(g, peaks));
  }

  /** The bytes of a model's artefact file. */
  static byte[] read(Path onnx) {
    try {
      return Files.readAllBytes(onnx);
    } catch (IOException e) {
      throw new UncheckedIOException(onnx + ": " + e.getMessage(), e);
    }
  }

  private static <P extends Pointer> P created(P p, String what, Path onnx) {
    if (p == null || p.isNull()) {
      throw new ReparoException(onnx + ": TensorRT could not create " + what + "; its log, on the dev.reparo.tensorrt "
          + "logger, says why");
    }
    return p;
  }

  /**
   * The serialized engine of {@code model} (ONNX bytes from {@link #networkBytes}; {@code onnx}
   * names them in errors) for input {@code input} fixed at {@code shape}. Deletes every TensorRT
   * object it made except the ONNX parser: nvonnxparser::IParser's destructor is not at a stable
   * vtable position (see reparo_trt_delete.h), so one parser per engine build (not per load) is
   * left to the process.
   */
  static byte[] build(byte[] model, Path onnx, String input, long[] shape, TensorRtPrecision precision) {
    int flags = 1 << nvinfer.NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value;
    try (Releaser r = new Releaser(); BytePointer bytes = new BytePointer(model)) {
      IBuilder builder = created(createInferBuilder(TrtLogger.INSTANCE), "a builder", onnx);
      r.push(() -> CudaEngineNatives.delete(builder));
      INetworkDefinition network = created(builder.createNetworkV2(flags), "a network", onnx);
      r.push(() -> CudaEngineNatives.delete(network));
      IBuilderConfig config = created(builder.createBuilderConfig(), "a builder config", onnx);
      r.push(() -> CudaEngineNatives.delete(config));
      IParser parser = created(createParser(network, TrtLogger.INSTANCE), "an ONNX parser", onnx);
      if (!parser.parse(bytes, model.length)) {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < parser.getNbErrors(); i++) {
          var e = parser.getError(i);
          errors.add("node '" + e.nodeName() + "' (" + e.nodeOperator() + "): " + e.desc());
        }
        throw new ModelFormatException(onnx + ": TensorRT's ONNX parser refused it (" + precision + "): "
            + String.join("; ", errors));
      }
      config.setMemoryPoolLimit(nvinfer.MemoryPoolType.kWORKSPACE, WORKSPACE_BYTES);
      long[] declared = inputDims(network, input, onnx);
      EngineInputShape.checkFits(input, declared, shape, onnx);
      if (EngineInputShape.needsProfile(declared)) {
        IOptimizationProfile profile = created(builder.createOptimizationProfile(), "an optimization profile", onnx);
        try (Dims64 d = CudaEngineNatives.dims(shape)) {
          boolean ok = profile.setDimensions(input, nvinfer.OptProfileSelector.kMIN, d)
              && profile.setDimensions(input, nvinfer.OptProfileSelector.kOPT, d)
              && profile.setDimensions(input, nvinfer.OptProfileSelector.kMAX, d);
          if (!ok || config.addOptimizationProfile(profile) < 0) {
            throw new ModelFormatException(onnx + ": TensorRT refused the optimization profile "
                + java.util.Arrays.toString(shape) + " for input '" + input + "'");
          }
        }
      }
      IHostMemory plan = builder.buildSerializedNetwork(network, config);
      if (plan == null || plan.isNull() || plan.size() == 0) {
        if (plan != null && !plan.isNull()) {
          CudaEngineNatives.delete(plan);
        }
        throw new ReparoException(onnx + ": TensorRT could not build an engine (" + precision
            + "); its log, on the dev.reparo.tensorrt logger, says why");
      }
      r.push(() -> CudaEngineNatives.delete(plan));
      byte[] out = new byte[Math.toIntExact(plan.size())];
      new BytePointer(plan.data()).capacity(plan.size()).get(out);
      return out;
    }
  }

  private static long[] inputDims(INetworkDefinition network, String input, Path onnx) {
    for (int i = 0; i < network.getNbInputs(); i++) {
      ITensor t = network.getInput(i);
      if (input.equals(t.getName())) {
        try (Dims64 d = t.getDimensions()) {
          return CudaEngineNatives.dims(d);
        }
      }
    }
    throw new ModelFormatException(onnx + ": the parsed network has no input '" + input + "'");
  }
}
