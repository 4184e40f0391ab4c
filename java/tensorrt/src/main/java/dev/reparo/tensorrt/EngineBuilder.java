package dev.reparo.tensorrt;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.graph.Graph;
import dev.reparo.onnx.OnnxReader;
import dev.reparo.onnx.OnnxWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.tensorrt.global.nvinfer;

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

  /** A strongly typed network (TensorRT 11's only kind; the flag is deprecated but still accepted). */
  @SuppressWarnings("deprecation")
  static final int NETWORK_FLAGS = 1 << nvinfer.NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value;

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

  private static long created(long handle, String what, Path onnx) {
    if (handle == 0) {
      throw new ReparoException(onnx + ": TensorRT could not create " + what + "; its log, on the dev.reparo.tensorrt "
          + "logger, says why");
    }
    return handle;
  }

  /**
   * The serialized engine of {@code model} (ONNX bytes from {@link #networkBytes}; {@code onnx}
   * names them in errors) for input {@code input} fixed at {@code shape}. Deletes every TensorRT
   * object it made, on success and on failure, except the ONNX parser: nvonnxparser::IParser's
   * destructor is not at a stable vtable position (see reparo_trt_delete.h), so one parser per
   * engine build (not per load) is left to the process.
   */
  static byte[] build(BuilderNatives nv, byte[] model, Path onnx, String input, long[] shape,
      TensorRtPrecision precision) {
    try (Releaser r = new Releaser()) {
      long builder = created(nv.createBuilder(), "a builder", onnx);
      r.push(() -> nv.delete(builder));
      long network = created(nv.createNetwork(builder, NETWORK_FLAGS), "a network", onnx);
      r.push(() -> nv.delete(network));
      long config = created(nv.createConfig(builder), "a builder config", onnx);
      r.push(() -> nv.delete(config));
      long parser = created(nv.createParser(network), "an ONNX parser", onnx);
      List<String> errors = nv.parse(parser, model);
      if (!errors.isEmpty()) {
        throw new ModelFormatException(onnx + ": TensorRT's ONNX parser refused it (" + precision + "): "
            + String.join("; ", errors));
      }
      nv.setWorkspace(config, WORKSPACE_BYTES);
      long[] declared = nv.inputDims(network, input);
      if (declared == null) {
        throw new ModelFormatException(onnx + ": the parsed network has no input '" + input + "'");
      }
      EngineInputShape.checkFits(input, declared, shape, onnx);
      if (EngineInputShape.needsProfile(declared) && !nv.addProfile(builder, config, input, shape)) {
        throw new ModelFormatException(onnx + ": TensorRT refused the optimization profile "
            + Arrays.toString(shape) + " for input '" + input + "'");
      }
      byte[] plan = nv.buildSerialized(builder, network, config);
      if (plan == null || plan.length == 0) {
        throw new ReparoException(onnx + ": TensorRT could not build an engine (" + precision
            + "); its log, on the dev.reparo.tensorrt logger, says why");
      }
      return plan;
    }
  }
}
