package dev.reparo.tensorrt;

import static org.bytedeco.tensorrt.global.nvinfer.createInferBuilder;
import static org.bytedeco.tensorrt.global.nvonnxparser.createParser;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.onnx.Onnx;
import dev.reparo.onnx.OnnxWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IHostMemory;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvonnxparser.IParser;

/**
 * Builds a serialized TensorRT engine from ONNX with TensorRT's ONNX parser: a strongly typed
 * network (the graph's types decide each layer's precision, see {@link TensorRtPrecision}), a
 * workspace of at most {@link #WORKSPACE_BYTES}. Needs a GPU. Stateless and thread-safe.
 */
final class EngineBuilder {
  static final long WORKSPACE_BYTES = 1L << 30;

  private EngineBuilder() {}

  /** The ONNX bytes TensorRT parses for this precision ({@code onnx} is the precision's artefact). */
  static byte[] networkBytes(Path onnx, TensorRtPrecision precision) {
    try {
      return precision == TensorRtPrecision.FP16 ? OnnxWriter.toBytes(CastToFloat16.apply(Onnx.read(onnx)))
          : Files.readAllBytes(onnx);
    } catch (IOException e) {
      throw new UncheckedIOException(onnx + ": " + e.getMessage(), e);
    }
  }

  static byte[] build(Path onnx, TensorRtPrecision precision) {
    byte[] model = networkBytes(onnx, precision);
    int flags = 1 << nvinfer.NetworkDefinitionCreationFlag.kSTRONGLY_TYPED.value;
    try (IBuilder builder = createInferBuilder(TrtLogger.INSTANCE);
        INetworkDefinition network = builder.createNetworkV2(flags);
        IParser parser = createParser(network, TrtLogger.INSTANCE);
        IBuilderConfig config = builder.createBuilderConfig();
        BytePointer bytes = new BytePointer(model)) {
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
      try (IHostMemory plan = builder.buildSerializedNetwork(network, config)) {
        if (plan == null || plan.isNull() || plan.size() == 0) {
          throw new ReparoException(onnx + ": TensorRT could not build an engine (" + precision
              + "); its log, on the dev.reparo.tensorrt logger, says why");
        }
        byte[] out = new byte[Math.toIntExact(plan.size())];
        new BytePointer(plan.data()).capacity(plan.size()).get(out);
        return out;
      }
    }
  }
}
